/**
 * `duplex(maxBufSize)`: two connected in-memory streams (Tokio's `io::duplex`).
 *
 * HOW: each direction is a `Pipe`, a ring buffer of at most `maxBufSize` bytes with one
 * `Readiness` for its reader and one for its writer. A write copies what fits and wakes the
 * reader; a read copies what is there and wakes the writer. A full pipe makes writes PENDING
 * (backpressure), an empty one makes reads PENDING. Shutting down (or closing) a side's write
 * direction lets the peer drain what is buffered and then read end of stream; closing a side
 * makes the peer's writes fail with `BrokenPipe`, as a socket would.
 *
 * Both poll methods copy bytes only when they return them, so `read` and `write` stay
 * cancel-safe; a cancelled future clears its registration (`cancelRead`/`cancelWrite`).
 */
import type { Context, Poll } from "../future/poll.js";
import { PENDING } from "../future/poll.js";
import { AsyncReadWriteBase } from "./async-io.js";
import { IoError } from "./error.js";
import { Readiness } from "./registration.js";
import { checkSize } from "./validate.js";

/** @internal one direction of a duplex pair. */
export class Pipe {
  private readonly buf: Uint8Array;
  private head = 0;
  private len = 0;
  /** The writing side shut down or closed: the reader gets EOF once the buffer is drained. */
  writeClosed = false;
  /** The reading side closed: writes fail with BrokenPipe. */
  readClosed = false;
  // Only tasks move bytes through a pipe: a waiter is not a wake source (see `Readiness`).
  readonly readable = new Readiness(false);
  readonly writable = new Readiness(false);

  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
  }

  pollRead(cx: Context, dst: Uint8Array): Poll<number> {
    const len = this.len;
    if (len === 0) {
      if (this.writeClosed || this.readClosed || dst.length === 0) return 0;
      this.readable.register(cx);
      return PENDING;
    }
    const buf = this.buf;
    const cap = buf.length;
    const n = Math.min(len, dst.length);
    const head = this.head;
    const first = Math.min(n, cap - head);
    dst.set(buf.subarray(head, head + first), 0);
    if (first < n) dst.set(buf.subarray(0, n - first), first);
    this.head = (head + n) % cap;
    this.len = len - n;
    if (this.len === 0) this.head = 0;
    this.writable.wake();
    return n;
  }

  pollWrite(cx: Context, src: Uint8Array): Poll<number> {
    if (this.readClosed) throw new IoError("BrokenPipe", "duplex write: the other side was closed");
    if (this.writeClosed) {
      throw new IoError("BrokenPipe", "duplex write after shutdown(): this side's write half is closed");
    }
    if (src.length === 0) return 0;
    const buf = this.buf;
    const cap = buf.length;
    const room = cap - this.len;
    if (room === 0) {
      this.writable.register(cx);
      return PENDING;
    }
    const n = Math.min(room, src.length);
    const tail = (this.head + this.len) % cap;
    const first = Math.min(n, cap - tail);
    buf.set(src.subarray(0, first), tail);
    if (first < n) buf.set(src.subarray(first, n), 0);
    this.len += n;
    this.readable.wake();
    return n;
  }

  closeWrite(): void {
    this.writeClosed = true;
    this.readable.wake();
    // A writer waiting for room would wait forever; let it re-poll and see the error.
    this.writable.wake();
  }

  closeRead(): void {
    this.readClosed = true;
    this.len = 0;
    // Our own pending read (if any) re-polls and reads end of stream; the peer's writer re-polls
    // and fails with BrokenPipe.
    this.readable.wake();
    this.writable.wake();
  }

  /** Bytes buffered, waiting for the reader. */
  get buffered(): number {
    return this.len;
  }
}

/**
 * One end of an in-memory byte stream made by {@link duplex}. Reads what the other end writes
 * and vice versa; supports every reader and writer method, `split()`, `BufReader`, codecs.
 *
 * `close()` (or `using`) drops this end: the peer reads what was buffered and then end of stream,
 * and its writes fail with `IoError` kind `"BrokenPipe"`. `shutdown()` closes only the write
 * direction (a half-close).
 *
 * @example
 * const [client, server] = duplex(64);
 * yield* client.writeAll(enc.encode("ping"));
 * const n = yield* server.read(buf);
 */
export class DuplexStream extends AsyncReadWriteBase {
  /** @internal use {@link duplex}. */
  constructor(
    private readonly rx: Pipe,
    private readonly tx: Pipe,
  ) {
    super();
  }

  pollRead(cx: Context, buf: Uint8Array): Poll<number> {
    return this.rx.pollRead(cx, buf);
  }

  override cancelRead(): void {
    this.rx.readable.clear();
  }

  /**
   * @internal Wakers registered on this end (0–2: a read, a write). A duplex waiter is not a
   * runtime wake source (`pendingSources`), so tests that check release look here.
   */
  get registrations(): number {
    return (this.rx.readable.registered ? 1 : 0) + (this.tx.writable.registered ? 1 : 0);
  }

  pollWrite(cx: Context, buf: Uint8Array): Poll<number> {
    return this.tx.pollWrite(cx, buf);
  }

  pollFlush(): Poll<void> {
    // Written bytes are in the peer's buffer already: nothing to flush.
  }

  pollShutdown(): Poll<void> {
    if (!this.tx.writeClosed) this.tx.closeWrite();
  }

  override cancelWrite(): void {
    this.tx.writable.clear();
  }

  /**
   * Drop this end: the peer gets end of stream after the buffered bytes, and its writes fail with
   * `BrokenPipe`. Idempotent. Pending reads and writes on this end are woken.
   *
   * @example
   * client.close();
   */
  close(): void {
    if (!this.tx.writeClosed) this.tx.closeWrite();
    if (!this.rx.readClosed) this.rx.closeRead();
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  override describe(): string {
    return `DuplexStream (${this.rx.buffered} bytes to read, ${this.tx.buffered} unread by the peer)`;
  }
}

/**
 * Two connected in-memory streams, `[a, b]`: what `a` writes `b` reads, and the other way round
 * (Tokio's `io::duplex`). Each direction buffers at most `maxBufSize` bytes; a writer facing a full
 * buffer waits until the reader makes room.
 *
 * When to use: tests of protocol code without sockets, connecting two components in one process,
 * and anything that expects an `AsyncRead + AsyncWrite`.
 *
 * Cancel safety: `read` and `write` on the ends are cancel-safe.
 *
 * Cost: two buffers of `maxBufSize` bytes, allocated up front; reads and writes are one or two
 * `Uint8Array.set` copies.
 *
 * @example
 * const [client, server] = duplex(4096);
 * spawn(function* () {
 *   const buf = new Uint8Array(16);
 *   const n = yield* server.read(buf);
 *   yield* server.writeAll(buf.subarray(0, n)); // echo
 * });
 * yield* client.writeAll(new TextEncoder().encode("hi"));
 */
export function duplex(maxBufSize: number): [DuplexStream, DuplexStream] {
  const size = checkSize("duplex(maxBufSize)", maxBufSize);
  const ab = new Pipe(size);
  const ba = new Pipe(size);
  return [new DuplexStream(ba, ab), new DuplexStream(ab, ba)];
}
