/**
 * `BufReader`: a read buffer in front of any `AsyncRead`, with lines (Tokio's `io::BufReader` +
 * `AsyncBufReadExt`).
 *
 * HOW: one fixed buffer (`capacity`, default 8 KiB) holds bytes read but not yet consumed, between
 * `pos` and `cap`. Small reads are served from it; a read at least as large as the buffer, with the
 * buffer empty, goes straight to the inner reader (no double copy).
 *
 * Lines: the partial line (bytes before the next "\n" that did not fit in one buffer fill) lives
 * in the BufReader, not in the `readLine()` future. So a `readLine()` cancelled by `select` loses
 * nothing: the next call continues the same line. That makes `readLine` and `lines()` cancel-safe,
 * which Tokio's `read_line` is not (its `Lines::next_line` is, for the same reason). A line longer
 * than `maxLength` is an error, and the rest of that line is skipped, so a peer cannot make us
 * buffer without bound and the next line can still be read.
 */
import { FutureBase } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import type { End } from "../stream/poll-next.js";
import { END } from "../stream/poll-next.js";
import { StreamBase } from "../stream/stream.js";
import { AsyncReadBase } from "./async-io.js";
import { budgetLeft, spend } from "./coop.js";
import { IoError } from "./error.js";
import { FrameTooLong } from "./frame-too-long.js";
import { ReaderFuture } from "./op-future.js";
import { badCount } from "./read.js";
import type { AsyncRead } from "./traits.js";
import { checkReader, checkSize } from "./validate.js";

/** Default buffer size of `BufReader` and `BufWriter`: 8 KiB, as in Tokio. */
export const DEFAULT_BUF_SIZE = 8 * 1024;

/**
 * Default longest line accepted by `readLine`, `lines` and `LinesCodec`: 1 MiB. Longer lines are a
 * `FrameTooLong` error instead of unbounded memory. Pass `{ maxLength }` (or `Infinity`) to change it.
 */
export const DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;

/** Options of `readLine()` and `lines()`. */
export interface LineOptions {
  /**
   * Longest line accepted, in bytes, without its "\n" (a "\r" before it counts). Default
   * {@link DEFAULT_MAX_LINE_LENGTH} (1 MiB). A longer line throws {@link FrameTooLong}; the rest
   * of it is skipped, and the next read starts at the following line.
   */
  maxLength?: number;
}

const NL = 10;
const EMPTY = new Uint8Array(0);
const CR = 13;
const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** @internal */
export function lineLimit(where: string, options: LineOptions | undefined): number {
  if (options === undefined || options.maxLength === undefined) return DEFAULT_MAX_LINE_LENGTH;
  return checkSize(`${where} maxLength`, options.maxLength, true);
}

/** @internal decode a line (no "\n"), dropping one trailing "\r". */
export function decodeLine(bytes: Uint8Array): string {
  const end = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length;
  try {
    return UTF8.decode(end === bytes.length ? bytes : bytes.subarray(0, end));
  } catch (e) {
    throw new IoError("InvalidData", "a line is not valid UTF-8", { cause: e });
  }
}

/**
 * A buffered reader over any `AsyncRead`: fewer, larger reads from the inner reader; lines with
 * `readLine()` and `lines()`; the buffer itself with `fillBuf()`/`consume()`.
 *
 * When to use: reading text or small records from a socket or file, or any time you would
 * otherwise call `read` with a few bytes at a time.
 *
 * Cost: one buffer of `capacity` bytes (default 8 KiB).
 *
 * @example
 * const reader = new BufReader(conn);
 * for (let line = yield* reader.readLine(); line !== END; line = yield* reader.readLine()) {
 *   console.log("got", line);
 * }
 */
export class BufReader<R extends AsyncRead = AsyncRead> extends AsyncReadBase {
  private readonly buf: Uint8Array;
  private pos = 0;
  private cap = 0;
  /**
   * The line being assembled: bytes copied out of earlier buffer fills, in `part[partStart..partEnd)`.
   * One growable array, so a long line read through a small buffer costs O(length), not one
   * object per fill.
   */
  private part: Uint8Array = EMPTY;
  private partStart = 0;
  private partEnd = 0;
  /** Skipping the rest of a line that was too long. */
  private discarding = false;

  /**
   * @param inner the reader to buffer.
   * @param capacity buffer size in bytes, default 8 KiB.
   */
  constructor(
    readonly inner: R,
    capacity: number = DEFAULT_BUF_SIZE,
  ) {
    super();
    checkReader("new BufReader(inner)", inner);
    this.buf = new Uint8Array(checkSize("BufReader capacity", capacity));
  }

  /** Bytes buffered and not yet consumed. */
  get buffered(): number {
    return this.partEnd - this.partStart + this.cap - this.pos;
  }

  /** The buffer size given at construction. */
  get capacity(): number {
    return this.buf.length;
  }

  pollRead(cx: Context, dst: Uint8Array): Poll<number> {
    if (this.pos === this.cap && this.partEnd === this.partStart && dst.length >= this.buf.length) {
      // Large read, empty buffer: skip the copy through our buffer.
      return this.inner.pollRead(cx, dst);
    }
    const avail = this.pollFillBuf(cx);
    if (avail === PENDING) return PENDING;
    const n = Math.min(avail.length, dst.length);
    dst.set(n === avail.length ? avail : avail.subarray(0, n));
    this.consume(n);
    return n;
  }

  override cancelRead(): void {
    this.inner.cancelRead?.();
  }

  /**
   * The buffered bytes, reading from the inner reader first if the buffer is empty. An empty
   * result means end of stream. The bytes stay buffered until `consume(n)`. The view is valid
   * until the next read or `consume`.
   *
   * @example
   * const avail = reader.pollFillBuf(cx);
   * if (avail !== PENDING) reader.consume(handle(avail));
   */
  pollFillBuf(cx: Context): Poll<Uint8Array> {
    // The start of a line whose readLine() was cancelled comes first: plain reads must not skip it.
    if (this.partEnd > this.partStart) return this.part.subarray(this.partStart, this.partEnd);
    if (this.pos >= this.cap) {
      const n = this.inner.pollRead(cx, this.buf);
      if (n === PENDING) return PENDING;
      if (!(n <= this.buf.length)) throw badCount(n, this.buf.length);
      this.pos = 0;
      this.cap = n;
    }
    return this.buf.subarray(this.pos, this.cap);
  }

  /**
   * A future of the buffered bytes (see `pollFillBuf`): empty at end of stream. Pair it with
   * `consume(n)` to say how many you used; the rest stays for the next read.
   *
   * Cancel safety: cancel-safe; nothing is consumed until `consume`.
   *
   * @example
   * const avail = yield* reader.fillBuf();
   * const used = parse(avail);
   * reader.consume(used);
   */
  fillBuf(): FillBuf {
    return new FillBuf(this);
  }

  /**
   * Mark `n` buffered bytes as used. `n` must not exceed what `fillBuf` returned.
   *
   * @example
   * reader.consume(4);
   */
  consume(n: number): void {
    const partial = this.partEnd > this.partStart;
    const avail = partial ? this.partEnd - this.partStart : this.cap - this.pos;
    if (!Number.isInteger(n) || n < 0 || n > avail) {
      throw new RangeError(
        `BufReader.consume(${String(n)}): only ${avail} bytes were returned by fillBuf(); consume at most that many.`,
      );
    }
    if (!partial) {
      this.pos += n;
      return;
    }
    this.partStart += n;
    if (this.partStart === this.partEnd) this.resetPart();
  }

  /**
   * The next line as a string WITHOUT its line ending ("\n" or "\r\n"), or `END` at end of
   * stream (the "no more" of every pollux next-style API). A last line without a final "\n" is returned as is. Lines are decoded as UTF-8
   * (invalid UTF-8: `IoError` kind `"InvalidData"`); a line longer than `maxLength` (default 1 MiB)
   * throws {@link FrameTooLong} and is skipped.
   *
   * Tokio's `read_line` appends to a String and keeps the "\n"; returning the line without its
   * ending (and `END` at the end) is what callers want almost every time.
   *
   * Cancel safety: cancel-safe. A partially read line stays in the BufReader; the next
   * `readLine()` continues it.
   *
   * Cost: one string per line; a line that spans buffer fills is copied once more.
   *
   * @example
   * const line = yield* reader.readLine();
   * if (line === END) return; // peer closed
   */
  readLine(options?: LineOptions): ReadLine {
    return new ReadLine(this, lineLimit("readLine()", options));
  }

  /**
   * The lines of the stream as a `Stream<string>` (same rules as `readLine`): use `.next()`,
   * `map`, `filter`, `take`, `collect`, `merge`.
   *
   * Cancel safety: `next()` is cancel-safe.
   *
   * @example
   * const words = yield* reader.lines().filter((l) => l !== "").take(10).collect();
   */
  lines(options?: LineOptions): Lines {
    return new Lines(this, lineLimit("lines()", options));
  }

  /** @internal the line engine shared by `readLine` and `lines`. Spends coop budget per fill. */
  pollLine(cx: Context, maxLength: number): Poll<string | End> {
    const buf = this.buf;
    for (;;) {
      if (this.pos >= this.cap) {
        if (!budgetLeft(cx)) return PENDING;
        const n = this.inner.pollRead(cx, buf);
        if (n === PENDING) return PENDING;
        if (!(n <= buf.length)) throw badCount(n, buf.length);
        spend(cx);
        if (n === 0) {
          this.discarding = false;
          if (this.partEnd === this.partStart) return END;
          return this.takeLine(null);
        }
        this.pos = 0;
        this.cap = n;
      }
      const pos = this.pos;
      const cap = this.cap;
      let i = buf.indexOf(NL, pos);
      if (i >= cap) i = -1;
      if (this.discarding) {
        this.pos = i < 0 ? cap : i + 1;
        if (i >= 0) this.discarding = false;
        continue;
      }
      const lineLen = this.partEnd - this.partStart + (i < 0 ? cap : i) - pos;
      if (lineLen > maxLength) {
        this.resetPart();
        this.pos = i < 0 ? cap : i + 1;
        this.discarding = i < 0;
        throw new FrameTooLong(
          `a line is longer than maxLength (${maxLength} bytes); the rest of it is skipped`,
          maxLength,
        );
      }
      if (i < 0) {
        this.appendPart(buf.subarray(pos, cap));
        this.pos = cap;
        continue;
      }
      this.pos = i + 1;
      if (this.partEnd === this.partStart) return decodeLine(buf.subarray(pos, i));
      return this.takeLine(buf.subarray(pos, i));
    }
  }

  private appendPart(bytes: Uint8Array): void {
    const need = this.partEnd + bytes.length;
    if (need > this.part.length) {
      const next = new Uint8Array(Math.max(need, this.part.length * 2, 256));
      next.set(this.part.subarray(this.partStart, this.partEnd));
      this.partEnd -= this.partStart;
      this.partStart = 0;
      this.part = next;
    }
    this.part.set(bytes, this.partEnd);
    this.partEnd += bytes.length;
  }

  /** Decode the assembled line plus `tail` (the bytes before the "\n"), and reset. */
  private takeLine(tail: Uint8Array | null): string {
    if (tail !== null) this.appendPart(tail);
    const line = this.part.subarray(this.partStart, this.partEnd);
    try {
      return decodeLine(line);
    } finally {
      this.resetPart();
    }
  }

  private resetPart(): void {
    this.partStart = this.partEnd = 0;
    // Keep a modest array for the next long line; let a huge one go.
    if (this.part.length > 64 * 1024) this.part = EMPTY;
  }

  override describe(): string {
    return `BufReader (${this.buffered} bytes buffered)`;
  }
}

/**
 * The future of `bufReader.fillBuf()`: the buffered bytes, empty at end of stream.
 *
 * @example
 * const avail: Uint8Array = yield* new FillBuf(reader);
 */
export class FillBuf extends FutureBase<Uint8Array> {
  private waiting = false;

  constructor(private readonly reader: BufReader) {
    super();
  }

  poll(cx: Context): Poll<Uint8Array> {
    if (!budgetLeft(cx)) return PENDING;
    const out = this.reader.pollFillBuf(cx);
    this.waiting = out === PENDING;
    if (out !== PENDING) spend(cx);
    return out;
  }

  override cancel(): void {
    if (this.waiting) {
      this.waiting = false;
      this.reader.cancelRead();
    }
  }

  override describe(): string {
    return "BufReader.fillBuf()";
  }
}

/**
 * The future of `bufReader.readLine()`: the next line without its ending, or `END` at end of
 * stream. Cancel-safe (the partial line stays in the BufReader).
 *
 * @example
 * const line: string | End = yield* new ReadLine(reader, 1 << 20);
 */
export class ReadLine extends ReaderFuture<string | End> {
  constructor(
    private readonly lines: BufReader,
    private readonly maxLength: number,
  ) {
    super(lines);
  }

  poll(cx: Context): Poll<string | End> {
    const out = this.lines.pollLine(cx, this.maxLength);
    this.waiting = out === PENDING;
    return out;
  }

  override describe(): string {
    return "BufReader.readLine()";
  }
}

/**
 * The stream of `bufReader.lines()`: each line without its ending, until end of stream. An error
 * (`FrameTooLong`, invalid UTF-8, an IO error) is thrown from `next()`; after a `FrameTooLong` or
 * invalid UTF-8 the stream continues with the following line.
 *
 * @example
 * const lines: Lines = new BufReader(conn).lines();
 * for (let l = yield* lines.next(); l !== END; l = yield* lines.next()) handle(l);
 */
export class Lines extends StreamBase<string> {
  private waiting = false;

  constructor(
    private readonly reader: BufReader,
    private readonly maxLength: number,
  ) {
    super();
  }

  pollNext(cx: Context): Poll<string | End> {
    const out = this.reader.pollLine(cx, this.maxLength);
    this.waiting = out === PENDING;
    return out;
  }

  override cancel(): void {
    if (this.waiting) {
      this.waiting = false;
      this.reader.cancelRead();
    }
  }

  override describe(): string {
    return "BufReader.lines()";
  }
}
