/**
 * `LinesCodec`: frames are lines of UTF-8 text (tokio-util's `LinesCodec`).
 *
 * Decoding remembers how far it already searched for "\n" (`nextIndex`), so a long line arriving
 * in many small reads is scanned once, not once per read. A line longer than `maxLength` throws
 * `FrameTooLong`; the codec then skips to the end of that line, so it stays usable.
 */
import { DEFAULT_MAX_LINE_LENGTH, decodeLine, type LineOptions, lineLimit } from "./buf-reader.js";
import type { BytesBuf } from "./bytes-buf.js";
import type { Decoder, Encoder } from "./codec.js";
import { FrameTooLong } from "./frame-too-long.js";

const NL = 10;

/**
 * A codec for lines of UTF-8 text: decodes each line WITHOUT its "\n" or "\r\n"; encodes a string
 * followed by "\n". A line longer than `maxLength` bytes (default
 * {@link DEFAULT_MAX_LINE_LENGTH}, 1 MiB; a "\r" before the "\n" counts) throws
 * {@link FrameTooLong}; invalid UTF-8 throws an `IoError` of kind `"InvalidData"`. At end of
 * stream, a last line without "\n" is still a frame.
 *
 * When to use: line-based protocols (Redis inline commands, SMTP, chat), logs, NDJSON (with
 * `map(JSON.parse)`).
 *
 * Cost: one string per line; searching resumes where the last search stopped.
 *
 * @example
 * const lines = new FramedRead(conn, new LinesCodec({ maxLength: 8192 }));
 * for (let l = yield* lines.next(); l !== END; l = yield* lines.next()) console.log(l);
 */
export class LinesCodec implements Decoder<string>, Encoder<string> {
  /** The longest line accepted, in bytes. */
  readonly maxLength: number;
  private nextIndex = 0;
  private discarding = false;

  constructor(options?: LineOptions) {
    this.maxLength = lineLimit("new LinesCodec()", options);
  }

  decode(src: BytesBuf): string | undefined {
    const max = this.maxLength;
    for (;;) {
      if (this.discarding) {
        // Skipping the rest of a too-long line: drop everything up to and including its "\n".
        const nl = src.indexOf(NL);
        this.nextIndex = 0;
        if (nl < 0) {
          src.clear();
          return undefined;
        }
        src.advance(nl + 1);
        this.discarding = false;
        continue;
      }
      // Look no further than one byte past the limit: that is enough to know it was exceeded.
      const readTo = Math.min(max + 1, src.length);
      const i = src.indexOf(NL, this.nextIndex, readTo);
      if (i >= 0) {
        this.nextIndex = 0;
        const line = src.peek(i);
        let text: string;
        try {
          text = decodeLine(line);
        } finally {
          src.advance(i + 1);
        }
        return text;
      }
      if (src.length > max) {
        this.discarding = true;
        this.nextIndex = 0;
        throw new FrameTooLong(`LinesCodec: a line is longer than maxLength (${max} bytes)`, max);
      }
      this.nextIndex = readTo;
      return undefined;
    }
  }

  decodeEof(src: BytesBuf): string | undefined {
    const line = this.decode(src);
    if (line !== undefined) return line;
    if (src.length === 0 || this.discarding) {
      src.clear();
      return undefined;
    }
    // The last line had no "\n".
    this.nextIndex = 0;
    const rest = src.peek();
    try {
      return decodeLine(rest);
    } finally {
      src.clear();
    }
  }

  encode(line: string, dst: BytesBuf): void {
    if (typeof line !== "string") {
      throw new TypeError(`LinesCodec.encode expects a string; got ${line === null ? "null" : typeof line}.`);
    }
    if (line.includes("\n")) {
      throw new RangeError(
        'LinesCodec.encode: the line contains "\\n", which would split it into two frames; send each line separately.',
      );
    }
    dst.putString(line);
    dst.putUint8(NL);
  }
}
