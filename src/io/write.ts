/**
 * The write futures: `write`, `writeAll`, `flush`, `shutdown` (Tokio's `AsyncWriteExt`).
 *
 * Like the read futures: one class each, defined once; one unit of coop budget per `pollWrite`
 * that accepted bytes; progress kept in fields; a cancelled future that was waiting tells the
 * writer (`cancelWrite`) to drop its registration.
 */
import { describeFuture } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { budgetLeft, spend } from "./coop.js";
import { IoError } from "./error.js";
import { WriterFuture } from "./op-future.js";
import type { AsyncWrite } from "./traits.js";
import { checkBuf, checkWriter } from "./validate.js";

function badWriteCount(n: unknown, room: number): Error {
  return new Error(
    `pollWrite returned ${String(n)} for ${room} bytes; an AsyncWrite must return how many bytes it ` +
      "accepted (an integer between 0 and buf.length), or PENDING.",
  );
}

/**
 * The future of `writer.write(buf)`: how many bytes of `buf` the writer accepted (at least one
 * when `buf` is not empty).
 *
 * Cancel safety: cancel-safe. If it is cancelled, no byte of `buf` was written.
 *
 * @example
 * const n = yield* new Write(writer, bytes);
 */
export class Write extends WriterFuture<number> {
  constructor(
    writer: AsyncWrite,
    private readonly buf: Uint8Array,
  ) {
    super(writer);
  }

  poll(cx: Context): Poll<number> {
    const buf = this.buf;
    if (buf.length === 0) return 0;
    if (!budgetLeft(cx)) return PENDING;
    const n = this.writer.pollWrite(cx, buf);
    if (n === PENDING) {
      this.waiting = true;
      return PENDING;
    }
    this.waiting = false;
    if (!(n <= buf.length)) throw badWriteCount(n, buf.length);
    spend(cx);
    return n;
  }

  override describe(): string {
    return `${describeFuture(this.writer)}.write() (writer full)`;
  }
}

/**
 * The future of `writer.writeAll(buf)`: writes every byte of `buf`, waiting while the writer is
 * full. A writer that accepts 0 bytes is an `IoError` of kind `"WriteZero"`.
 *
 * Cancel safety: NOT cancel-safe. A prefix of `buf` may have been written; how much is not reported.
 *
 * @example
 * yield* new WriteAll(writer, bytes);
 */
export class WriteAll extends WriterFuture<void> {
  private written = 0;
  private rest: Uint8Array;

  constructor(
    writer: AsyncWrite,
    private readonly buf: Uint8Array,
  ) {
    super(writer);
    this.rest = buf;
  }

  poll(cx: Context): Poll<void> {
    const len = this.buf.length;
    const writer = this.writer;
    while (this.written < len) {
      if (!budgetLeft(cx)) return PENDING;
      const rest = this.rest;
      const n = writer.pollWrite(cx, rest);
      if (n === PENDING) {
        this.waiting = true;
        return PENDING;
      }
      this.waiting = false;
      if (n === 0) {
        throw new IoError(
          "WriteZero",
          `writeAll: the writer accepted 0 bytes after ${this.written} of ${len} (is it shut down?)`,
        );
      }
      if (!(n <= rest.length)) throw badWriteCount(n, rest.length);
      spend(cx);
      this.written += n;
      if (this.written < len) this.rest = this.buf.subarray(this.written);
    }
    return undefined;
  }

  override describe(): string {
    return `${describeFuture(this.writer)}.writeAll() (${this.written} of ${this.buf.length} bytes written)`;
  }
}

/**
 * The future of `writer.flush()`: ready once every byte accepted so far reached the destination.
 *
 * Cancel safety: cancel-safe; flushing again later finishes the job.
 *
 * @example
 * yield* new Flush(writer);
 */
export class Flush extends WriterFuture<void> {
  constructor(writer: AsyncWrite) {
    super(writer);
  }

  poll(cx: Context): Poll<void> {
    const out = this.writer.pollFlush(cx);
    this.waiting = out === PENDING;
    return out;
  }

  override describe(): string {
    return `${describeFuture(this.writer)}.flush()`;
  }
}

/**
 * The future of `writer.shutdown()`: flushes, then closes the write side (the peer reads end of
 * stream).
 *
 * Cancel safety: cancel-safe; calling `shutdown()` again later finishes the job.
 *
 * @example
 * yield* new Shutdown(writer);
 */
export class Shutdown extends WriterFuture<void> {
  constructor(writer: AsyncWrite) {
    super(writer);
  }

  poll(cx: Context): Poll<void> {
    const out = this.writer.pollShutdown(cx);
    this.waiting = out === PENDING;
    return out;
  }

  override describe(): string {
    return `${describeFuture(this.writer)}.shutdown()`;
  }
}

/**
 * Write some bytes of `buf` to any `AsyncWrite`: resolves to how many were accepted (at least one
 * unless `buf` is empty). Use `writeAll` to write everything.
 *
 * Cancel safety: cancel-safe. A cancelled write wrote nothing.
 *
 * Cost: one small future; one coop unit when it writes.
 *
 * @example
 * const n = yield* write(writer, bytes);
 * bytes = bytes.subarray(n);
 */
export function write(writer: AsyncWrite, buf: Uint8Array): Write {
  checkWriter("write()", writer);
  return new Write(writer, checkBuf("write(writer, buf)", buf));
}

/**
 * Write every byte of `buf` to any `AsyncWrite`, waiting while it is full (backpressure). Does
 * not flush: call `flush` when the bytes must leave a buffer (a `BufWriter`) now.
 *
 * Cancel safety: NOT cancel-safe. On cancellation a prefix of `buf` may already be written, and
 * how long it is is not reported; do not retry with the whole `buf`. Use `write` in a loop when
 * the count matters.
 *
 * Cost: one small future; one coop unit per chunk accepted.
 *
 * @example
 * yield* writeAll(writer, new TextEncoder().encode("hello\n"));
 */
export function writeAll(writer: AsyncWrite, buf: Uint8Array): WriteAll {
  checkWriter("writeAll()", writer);
  return new WriteAll(writer, checkBuf("writeAll(writer, buf)", buf));
}

/**
 * Flush any `AsyncWrite`: wait until every byte accepted so far has reached its destination.
 *
 * Cancel safety: cancel-safe.
 *
 * @example
 * yield* writeAll(out, bytes);
 * yield* flush(out);
 */
export function flush(writer: AsyncWrite): Flush {
  checkWriter("flush()", writer);
  return new Flush(writer);
}

/**
 * Flush, then close the write side of any `AsyncWrite` (for a socket: a half-close; the peer reads
 * end of stream, and can still send to us).
 *
 * Cancel safety: cancel-safe; call it again to finish.
 *
 * @example
 * yield* writeAll(conn, request);
 * yield* shutdown(conn);
 * const reply = yield* readToEnd(conn);
 */
export function shutdown(writer: AsyncWrite): Shutdown {
  checkWriter("shutdown()", writer);
  return new Shutdown(writer);
}
