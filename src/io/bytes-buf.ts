/**
 * `BytesBuf`: the growable byte buffer codecs read frames from and write frames into (the role of
 * `bytes::BytesMut` in tokio-util's codecs).
 *
 * HOW: one `Uint8Array` with a readable region `[start, end)`. Consuming moves `start`; appending
 * moves `end`. When the free space at the end is too small, the readable bytes are first moved to
 * the front (one `copyWithin`), and only if that is not enough does the array grow (doubling). So
 * a steady stream of frames reuses one allocation.
 */

const UTF8 = new TextEncoder();

function badCount(what: string, n: unknown, max: number): RangeError {
  return new RangeError(`BytesBuf.${what}(${String(n)}): expected an integer between 0 and ${max}.`);
}

/**
 * A growable byte buffer with a read cursor, for writing codecs. A `Decoder` inspects it
 * (`length`, `byteAt`, `indexOf`, `peek`) and removes a frame's bytes (`take`, `advance`); an
 * `Encoder` appends (`put`, `putString`, `putUint8/16/32`).
 *
 * Cost: amortized O(1) appends; `take` copies the frame out (the buffer is reused), `peek` is a
 * view (no copy) valid until the next change.
 *
 * @example
 * const buf = new BytesBuf();
 * buf.putUint32(5);
 * buf.putString("hello");
 * buf.length; // 9
 * buf.advance(4);
 * new TextDecoder().decode(buf.take(5)); // "hello"
 */
export class BytesBuf {
  private data: Uint8Array;
  private start = 0;
  private end = 0;
  // Cached view of the readable region (`chunk()`), so polling writers allocate nothing.
  private view: Uint8Array;
  private viewStart = 0;
  private viewEnd = 0;
  private viewData: Uint8Array;
  private spareView: Uint8Array;
  private spareAt = -1;
  private spareData: Uint8Array;

  /** @param capacity initial size in bytes (default 8 KiB); it grows as needed. */
  constructor(capacity = 8 * 1024) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `new BytesBuf(capacity): capacity must be a positive integer; got ${String(capacity)}.`,
      );
    }
    this.data = new Uint8Array(capacity);
    this.view = this.data.subarray(0, 0);
    this.viewData = this.data;
    this.spareView = this.view;
    this.spareData = this.data;
  }

  /** Readable bytes. */
  get length(): number {
    return this.end - this.start;
  }

  /** The byte at `index` (0 = the first readable byte); undefined past the end. */
  byteAt(index: number): number | undefined {
    return index >= 0 && index < this.end - this.start ? this.data[this.start + index] : undefined;
  }

  /** Index of the first `byte` at or after `from` (relative to the first readable byte), or -1. */
  indexOf(byte: number, from = 0, to = this.length): number {
    const start = this.start;
    const limit = start + Math.min(to, this.end - start);
    const i = this.data.indexOf(byte, start + from);
    return i < 0 || i >= limit ? -1 : i - start;
  }

  /** A view of the first `n` readable bytes (default all), without consuming them. */
  peek(n: number = this.length): Uint8Array {
    if (!(n >= 0 && n <= this.length)) throw badCount("peek", n, this.length);
    return this.data.subarray(this.start, this.start + n);
  }

  /** Read an unsigned big-endian integer of `size` bytes (1, 2, 3 or 4) at `offset`, without consuming. */
  getUintBE(offset: number, size: number): number {
    if (!(offset >= 0 && offset + size <= this.length))
      throw badCount("getUintBE", offset, this.length - size);
    const d = this.data;
    let v = 0;
    for (let i = 0, at = this.start + offset; i < size; i++, at++) v = v * 256 + d[at]!;
    return v;
  }

  /** Remove the first `n` readable bytes and return them as a new array (a copy). */
  take(n: number): Uint8Array {
    if (!(Number.isInteger(n) && n >= 0 && n <= this.length)) throw badCount("take", n, this.length);
    const out = this.data.slice(this.start, this.start + n);
    this.advance(n);
    return out;
  }

  /** Drop the first `n` readable bytes. */
  advance(n: number): void {
    if (!(Number.isInteger(n) && n >= 0 && n <= this.length)) throw badCount("advance", n, this.length);
    this.start += n;
    if (this.start === this.end) this.start = this.end = 0;
  }

  /** Drop everything. */
  clear(): void {
    this.start = this.end = 0;
  }

  /** Make room for at least `n` more bytes at the end. */
  reserve(n: number): void {
    const data = this.data;
    if (data.length - this.end >= n) return;
    const len = this.end - this.start;
    if (len + n <= data.length) {
      // Moving the readable bytes to the front frees enough: no new allocation.
      data.copyWithin(0, this.start, this.end);
    } else {
      const next = new Uint8Array(Math.max(data.length * 2, len + n));
      next.set(data.subarray(this.start, this.end));
      this.data = next;
    }
    this.start = 0;
    this.end = len;
  }

  /** Append bytes. */
  put(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.data.set(bytes, this.end);
    this.end += bytes.length;
  }

  /** Append a string as UTF-8. */
  putString(text: string): void {
    this.reserve(text.length * 3);
    const { written } = UTF8.encodeInto(text, this.data.subarray(this.end));
    this.end += written;
  }

  /** Append one byte. */
  putUint8(v: number): void {
    this.reserve(1);
    this.data[this.end++] = v;
  }

  /** Append an unsigned 16-bit big-endian integer. */
  putUint16(v: number): void {
    this.putUintBE(v, 2);
  }

  /** Append an unsigned 32-bit big-endian integer. */
  putUint32(v: number): void {
    this.putUintBE(v, 4);
  }

  /** Append an unsigned big-endian integer of `size` bytes (1 to 4). */
  putUintBE(v: number, size: number): void {
    this.reserve(size);
    const d = this.data;
    for (let i = size - 1; i >= 0; i--) {
      d[this.end + i] = v & 0xff;
      v = Math.floor(v / 256);
    }
    this.end += size;
  }

  /** @internal the readable region as a cached view (no allocation while unchanged). */
  chunk(): Uint8Array {
    if (this.viewStart !== this.start || this.viewEnd !== this.end || this.viewData !== this.data) {
      this.viewStart = this.start;
      this.viewEnd = this.end;
      this.viewData = this.data;
      this.view = this.data.subarray(this.start, this.end);
    }
    return this.view;
  }

  /**
   * @internal free space after `reserve(n)`, as a view to read into; then `commit(read)`. Cached
   * while the buffer is unchanged, so a reader polled again and again while PENDING allocates nothing.
   */
  spare(n: number): Uint8Array {
    this.reserve(n);
    const end = this.end;
    if (this.spareData !== this.data || this.spareAt !== end || this.spareView.length !== n) {
      this.spareData = this.data;
      this.spareAt = end;
      this.spareView = this.data.subarray(end, end + n);
    }
    return this.spareView;
  }

  /** @internal `n` bytes were written into the view returned by `spare`. */
  commit(n: number): void {
    this.end += n;
  }
}
