/**
 * The RESP2 writer: replies (and, for clients and tests, commands) encoded into one growable
 * buffer per connection.
 *
 * WHY one buffer: pipelining. The handler answers every complete command it has, appending each
 * reply here, and hands the whole batch to the socket in one write. Nothing is allocated per reply:
 * numbers are written digit by digit, fixed replies are copied from constants, strings are encoded
 * in place.
 */

const CRLF_0 = 13;
const CRLF_1 = 10;
/** Up to this many bytes, `put` copies with a loop instead of `set`. */
const SMALL_COPY = 32;

/** Replies that never change, encoded once. */
export const OK = Buffer.from("+OK\r\n");
export const PONG = Buffer.from("+PONG\r\n");
export const NIL = Buffer.from("$-1\r\n");
export const NULL_ARRAY = Buffer.from("*-1\r\n");
export const EMPTY_ARRAY = Buffer.from("*0\r\n");

/**
 * An append-only RESP2 encoder. `bytes()` is the encoded batch; `reset()` starts the next one.
 *
 * @example
 * const w = new RespWriter();
 * w.raw(OK); w.integer(42); w.bulk(value, 0, value.length);
 * yield* conn.writeAll(w.bytes()); w.reset();
 */
export class RespWriter {
  buf: Buffer;
  len = 0;

  constructor(capacity = 16 * 1024) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** The encoded bytes so far (a view: valid until the next write or `reset`). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  /** Start a new batch. A buffer grown for a huge reply is dropped so it can be collected. */
  reset(): void {
    this.len = 0;
    if (this.buf.length > 1024 * 1024) this.buf = Buffer.allocUnsafe(16 * 1024);
  }

  private ensure(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const bigger = Buffer.allocUnsafe(cap);
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
  }

  /** Pre-encoded bytes (`OK`, `PONG`, ...). */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.put(bytes, 0, bytes.length);
  }

  /** `+text\r\n`. `text` must not contain CR or LF. */
  simple(text: string): void {
    this.line(43, text);
  }

  /** `-message\r\n` (message like "ERR syntax error"). */
  error(message: string): void {
    this.line(45, message);
  }

  private line(prefix: number, text: string): void {
    this.ensure(text.length * 3 + 3);
    this.buf[this.len++] = prefix;
    this.len += this.buf.write(text, this.len, "utf8");
    this.crlf();
  }

  /** `:n\r\n`. */
  integer(n: number): void {
    this.ensure(24);
    this.buf[this.len++] = 58;
    this.digits(n);
    this.crlf();
  }

  /** `$len\r\n` + bytes[from..to) + `\r\n`. */
  bulk(bytes: Uint8Array, from = 0, to = bytes.length): void {
    const n = to - from;
    this.ensure(n + 24);
    const buf = this.buf;
    buf[this.len++] = 36;
    this.digits(n);
    this.crlf();
    this.put(bytes, from, to);
    this.crlf();
  }

  /**
   * Append bytes[from..to) (room already ensured). Short runs (fixed replies, small values) are
   * copied byte by byte: cheaper than `set`, a native call that also needs a `subarray` view for
   * a range. Long ones take `set`.
   */
  private put(bytes: Uint8Array, from: number, to: number): void {
    const buf = this.buf;
    const n = to - from;
    if (n <= SMALL_COPY) {
      let at = this.len;
      for (let i = from; i < to; i++) buf[at++] = bytes[i]!;
      this.len = at;
      return;
    }
    buf.set(from === 0 && to === bytes.length ? bytes : bytes.subarray(from, to), this.len);
    this.len += n;
  }

  /** A bulk string from a JavaScript string; `encoding` latin1 for keys (one byte per char). */
  bulkString(text: string, encoding: "utf8" | "latin1" = "utf8"): void {
    const n = encoding === "latin1" ? text.length : Buffer.byteLength(text, "utf8");
    this.ensure(n + 24);
    this.buf[this.len++] = 36;
    this.digits(n);
    this.crlf();
    this.len += this.buf.write(text, this.len, n, encoding);
    this.crlf();
  }

  /** `*n\r\n`: the elements follow as separate calls. */
  arrayHeader(n: number): void {
    this.ensure(24);
    this.buf[this.len++] = 42;
    this.digits(n);
    this.crlf();
  }

  /** A command as clients send it: an array of bulk strings. */
  command(args: readonly (Uint8Array | string)[]): void {
    this.arrayHeader(args.length);
    for (const a of args) {
      if (typeof a === "string") this.bulkString(a);
      else this.bulk(a);
    }
  }

  private crlf(): void {
    this.buf[this.len++] = CRLF_0;
    this.buf[this.len++] = CRLF_1;
  }

  /** Decimal digits of an integer (safe range), written in place. */
  private digits(n: number): void {
    const buf = this.buf;
    if (n < 0) {
      buf[this.len++] = 45;
      n = -n;
    }
    if (n < 10) {
      buf[this.len++] = 48 + n;
      return;
    }
    let width = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) width++;
    let i = this.len + width;
    this.len = i;
    do {
      buf[--i] = 48 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
  }
}
