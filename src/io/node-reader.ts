/**
 * `fromNodeReadable`: an `AsyncRead` over a Node `Readable`.
 *
 * HOW: pull, never push. The adapter listens for 'readable' and calls `stream.read()` only when a
 * pollux reader asks for bytes. A chunk larger than the caller's buffer is kept (`leftover`) and
 * served by the next reads. So the only buffering is Node's own, bounded by the stream's
 * `highWaterMark` (Node stops calling `_read` when it is full), plus at most one chunk here (a
 * string chunk in `setEncoding` mode can outgrow the caller's buffer): a slow pollux consumer
 * slows the Node producer down instead of growing memory.
 *
 * While a read waits, its waker sits in a `Readiness`, which counts as a runtime wake source, so
 * the deadlock detector knows a Node event may still wake the task.
 */
import type { Readable } from "node:stream";
import type { Context, Poll } from "../future/poll.js";
import { PENDING } from "../future/poll.js";
import { AsyncReadBase } from "./async-io.js";
import { IoError } from "./error.js";
import { Readiness } from "./registration.js";

function isReadable(value: unknown): value is Readable {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Readable).read === "function" &&
    typeof (value as Readable).on === "function"
  );
}

/**
 * A pollux reader over a Node `Readable` (a socket, `process.stdin`, `fs.createReadStream`, a
 * child's stdout). Made by {@link fromNodeReadable}. It must be the stream's only consumer (no
 * 'data' listener, no `pipe`), because it reads in paused mode with `read()`. Errors of the stream are thrown by the next
 * read as an `IoError` (kind from the errno code, the original as `cause`). A stream destroyed
 * before its end is an `IoError` of kind `"UnexpectedEof"`.
 *
 * `close()` (or `using`) detaches the listeners and destroys the Node stream.
 *
 * @example
 * using stdin = fromNodeReadable(process.stdin);
 * const lines = new BufReader(stdin).lines();
 */
export class NodeReader extends AsyncReadBase {
  private leftover: Uint8Array | null = null;
  private ended = false;
  private error: IoError | null = null;
  private readonly readiness = new Readiness();

  /** @internal use {@link fromNodeReadable}. */
  constructor(
    /** The Node stream read from. */
    readonly stream: Readable,
  ) {
    super();
    stream.on("readable", this.onReadable);
    stream.on("end", this.onEnd);
    stream.on("error", this.onError);
    stream.on("close", this.onClose);
    if (stream.readableEnded) this.ended = true;
    else if (stream.destroyed) this.onClose();
  }

  // Listeners are arrow properties: bound once per adapter, never per read.
  private readonly onReadable = (): void => {
    this.readiness.wake();
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.readiness.wake();
  };

  private readonly onError = (err: unknown): void => {
    if (this.error === null) this.error = IoError.from(err, "read from Node stream");
    this.readiness.wake();
  };

  private readonly onClose = (): void => {
    if (!this.ended && this.error === null) {
      this.error = new IoError("UnexpectedEof", "the Node stream was destroyed before it ended");
    }
    this.readiness.wake();
  };

  pollRead(cx: Context, buf: Uint8Array): Poll<number> {
    if (buf.length === 0) return 0;
    let chunk = this.leftover;
    if (chunk === null) {
      if (this.ended) return 0;
      if (this.error !== null) throw this.error;
      // Ask for at most what fits, so nothing is held here as leftover: read(n) returns n bytes
      // when Node has that many buffered; with fewer, read() returns all of them.
      const stream = this.stream;
      const c: unknown = stream.readableLength >= buf.length ? stream.read(buf.length) : stream.read();
      if (c === null) {
        // Node emits 'readable' (or 'end') when this changes; read() returning null armed it.
        this.readiness.register(cx);
        return PENDING;
      }
      chunk = toBytes(c);
    }
    const n = Math.min(chunk.length, buf.length);
    buf.set(n === chunk.length ? chunk : chunk.subarray(0, n));
    this.leftover = n === chunk.length ? null : chunk.subarray(n);
    return n;
  }

  override cancelRead(): void {
    this.readiness.clear();
  }

  /**
   * Detach from the Node stream and destroy it. Idempotent.
   *
   * @example
   * reader.close();
   */
  close(): void {
    const s = this.stream;
    s.off("readable", this.onReadable);
    s.off("end", this.onEnd);
    s.off("close", this.onClose);
    // Keep an error listener: a late 'error' from a destroyed stream must not crash the process.
    if (!s.destroyed) s.destroy();
    this.leftover = null;
    this.ended = true;
    this.readiness.wake();
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  override describe(): string {
    return "NodeReader (waiting for 'readable')";
  }
}

function toBytes(c: unknown): Uint8Array {
  if (c instanceof Uint8Array) return c;
  if (typeof c === "string") return Buffer.from(c, "utf8");
  throw new IoError(
    "InvalidData",
    `fromNodeReadable: the stream produced a ${c === null ? "null" : typeof c} chunk; only byte streams ` +
      "(Buffer/Uint8Array, or strings after setEncoding) can be read as bytes. Use fromAsyncIterable for object-mode streams.",
  );
}

/**
 * Adapt a Node `Readable` to a pollux `AsyncRead`, with backpressure: bytes are pulled with
 * `stream.read()` only when a pollux read asks, so the Node stream buffers at most its
 * `highWaterMark` (plus one chunk held here). Errors become `IoError`s.
 *
 * When to use: reading `process.stdin`, a Node socket or file stream, an HTTP request body, with
 * `BufReader`, codecs, `copy`, `readToEnd`.
 *
 * Cancel safety: `read` is cancel-safe (bytes stay in the stream or in the adapter).
 *
 * Cost: four listeners on the stream; no copy unless a chunk is larger than the read buffer (then
 * the rest is a view, still no copy).
 *
 * @example
 * const body = yield* fromNodeReadable(req).readToString({ limit: 1 << 20 });
 */
export function fromNodeReadable(stream: Readable): NodeReader {
  if (!isReadable(stream)) {
    throw new TypeError(
      `fromNodeReadable expects a Node stream.Readable (with read() and on()); got ${stream === null ? "null" : typeof stream}.`,
    );
  }
  return new NodeReader(stream);
}
