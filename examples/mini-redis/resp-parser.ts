/**
 * The RESP2 request parser: multibulk frames (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) and the inline form
 * (`GET k\r\n`, what a person types into `nc`).
 *
 * HOW. The parser owns the connection's input buffer. The handler reads socket bytes straight into
 * `writable()`, calls `commit(n)`, then calls `next()` until it returns `NEED_MORE`. A complete
 * command is not copied anywhere: `next()` leaves its arguments as byte ranges (`starts[i]`,
 * `ends[i]`) of `buf`, valid until the next `reserve()`. A command that stores an argument (SET's
 * value) copies it; most (GET's key, PING) only look at it.
 *
 * WHY it is incremental. A frame may be cut anywhere by TCP. The parser keeps the state of a half
 * read frame (arguments seen so far, the declared length of the bulk string in progress, and how
 * far it already searched for a line end) so that new bytes continue where the last call stopped:
 * every byte is looked at a bounded number of times whatever the split points, and the work is
 * linear in the input. Re-parsing from the frame start on each read would be quadratic for a
 * frame of a million arguments arriving in small pieces.
 *
 * WHY headers have a fast path. A pipelined GET is three header lines (`*2`, `$3`, `$16`) around
 * two short payloads, so reading headers is most of the parse. A complete header of the usual
 * shape is read digit by digit up to its CR (`quickHeader`); only the rest (a header cut by TCP,
 * a sign, garbage) searches for its line end, and that general path alone applies the line limit
 * and chooses the error message, so both paths accept and reject exactly the same input.
 *
 * WHY the limits are checked on headers. A declared length is checked when its header line is
 * read (bulk strings up to 512 MB, multibulk counts up to 1,048,576, header and inline lines up to
 * 64 KiB, the same limits as Redis), so `$999999999999\r\n` is rejected before a single byte of it
 * is buffered. The buffer grows only with bytes that really arrived (doubling, amortised O(1) per
 * byte); it is never sized from a declared length.
 */

/** Largest bulk string, as Redis's default `proto-max-bulk-len`. */
export const MAX_BULK_LEN = 512 * 1024 * 1024;
/** Largest multibulk count, as Redis. */
export const MAX_MULTIBULK = 1024 * 1024;
/** Longest inline command or header line without its line end, as Redis's `PROTO_INLINE_MAX_SIZE`. */
export const MAX_LINE = 64 * 1024;

/** `next()` found no complete command in the buffer: read more bytes. */
export const NEED_MORE = -1;

const INITIAL_CAPACITY = 16 * 1024;
/** A read gets at least this much room (fewer, larger reads). */
const MIN_READ = 4 * 1024;
/** After a large frame, an emptied buffer bigger than this is dropped for a fresh small one. */
const SHRINK_ABOVE = 1024 * 1024;

const CR = 13;
const LF = 10;
const STAR = 42;
const DOLLAR = 36;
const SPACE = 32;
const TAB = 9;

/**
 * A malformed or oversized request. The message is what Redis answers (after `-ERR `); the
 * connection is then closed, since the parser cannot know where the next frame starts.
 */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
}

/**
 * Incremental RESP2 request parser over its own growable input buffer.
 *
 * @example
 * const p = new RespParser();
 * const room = p.writable();
 * room.set(bytes); p.commit(bytes.length);
 * for (let n = p.next(); n !== NEED_MORE; n = p.next()) handle(p, n); // p.starts / p.ends
 * p.reserve(); // before the next read
 */
export class RespParser {
  /** The input buffer. Arguments of the command `next()` returned are ranges of it. */
  buf: Buffer = Buffer.allocUnsafe(INITIAL_CAPACITY);
  /** Start offsets of the arguments of the current (complete or half-read) command. */
  readonly starts: number[] = [];
  /** End offsets (exclusive), parallel to `starts`. */
  readonly ends: number[] = [];

  /** First byte not yet consumed by a complete command (the start of the frame in progress). */
  private start = 0;
  /** End of the valid bytes. */
  private end = 0;
  /** Parse cursor inside the frame in progress. */
  private pos = 0;
  /** Where the search for the next line end resumes (nothing before it is a line end). */
  private scan = 0;
  /** Arguments still expected by the multibulk frame in progress; -1: between frames. */
  private argc = -1;
  /** Arguments of the frame in progress parsed so far. */
  private nargs = 0;
  /** Declared length of the bulk string in progress; -1: its `$` header is not read yet. */
  private bulkLen = -1;

  /** Bytes received and not yet consumed by a complete command. */
  get pending(): number {
    return this.end - this.start;
  }

  /**
   * Room at the end of the buffer for the next read (at least 4 KiB). Compacts or grows the
   * buffer first, which invalidates the ranges of commands already returned: call it only after
   * those commands were handled.
   */
  writable(): Buffer {
    this.reserve();
    // Cached: the handler asks at every wake, and between requests the answer rarely changes.
    if (this.room === null || this.roomOf !== this.buf || this.roomAt !== this.end) {
      this.room = this.buf.subarray(this.end);
      this.roomOf = this.buf;
      this.roomAt = this.end;
    }
    return this.room;
  }

  private room: Buffer | null = null;
  private roomOf: Buffer | null = null;
  private roomAt = -1;

  /** Record that `n` bytes were written into `writable()`. */
  commit(n: number): void {
    this.end += n;
  }

  /** Append bytes (for tests and for callers that do not read into `writable()` directly). */
  push(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length) {
      const room = this.writable();
      const n = Math.min(room.length, bytes.length - off);
      room.set(bytes.subarray(off, off + n));
      this.commit(n);
      off += n;
    }
  }

  /** Make room for a read: reset when empty, else move the frame in progress to the front, else grow. */
  reserve(): void {
    const start = this.start;
    if (start === this.end) {
      // Everything consumed (the common case between requests): start over, no copy.
      if (this.buf.length > SHRINK_ABOVE) this.buf = Buffer.allocUnsafe(INITIAL_CAPACITY);
      this.start = this.end = this.pos = this.scan = 0;
      return;
    }
    if (this.buf.length - this.end >= MIN_READ) return;
    if (start > 0) {
      this.buf.copy(this.buf, 0, start, this.end);
      this.start = 0;
      this.end -= start;
      this.pos -= start;
      this.scan -= start;
      this.shiftArgs(start);
      if (this.buf.length - this.end >= MIN_READ) return;
    }
    // The frame in progress fills the buffer: double it. Each byte is moved O(1) times amortised.
    const bigger = Buffer.allocUnsafe(this.buf.length * 2);
    this.buf.copy(bigger, 0, 0, this.end);
    this.buf = bigger;
  }

  private shiftArgs(by: number): void {
    const starts = this.starts;
    const ends = this.ends;
    for (let i = 0; i < this.nargs; i++) {
      starts[i]! -= by;
      ends[i]! -= by;
    }
  }

  /**
   * Parse the next complete command: returns its argument count (≥ 1; the ranges are
   * `starts[0..n)`/`ends[0..n)`), or `NEED_MORE`. Empty commands (`*0`, a blank line) are skipped.
   * Throws {@link ProtocolError} on malformed or oversized input.
   */
  next(): number {
    for (;;) {
      if (this.argc === -1) {
        if (this.pos >= this.end) return NEED_MORE;
        if (this.buf[this.pos] === STAR) {
          let n = quickHeader(this.buf, this.pos, this.end);
          let after = quickEnd;
          if (n === INVALID) {
            const lineEnd = this.findLine(MAX_LINE, "too big mbulk count string");
            if (lineEnd === -1) return NEED_MORE;
            n = parseLength(this.buf, this.pos + 1, lineEnd);
            after = lineEnd + 2;
          }
          if (n > MAX_MULTIBULK || n === INVALID) {
            throw new ProtocolError("Protocol error: invalid multibulk length");
          }
          this.pos = this.scan = after;
          if (n <= 0) {
            this.start = this.pos; // `*0` and `*-1`: nothing to run, as Redis
            continue;
          }
          this.argc = n;
          this.nargs = 0;
        } else {
          const n = this.inline();
          if (n === NEED_MORE) return NEED_MORE;
          if (n === 0) continue;
          return n;
        }
      }
      return this.multibulk();
    }
  }

  /**
   * The arguments of a multibulk frame whose header was read. The cursor state lives in locals
   * while the loop runs (this is the per-request hot path) and is stored back when it stops.
   */
  private multibulk(): number {
    const buf = this.buf;
    const end = this.end;
    const starts = this.starts;
    const ends = this.ends;
    const argc = this.argc;
    let pos = this.pos;
    let nargs = this.nargs;
    let len = this.bulkLen;
    while (nargs < argc) {
      if (len === -1) {
        if (pos >= end) break;
        const c = buf[pos]!;
        if (c !== DOLLAR) {
          throw new ProtocolError(`Protocol error: expected '$', got '${String.fromCharCode(c)}'`);
        }
        len = quickHeader(buf, pos, end);
        if (len !== INVALID) {
          pos = quickEnd;
        } else {
          this.save(pos, nargs, -1);
          const lineEnd = this.findLine(MAX_LINE, "too big bulk count string");
          if (lineEnd === -1) return NEED_MORE;
          len = parseLength(buf, pos + 1, lineEnd);
          pos = lineEnd + 2;
        }
        if (len < 0 || len > MAX_BULK_LEN) throw new ProtocolError("Protocol error: invalid bulk length");
      }
      // The payload and its CRLF must all be here; like Redis, the CRLF itself is not checked.
      if (end - pos < len + 2) break;
      starts[nargs] = pos;
      ends[nargs] = pos + len;
      nargs++;
      pos += len + 2;
      len = -1;
    }
    this.save(pos, nargs, len);
    if (nargs < argc) return NEED_MORE;
    this.argc = -1;
    this.start = pos;
    this.nargs = 0;
    return nargs;
  }

  /** Store the state of `multibulk()`: before a moved `pos` there is no line end left to find. */
  private save(pos: number, nargs: number, bulkLen: number): void {
    if (pos !== this.pos) this.pos = this.scan = pos;
    this.nargs = nargs;
    this.bulkLen = bulkLen;
  }

  /** An inline command: one line, arguments separated by spaces or tabs. Returns 0 for a blank line. */
  private inline(): number {
    const buf = this.buf;
    const nl = buf.indexOf(LF, this.scan);
    if (nl === -1 || nl >= this.end) {
      if (this.end - this.pos > MAX_LINE) throw new ProtocolError("Protocol error: too big inline request");
      this.scan = this.end;
      return NEED_MORE;
    }
    if (nl - this.pos > MAX_LINE) throw new ProtocolError("Protocol error: too big inline request");
    const lineEnd = nl > this.pos && buf[nl - 1] === CR ? nl - 1 : nl;
    let n = 0;
    let i = this.pos;
    while (i < lineEnd) {
      while (i < lineEnd && (buf[i] === SPACE || buf[i] === TAB)) i++;
      if (i === lineEnd) break;
      const s = i;
      while (i < lineEnd && buf[i] !== SPACE && buf[i] !== TAB) i++;
      this.starts[n] = s;
      this.ends[n] = i;
      n++;
    }
    this.pos = this.scan = this.start = nl + 1;
    return n;
  }

  /**
   * The offset of the CR of the line starting at `pos` (the line is `pos..CR`), or -1 when its
   * end has not arrived. Resumes the search at `scan`, so a line trickling in byte by byte is
   * scanned once. A line longer than `max` is a protocol error (`what`), as in Redis.
   */
  private findLine(max: number, what: string): number {
    const nl = this.buf.indexOf(LF, this.scan);
    if (nl === -1 || nl >= this.end) {
      if (this.end - this.pos > max) throw new ProtocolError(`Protocol error: ${what}`);
      this.scan = this.end;
      return -1;
    }
    if (nl - this.pos > max) throw new ProtocolError(`Protocol error: ${what}`);
    // Where the CR should be; `*3\n` (no CR) then fails the length parse like any other garbage.
    return nl - 1;
  }
}

const INVALID = Number.MIN_SAFE_INTEGER;

/** Where the line read by the last successful `quickHeader` call ends (past its LF). */
let quickEnd = 0;

/**
 * The length in a `*n\r\n` or `$n\r\n` header at `pos` when the whole line is already in
 * `buf[..end)` and is the usual shape (1 to 18 digits, then CR LF), setting `quickEnd`; INVALID for
 * anything else. It reads the digits up to the CR instead of searching for the LF with
 * `indexOf` (a native call per header). Anything unusual (a line not complete yet, a sign,
 * garbage, too many digits) gets INVALID and the caller takes the general path, which finds the
 * line end, applies the line limit and reports errors. At most 21 bytes are read, so trying this
 * again on every read of a header that trickles in keeps the parse linear.
 */
function quickHeader(buf: Buffer, pos: number, end: number): number {
  let i = pos + 1;
  const limit = Math.min(end, i + 18);
  let n = 0;
  for (; i < limit; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  if (i === pos + 1 || i + 1 >= end || buf[i] !== CR || buf[i + 1] !== LF) return INVALID;
  quickEnd = i + 2;
  return n;
}

/**
 * A decimal length in `buf[from..to)`: digits with an optional leading '-'. INVALID for anything
 * else (empty, other characters, more than 18 digits).
 */
function parseLength(buf: Buffer, from: number, to: number): number {
  if (buf[to] !== CR) return INVALID;
  let i = from;
  let neg = false;
  if (i < to && buf[i] === 45) {
    neg = true;
    i++;
  }
  if (i === to || to - i > 18) return INVALID;
  let n = 0;
  for (; i < to; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return INVALID;
    n = n * 10 + d;
  }
  return neg ? -n : n;
}
