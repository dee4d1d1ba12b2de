/**
 * `fromNodeWritable`: an `AsyncWrite` over a Node `Writable`.
 *
 * HOW: `pollWrite` hands a copy of the bytes to `stream.write()` (Node keeps the chunk until it
 * is written, and the caller may reuse its buffer). When `write()` returns false, the stream is
 * over its `highWaterMark`: further writes return PENDING until 'drain'. So a pollux producer
 * never puts more than the high-water mark plus one buffer into a slow Node stream.
 * `pollFlush` waits until every write's callback ran (Node has no flush; that is the closest
 * meaning: the bytes left the stream's buffer). `pollShutdown` calls `end()` and waits for 'finish'.
 */
import type { Writable } from "node:stream";
import type { Context, Poll } from "../future/poll.js";
import { PENDING } from "../future/poll.js";
import { AsyncWriteBase } from "./async-io.js";
import { IoError } from "./error.js";
import { Readiness } from "./registration.js";

/**
 * A pollux writer over a Node `Writable` (a socket, `process.stdout`, `fs.createWriteStream`, a
 * child's stdin, an HTTP response). Made by {@link fromNodeWritable}. `shutdown()` is `end()`.
 * Errors of the stream are thrown by the next write, flush or shutdown as an `IoError`.
 *
 * @example
 * const out = fromNodeWritable(process.stdout);
 * yield* out.writeAll(new TextEncoder().encode("hello\n"));
 * yield* out.flush();
 */
export class NodeWriter extends AsyncWriteBase {
  private needDrain = false;
  private inflight = 0;
  private ending = false;
  private finished = false;
  private error: IoError | null = null;
  private readonly readiness = new Readiness();

  /** @internal use {@link fromNodeWritable}. */
  constructor(
    /** The Node stream written to. */
    readonly stream: Writable,
  ) {
    super();
    stream.on("drain", this.onDrain);
    stream.on("finish", this.onFinish);
    stream.on("error", this.onError);
    stream.on("close", this.onClose);
    if (stream.writableFinished) this.finished = true;
  }

  private readonly onDrain = (): void => {
    this.needDrain = false;
    this.readiness.wake();
  };

  private readonly onWritten = (err?: Error | null): void => {
    this.inflight--;
    if (err) this.onError(err);
    else if (this.inflight === 0) this.readiness.wake();
  };

  private readonly onFinish = (): void => {
    this.finished = true;
    this.readiness.wake();
  };

  private readonly onError = (err: unknown): void => {
    if (this.error === null) this.error = IoError.from(err, "write to Node stream");
    this.readiness.wake();
  };

  private readonly onClose = (): void => {
    if (!this.finished && this.error === null) {
      this.error = new IoError("BrokenPipe", "the Node stream was destroyed before it finished");
    }
    this.readiness.wake();
  };

  pollWrite(cx: Context, buf: Uint8Array): Poll<number> {
    if (this.error !== null) throw this.error;
    if (this.ending) throw new IoError("BrokenPipe", "write after shutdown(): the Node stream was ended");
    if (buf.length === 0) return 0;
    if (this.needDrain) {
      this.readiness.register(cx);
      return PENDING;
    }
    this.inflight++;
    let ok: boolean;
    try {
      // A copy: Node holds the chunk until written, and the caller may reuse `buf` at once.
      ok = this.stream.write(Buffer.from(buf), this.onWritten);
    } catch (e) {
      // Some streams throw synchronously (write after end) instead of emitting 'error'.
      this.inflight--;
      throw IoError.from(e, "write to Node stream");
    }
    if (!ok) this.needDrain = true;
    return buf.length;
  }

  pollFlush(cx: Context): Poll<void> {
    if (this.error !== null) throw this.error;
    if (this.inflight === 0) return undefined;
    this.readiness.register(cx);
    return PENDING;
  }

  pollShutdown(cx: Context): Poll<void> {
    if (this.finished) return undefined;
    if (this.error !== null) throw this.error;
    if (!this.ending) {
      this.ending = true;
      this.stream.end();
    }
    this.readiness.register(cx);
    return PENDING;
  }

  override cancelWrite(): void {
    this.readiness.clear();
  }

  /**
   * Detach from the Node stream and destroy it (unwritten bytes are dropped; use `shutdown()` to
   * finish cleanly). Idempotent.
   *
   * @example
   * writer.close();
   */
  close(): void {
    const s = this.stream;
    s.off("drain", this.onDrain);
    s.off("finish", this.onFinish);
    s.off("close", this.onClose);
    if (!s.destroyed) s.destroy();
    if (this.error === null && !this.finished)
      this.error = new IoError("BrokenPipe", "the writer was closed");
    this.readiness.wake();
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  override describe(): string {
    return this.needDrain ? "NodeWriter (waiting for 'drain')" : "NodeWriter";
  }
}

/**
 * Adapt a Node `Writable` to a pollux `AsyncWrite`, with backpressure: when `write()` returns
 * false, writes wait (PENDING) until 'drain'. `flush()` waits until every written chunk left the
 * stream's buffer; `shutdown()` calls `end()` and waits for 'finish'. Errors become `IoError`s.
 *
 * When to use: writing to `process.stdout`, a Node socket or file stream, an HTTP response, with
 * `writeAll`, `copy`, `BufWriter`, `FramedWrite`.
 *
 * Cancel safety: `write` is cancel-safe (bytes are handed to Node all at once or not at all).
 *
 * Cost: one copy of each written buffer (Node keeps the chunk until written); four listeners.
 *
 * @example
 * yield* copy(fromNodeReadable(req), fromNodeWritable(fs.createWriteStream("upload.bin")));
 */
export function fromNodeWritable(stream: Writable): NodeWriter {
  if (typeof (stream as Writable | null)?.write !== "function" || typeof stream.on !== "function") {
    throw new TypeError(
      `fromNodeWritable expects a Node stream.Writable (with write() and on()); got ${stream === null ? "null" : typeof stream}.`,
    );
  }
  return new NodeWriter(stream);
}
