/**
 * The read futures: `read`, `readExact`, `readToEnd`, `readToString` (Tokio's `AsyncReadExt`).
 *
 * Each is a small class defined once (no closure per call) that drives `pollRead` of any
 * `AsyncRead`. They spend one unit of coop budget per `pollRead` that made progress (see
 * `coop.ts`), so a loop over an always-ready reader still yields to other tasks. Loops keep their
 * progress in fields, so a future that ran out of budget mid-way resumes where it stopped.
 *
 * Cancellation: a future that returned PENDING tells the reader (`cancelRead`) so it drops its
 * waker registration; otherwise an abandoned read would keep counting as a wake source.
 */
import { describeFuture, FutureBase } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { budgetLeft, spend } from "./coop.js";
import { IoError } from "./error.js";
import { ReaderFuture } from "./op-future.js";
import type { AsyncRead } from "./traits.js";
import { checkBuf, checkReader, checkSize } from "./validate.js";

/**
 * The default `limit` of `readToEnd` and `readToString`: 16 MiB. A peer that sends more gets an
 * `IoError` of kind `"InvalidData"` instead of growing memory without bound. Pass `{ limit }`
 * (a byte count, or `Infinity` to opt out) when you expect more.
 */
export const DEFAULT_READ_LIMIT: number = 16 * 1024 * 1024;

/** Options of `readToEnd` and `readToString`. */
export interface ReadLimitOptions {
  /**
   * The most bytes to accept; more is an `IoError` of kind `"InvalidData"`. Default
   * {@link DEFAULT_READ_LIMIT} (16 MiB); `Infinity` removes the bound.
   */
  limit?: number;
}

/** @internal a reader returned more bytes than it was given room for: a bug in the reader. */
export function badCount(n: unknown, room: number): Error {
  return new Error(
    `pollRead returned ${String(n)} for a buffer of ${room} bytes; an AsyncRead must return an integer ` +
      "between 0 and buf.length (the bytes it copied), or PENDING.",
  );
}

/**
 * The future of `reader.read(buf)`: the number of bytes read into `buf`, `0` at end of stream.
 *
 * Cancel safety: cancel-safe. If it is cancelled (a `select` branch that lost), no byte was read:
 * the reader keeps them for the next read.
 *
 * @example
 * const n = yield* new Read(reader, buf); // same as yield* read(reader, buf)
 */
export class Read extends ReaderFuture<number> {
  constructor(
    reader: AsyncRead,
    private readonly buf: Uint8Array,
  ) {
    super(reader);
  }

  poll(cx: Context): Poll<number> {
    const buf = this.buf;
    if (buf.length === 0) return 0;
    if (!budgetLeft(cx)) return PENDING;
    const n = this.reader.pollRead(cx, buf);
    if (n === PENDING) {
      this.waiting = true;
      return PENDING;
    }
    this.waiting = false;
    if (!(n <= buf.length)) throw badCount(n, buf.length);
    spend(cx);
    return n;
  }

  override describe(): string {
    return `${describeFuture(this.reader)}.read() (waiting for bytes)`;
  }
}

/**
 * The future of `reader.readExact(buf)`: fills all of `buf`, or throws an `IoError` of kind
 * `"UnexpectedEof"` if the stream ends first.
 *
 * Cancel safety: NOT cancel-safe. Bytes already copied into `buf` before the cancellation are
 * consumed from the reader, and how many is not reported.
 *
 * @example
 * const header = new Uint8Array(4);
 * yield* new ReadExact(reader, header);
 */
export class ReadExact extends ReaderFuture<void> {
  private filled = 0;
  private rest: Uint8Array;

  constructor(
    reader: AsyncRead,
    private readonly buf: Uint8Array,
  ) {
    super(reader);
    this.rest = buf;
  }

  poll(cx: Context): Poll<void> {
    const len = this.buf.length;
    const reader = this.reader;
    while (this.filled < len) {
      if (!budgetLeft(cx)) return PENDING;
      const rest = this.rest;
      const n = reader.pollRead(cx, rest);
      if (n === PENDING) {
        this.waiting = true;
        return PENDING;
      }
      this.waiting = false;
      if (n === 0) {
        throw new IoError(
          "UnexpectedEof",
          `readExact: the stream ended after ${this.filled} of the ${len} bytes expected`,
        );
      }
      if (!(n <= rest.length)) throw badCount(n, rest.length);
      spend(cx);
      this.filled += n;
      // A new view only when progress was made: polls that find nothing allocate nothing.
      if (this.filled < len) this.rest = this.buf.subarray(this.filled);
    }
    return undefined;
  }

  override describe(): string {
    return `${describeFuture(this.reader)}.readExact() (${this.filled} of ${this.buf.length} bytes)`;
  }
}

const FIRST_CHUNK = 8 * 1024;

/**
 * The future of `reader.readToEnd({ limit })`: every byte until end of stream, as one
 * `Uint8Array`. More than `limit` bytes is an `IoError` of kind `"InvalidData"`; the buffer never
 * grows past `limit + 1` bytes.
 *
 * Cancel safety: NOT cancel-safe. The bytes read so far live in the future and are lost with it.
 *
 * @example
 * const body = yield* new ReadToEnd(reader, 1 << 20);
 */
export class ReadToEnd extends ReaderFuture<Uint8Array> {
  private data: Uint8Array;
  private len = 0;
  private rest: Uint8Array;
  private done = false;

  constructor(
    reader: AsyncRead,
    private readonly limit: number,
  ) {
    super(reader);
    this.data = new Uint8Array(Math.min(FIRST_CHUNK, limit + 1));
    this.rest = this.data;
  }

  poll(cx: Context): Poll<Uint8Array> {
    if (this.done) throw new Error("readToEnd() future polled after it completed; call readToEnd() again.");
    const reader = this.reader;
    for (;;) {
      if (!budgetLeft(cx)) return PENDING;
      const rest = this.rest;
      const n = reader.pollRead(cx, rest);
      if (n === PENDING) {
        this.waiting = true;
        return PENDING;
      }
      this.waiting = false;
      if (!(n <= rest.length)) throw badCount(n, rest.length);
      spend(cx);
      if (n === 0) return this.finish();
      this.len += n;
      if (this.len > this.limit) {
        this.done = true;
        this.data = new Uint8Array(0);
        throw new IoError(
          "InvalidData",
          `readToEnd: the stream is longer than the limit of ${this.limit} bytes; pass a larger { limit } ` +
            "if that much is expected, or read it in pieces with read() or a codec",
        );
      }
      this.grow();
    }
  }

  private grow(): void {
    const cap = this.data.length;
    if (this.len < cap) {
      this.rest = this.data.subarray(this.len);
      return;
    }
    // Full: double, but never beyond limit + 1 (one byte past the limit is how we see it).
    const next = new Uint8Array(Math.min(cap * 2, this.limit + 1));
    next.set(this.data);
    this.data = next;
    this.rest = next.subarray(this.len);
  }

  private finish(): Uint8Array {
    this.done = true;
    const { data, len } = this;
    this.data = new Uint8Array(0);
    // Hand back a trimmed copy when more than a quarter would be slack; else a view.
    return data.length - len > len / 4 ? data.slice(0, len) : data.subarray(0, len);
  }

  override cancel(): void {
    this.done = true;
    this.data = new Uint8Array(0);
    super.cancel();
  }

  override describe(): string {
    return `${describeFuture(this.reader)}.readToEnd() (${this.len} bytes so far)`;
  }
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The future of `reader.readToString({ limit })`: every byte until end of stream, decoded as
 * UTF-8. Invalid UTF-8 is an `IoError` of kind `"InvalidData"`, as is more than `limit` bytes.
 *
 * Cancel safety: NOT cancel-safe; the bytes read so far are lost with the future.
 *
 * @example
 * const text = yield* new ReadToString(reader, 1 << 20);
 */
export class ReadToString extends FutureBase<string> {
  private readonly inner: ReadToEnd;

  constructor(reader: AsyncRead, limit: number) {
    super();
    this.inner = new ReadToEnd(reader, limit);
  }

  poll(cx: Context): Poll<string> {
    const bytes = this.inner.poll(cx);
    if (bytes === PENDING) return PENDING;
    try {
      return UTF8.decode(bytes);
    } catch (e) {
      throw new IoError("InvalidData", "readToString: the stream is not valid UTF-8", { cause: e });
    }
  }

  override cancel(): void {
    this.inner.cancel();
  }

  override describe(): string {
    return this.inner.describe().replace(".readToEnd()", ".readToString()");
  }
}

/** @internal */
export function readLimit(where: string, options: ReadLimitOptions | undefined): number {
  if (options === undefined) return DEFAULT_READ_LIMIT;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `${where} expects an options object like { limit: 1 << 20 }; got ${String(options)}.`,
    );
  }
  return options.limit === undefined ? DEFAULT_READ_LIMIT : checkSize(`${where} limit`, options.limit, true);
}

/**
 * Read some bytes from any `AsyncRead` into `buf`: resolves to how many (at least 1), or `0` at
 * end of stream (or when `buf` is empty). Use it on plain trait objects; classes extending
 * `AsyncReadBase` have the same as a method, `reader.read(buf)`.
 *
 * Cancel safety: cancel-safe. A cancelled read (a `select` branch that lost) consumed no byte.
 *
 * Cost: one small future; spends one unit of coop budget when it reads.
 *
 * @example
 * const buf = new Uint8Array(4096);
 * for (let n = yield* read(reader, buf); n > 0; n = yield* read(reader, buf)) handle(buf.subarray(0, n));
 */
export function read(reader: AsyncRead, buf: Uint8Array): Read {
  checkReader("read()", reader);
  return new Read(reader, checkBuf("read(reader, buf)", buf));
}

/**
 * Fill all of `buf` from any `AsyncRead`. Throws an `IoError` of kind `"UnexpectedEof"` if the
 * stream ends first. Use it for fixed-size headers and records.
 *
 * Cancel safety: NOT cancel-safe. On cancellation, the bytes already copied into `buf` were
 * consumed from the reader and are lost to the next read; how many is not reported. Read into a
 * `BufReader` or use a codec when the read must survive a `select`.
 *
 * Cost: one small future; one coop unit per chunk read.
 *
 * @example
 * const len = new Uint8Array(4);
 * yield* readExact(reader, len);
 * const size = new DataView(len.buffer).getUint32(0);
 */
export function readExact(reader: AsyncRead, buf: Uint8Array): ReadExact {
  checkReader("readExact()", reader);
  return new ReadExact(reader, checkBuf("readExact(reader, buf)", buf));
}

/**
 * Read every byte until end of stream from any `AsyncRead`. More than `limit` bytes (default
 * {@link DEFAULT_READ_LIMIT}, 16 MiB) is an `IoError` of kind `"InvalidData"`: memory stays
 * bounded whatever the peer sends.
 *
 * Cancel safety: NOT cancel-safe. The bytes read so far are held by the future and lost with it.
 *
 * Cost: a buffer that doubles as it fills (at most `limit + 1` bytes), and one copy at the end
 * when more than a quarter of it is unused.
 *
 * @example
 * const body = yield* readToEnd(reader, { limit: 1 << 20 });
 */
export function readToEnd(reader: AsyncRead, options?: ReadLimitOptions): ReadToEnd {
  checkReader("readToEnd()", reader);
  return new ReadToEnd(reader, readLimit("readToEnd()", options));
}

/**
 * Read every byte until end of stream from any `AsyncRead` and decode it as UTF-8. Invalid UTF-8,
 * or more than `limit` bytes (default 16 MiB), is an `IoError` of kind `"InvalidData"`.
 *
 * Cancel safety: NOT cancel-safe; the bytes read so far are lost with the future.
 *
 * Cost: as `readToEnd`, plus one decode.
 *
 * @example
 * const config = JSON.parse(yield* readToString(reader, { limit: 64 * 1024 }));
 */
export function readToString(reader: AsyncRead, options?: ReadLimitOptions): ReadToString {
  checkReader("readToString()", reader);
  return new ReadToString(reader, readLimit("readToString()", options));
}
