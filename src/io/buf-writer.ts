/**
 * `BufWriter`: a write buffer in front of any `AsyncWrite` (Tokio's `io::BufWriter`).
 *
 * HOW: small writes are copied into one fixed buffer (`capacity`, default 8 KiB) and reach the
 * inner writer in one large write when the buffer would overflow, on `flush()` and on
 * `shutdown()`. A write at least as large as the buffer skips it once the buffer is empty (no
 * double copy). A partly flushed buffer remembers how far it got, so a cancelled flush loses
 * nothing and the next one continues.
 *
 * Like Tokio's, it does NOT flush when dropped: bytes still buffered when you stop using it are
 * lost. End with `flush()` or `shutdown()`.
 */
import type { Context, Poll } from "../future/poll.js";
import { PENDING } from "../future/poll.js";
import { AsyncWriteBase } from "./async-io.js";
import { DEFAULT_BUF_SIZE } from "./buf-reader.js";
import { IoError } from "./error.js";
import type { AsyncWrite } from "./traits.js";
import { checkSize, checkWriter } from "./validate.js";

/**
 * A buffered writer over any `AsyncWrite`: many small writes become few large ones.
 *
 * When to use: writing many small pieces (lines, encoded frames) to a socket or file, where each
 * write to the inner writer has a cost (a syscall, a packet).
 *
 * Cancel safety: `write` is cancel-safe (bytes are either all buffered or not at all); `flush` and
 * `shutdown` are cancel-safe (progress is kept). Bytes still buffered when the BufWriter is
 * dropped are lost: call `flush()` or `shutdown()` at the end.
 *
 * Cost: one buffer of `capacity` bytes (default 8 KiB); one copy per small write.
 *
 * @example
 * const out = new BufWriter(conn);
 * for (const row of rows) yield* out.writeAll(encode(row));
 * yield* out.flush();
 */
export class BufWriter<W extends AsyncWrite = AsyncWrite> extends AsyncWriteBase {
  private readonly buf: Uint8Array;
  private len = 0;
  /** Bytes of `buf` already handed to the inner writer during the current flush. */
  private written = 0;
  /** `buf[written..len]`, kept so a poll that finds the inner writer full allocates nothing. */
  private view: Uint8Array;
  private viewFrom = 0;
  private viewTo = 0;

  /**
   * @param inner the writer to buffer.
   * @param capacity buffer size in bytes, default 8 KiB.
   */
  constructor(
    readonly inner: W,
    capacity: number = DEFAULT_BUF_SIZE,
  ) {
    super();
    checkWriter("new BufWriter(inner)", inner);
    this.buf = new Uint8Array(checkSize("BufWriter capacity", capacity));
    this.view = this.buf.subarray(0, 0);
  }

  /** Bytes buffered and not yet handed to the inner writer. */
  get buffered(): number {
    return this.len - this.written;
  }

  /** The buffer size given at construction. */
  get capacity(): number {
    return this.buf.length;
  }

  pollWrite(cx: Context, src: Uint8Array): Poll<number> {
    const cap = this.buf.length;
    if (this.len + src.length > cap && this.pollFlushBuf(cx) === PENDING) return PENDING;
    if (src.length >= cap) return this.inner.pollWrite(cx, src);
    this.buf.set(src, this.len);
    this.len += src.length;
    return src.length;
  }

  pollFlush(cx: Context): Poll<void> {
    if (this.pollFlushBuf(cx) === PENDING) return PENDING;
    return this.inner.pollFlush(cx);
  }

  pollShutdown(cx: Context): Poll<void> {
    if (this.pollFlushBuf(cx) === PENDING) return PENDING;
    return this.inner.pollShutdown(cx);
  }

  override cancelWrite(): void {
    this.inner.cancelWrite?.();
  }

  /** Hand every buffered byte to the inner writer. */
  private pollFlushBuf(cx: Context): Poll<void> {
    const inner = this.inner;
    while (this.written < this.len) {
      if (this.viewFrom !== this.written || this.viewTo !== this.len) {
        this.viewFrom = this.written;
        this.viewTo = this.len;
        this.view = this.buf.subarray(this.written, this.len);
      }
      const n = inner.pollWrite(cx, this.view);
      if (n === PENDING) return PENDING;
      if (n === 0) {
        throw new IoError(
          "WriteZero",
          `BufWriter: the inner writer accepted 0 of ${this.len - this.written} bytes`,
        );
      }
      this.written += n;
    }
    this.written = 0;
    this.len = 0;
    return undefined;
  }

  override describe(): string {
    return `BufWriter (${this.buffered} bytes buffered)`;
  }
}
