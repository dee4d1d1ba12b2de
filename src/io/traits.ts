/**
 * The poll-based IO traits, Tokio's `AsyncRead` and `AsyncWrite`.
 *
 * They are the contract between byte sources/sinks (sockets, files, pipes, in-memory duplex
 * streams, or a user's TLS wrapper or compressor) and everything built on top (`read`,
 * `readExact`, `copy`, `BufReader`, codecs). Like `Future.poll`, each method either makes progress
 * now or returns `PENDING` after arranging for `cx.waker.wake()` to be called when it can; it never
 * blocks and never buffers without bound.
 *
 * Cooperative budget: implementations need not spend it. The futures of `pollux/io` (`read`,
 * `readExact`, `copy`, `BufReader`, codecs, ...) spend one unit each time a `pollRead`/`pollWrite`
 * makes progress, so an always-ready source cannot starve the scheduler.
 */
import type { Context, Poll } from "../future/poll.js";

/**
 * A source of bytes read by polling.
 *
 * `pollRead(cx, buf)` copies up to `buf.length` bytes into `buf` and returns how many; `0` means
 * end of stream (or `buf` was empty). When no byte is available it returns `PENDING` after storing
 * `cx.waker`. Errors are thrown (an `IoError`).
 *
 * @example
 * class Zeros implements AsyncRead {
 *   pollRead(_cx: Context, buf: Uint8Array): Poll<number> {
 *     buf.fill(0);
 *     return buf.length;
 *   }
 * }
 */
export interface AsyncRead {
  pollRead(cx: Context, buf: Uint8Array): Poll<number>;
  /**
   * Optional: the read that last returned `PENDING` was abandoned (its future was cancelled).
   * Drop the stored waker, and with it the runtime wake-source registration (`Readiness.clear()`),
   * so an abandoned read leaves nothing behind. No data may be lost: bytes not yet returned by
   * `pollRead` stay for the next read. Every pollux read future calls it from `cancel()`.
   */
  cancelRead?(): void;
}

/**
 * A sink of bytes written by polling.
 *
 * - `pollWrite(cx, buf)` accepts some bytes of `buf` (at least one when `buf` is not empty) and
 *   returns how many, or `PENDING` while the sink is full (backpressure).
 * - `pollFlush(cx)` is ready once every accepted byte has been handed to the destination.
 * - `pollShutdown(cx)` flushes, then closes the write side (a TCP half-close); ready when done.
 *
 * @example
 * class Counter implements AsyncWrite {
 *   bytes = 0;
 *   pollWrite(_cx: Context, buf: Uint8Array): Poll<number> { this.bytes += buf.length; return buf.length; }
 *   pollFlush(): Poll<void> {}
 *   pollShutdown(): Poll<void> {}
 * }
 */
export interface AsyncWrite {
  pollWrite(cx: Context, buf: Uint8Array): Poll<number>;
  pollFlush(cx: Context): Poll<void>;
  pollShutdown(cx: Context): Poll<void>;
  /**
   * Optional: the write, flush or shutdown that last returned `PENDING` was abandoned. Drop the
   * stored waker (`Readiness.clear()`). Bytes already accepted by `pollWrite` stay accepted.
   */
  cancelWrite?(): void;
}
