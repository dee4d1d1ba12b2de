/**
 * `FramedRead`: a `Stream` of frames decoded from an `AsyncRead` (tokio-util's `FramedRead`).
 *
 * HOW: bytes are read into a `BytesBuf` (8 KiB at a time) and the decoder is asked for frames
 * until it needs more; only then is the reader polled again. Frames stay in the buffer until
 * asked for, so `next()` is cancel-safe. The decoder's own limit bounds the buffer. After an
 * error (from the reader or the decoder) the stream ends: the byte stream's framing can no longer
 * be trusted, but the underlying connection can still be closed cleanly.
 */
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { END, type End } from "../stream/poll-next.js";
import { StreamBase } from "../stream/stream.js";
import { BytesBuf } from "./bytes-buf.js";
import type { Decoder } from "./codec.js";
import { budgetLeft, spend } from "./coop.js";
import { IoError } from "./error.js";
import { badCount } from "./read.js";
import type { AsyncRead } from "./traits.js";
import { checkReader } from "./validate.js";

const READ_SIZE = 8 * 1024;

// States.
const READING = 0;
const EOF = 1;
const DONE = 2;

function checkDecoder(value: unknown): void {
  if (typeof (value as { decode?: unknown } | null)?.decode !== "function") {
    throw new TypeError(
      "FramedRead(reader, decoder): the decoder must have decode(src) (a Decoder, e.g. new LinesCodec()).",
    );
  }
}

/**
 * A stream of frames read from `reader` and decoded by `decoder`. It is a pollux `Stream`:
 * `yield* framed.next()` gives the next frame (`END` at the end), and `map`, `filter`,
 * `take`, `collect`, `merge` work. Errors from the reader or decoder (for example
 * `FrameTooLong`) are thrown by `next()`, after which the stream has ended; close the
 * connection (`shutdown()` on its writer) as usual.
 *
 * Bytes left at end of stream that the decoder cannot make a frame of are an `IoError` of kind
 * `"UnexpectedEof"`.
 *
 * Cancel safety: `next()` is cancel-safe; a frame is removed from the buffer only when returned.
 *
 * Cost: a read buffer (8 KiB, grows to the largest frame); one coop unit per read.
 *
 * @example
 * const frames = new FramedRead(conn, new LengthDelimitedCodec());
 * for (let f = yield* frames.next(); f !== END; f = yield* frames.next()) handle(f);
 */
export class FramedRead<T, R extends AsyncRead = AsyncRead> extends StreamBase<T> {
  /** The bytes read and not yet decoded. */
  readonly readBuffer = new BytesBuf(READ_SIZE);
  private state = READING;
  /** The buffer may hold a frame: ask the decoder before reading. */
  private readable = false;
  private waiting = false;

  constructor(
    /** The reader frames come from. */
    readonly inner: R,
    /** The decoder; keep a reference to inspect its state. */
    readonly decoder: Decoder<T>,
  ) {
    super();
    checkReader("FramedRead(reader, decoder)", inner);
    checkDecoder(decoder);
  }

  pollNext(cx: Context): Poll<T | End> {
    const buf = this.readBuffer;
    for (;;) {
      const state = this.state;
      if (state === DONE) return END;
      if (this.readable) {
        let frame: T | undefined;
        try {
          frame = state === EOF ? this.decodeEof(buf) : this.decoder.decode(buf);
        } catch (e) {
          this.state = DONE;
          throw e;
        }
        if (frame !== undefined) return frame;
        if (state === EOF) {
          this.state = DONE;
          return END;
        }
        this.readable = false;
      }
      if (!budgetLeft(cx)) return PENDING;
      const spare = buf.spare(READ_SIZE);
      let n: Poll<number>;
      try {
        n = this.inner.pollRead(cx, spare);
      } catch (e) {
        this.state = DONE;
        throw e;
      }
      if (n === PENDING) {
        this.waiting = true;
        return PENDING;
      }
      this.waiting = false;
      if (!(n <= READ_SIZE)) throw badCount(n, READ_SIZE);
      spend(cx);
      if (n === 0) this.state = EOF;
      else buf.commit(n);
      this.readable = true;
    }
  }

  private decodeEof(buf: BytesBuf): T | undefined {
    const d = this.decoder;
    if (d.decodeEof !== undefined) return d.decodeEof(buf);
    const frame = d.decode(buf);
    if (frame === undefined && buf.length > 0) {
      throw new IoError(
        "UnexpectedEof",
        `FramedRead: the stream ended with ${buf.length} bytes that are not a whole frame`,
      );
    }
    return frame;
  }

  override cancel(): void {
    if (this.waiting) {
      this.waiting = false;
      this.inner.cancelRead?.();
    }
  }

  override describe(): string {
    return `FramedRead (${this.readBuffer.length} bytes buffered)`;
  }
}
