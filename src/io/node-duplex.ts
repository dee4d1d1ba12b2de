/**
 * `fromNodeDuplex`: one pollux stream over a Node `Duplex` (a `net.Socket`, a TLS socket, a
 * `PassThrough`), made of the two one-way adapters. Each direction keeps its own `Readiness`, so
 * the result can be `split()` and used from two tasks.
 */
import type { Duplex } from "node:stream";
import type { Context, Poll } from "../future/poll.js";
import { AsyncReadWriteBase } from "./async-io.js";
import { NodeReader } from "./node-reader.js";
import { NodeWriter } from "./node-writer.js";

/**
 * A pollux reader and writer over a Node `Duplex`. Made by {@link fromNodeDuplex}. `shutdown()`
 * ends the write side (a TCP half-close); `close()` destroys the stream.
 *
 * @example
 * const conn = fromNodeDuplex(net.connect(6379, "127.0.0.1"));
 * yield* conn.writeAll(enc.encode("PING\r\n"));
 * const reply = yield* new BufReader(conn).readLine();
 */
export class NodeDuplex extends AsyncReadWriteBase {
  private readonly reader: NodeReader;
  private readonly writer: NodeWriter;

  /** @internal use {@link fromNodeDuplex}. */
  constructor(
    /** The Node stream. */
    readonly stream: Duplex,
  ) {
    super();
    this.reader = new NodeReader(stream);
    this.writer = new NodeWriter(stream);
  }

  pollRead(cx: Context, buf: Uint8Array): Poll<number> {
    return this.reader.pollRead(cx, buf);
  }

  override cancelRead(): void {
    this.reader.cancelRead();
  }

  pollWrite(cx: Context, buf: Uint8Array): Poll<number> {
    return this.writer.pollWrite(cx, buf);
  }

  pollFlush(cx: Context): Poll<void> {
    return this.writer.pollFlush(cx);
  }

  pollShutdown(cx: Context): Poll<void> {
    return this.writer.pollShutdown(cx);
  }

  override cancelWrite(): void {
    this.writer.cancelWrite();
  }

  /**
   * Destroy the Node stream and wake anything waiting on it. Idempotent.
   *
   * @example
   * conn.close();
   */
  close(): void {
    this.reader.close();
    this.writer.close();
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  override describe(): string {
    return "NodeDuplex";
  }
}

/**
 * Adapt a Node `Duplex` (a socket, a TLS socket, a `PassThrough`) to one pollux stream that reads
 * and writes, with the backpressure of `fromNodeReadable` and `fromNodeWritable`. It must be the
 * stream's only consumer.
 *
 * Cancel safety: `read` and `write` are cancel-safe.
 *
 * Cost: the two one-way adapters (eight listeners on the stream).
 *
 * @example
 * const server = net.createServer((socket) => {
 *   rt.spawn(echo(fromNodeDuplex(socket)));
 * });
 */
export function fromNodeDuplex(stream: Duplex): NodeDuplex {
  if (
    typeof (stream as Duplex | null)?.read !== "function" ||
    typeof stream.write !== "function" ||
    typeof stream.on !== "function"
  ) {
    throw new TypeError(
      `fromNodeDuplex expects a Node stream.Duplex (read(), write(), on()); got ${stream === null ? "null" : typeof stream}.`,
    );
  }
  return new NodeDuplex(stream);
}
