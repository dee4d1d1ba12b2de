/**
 * `LengthDelimitedCodec`: frames are byte strings, each preceded by its length (tokio-util's
 * `LengthDelimitedCodec`, with its defaults: a 4-byte big-endian length, 8 MiB limit).
 *
 * The limit is checked on the length prefix, before any of the frame is buffered, so a peer
 * announcing a 4 GiB frame is refused at once rather than after we buffered it.
 */
import type { BytesBuf } from "./bytes-buf.js";
import type { Decoder, Encoder } from "./codec.js";
import { FrameTooLong } from "./frame-too-long.js";
import { checkSize } from "./validate.js";

/** Default `maxFrameLength` of {@link LengthDelimitedCodec}: 8 MiB, as in tokio-util. */
export const DEFAULT_MAX_FRAME_LENGTH = 8 * 1024 * 1024;

/** Options of {@link LengthDelimitedCodec}. */
export interface LengthDelimitedOptions {
  /** The largest frame accepted or sent, in bytes (not counting the prefix). Default 8 MiB. */
  maxFrameLength?: number;
  /** Bytes in the big-endian length prefix: 1, 2, 3 or 4. Default 4. */
  lengthFieldLength?: 1 | 2 | 3 | 4;
}

/**
 * A codec for length-prefixed binary frames: each frame is its length as a big-endian unsigned
 * integer (`lengthFieldLength` bytes, default 4) followed by that many bytes. Decodes to
 * `Uint8Array`s (copies, safe to keep); encodes `Uint8Array`s. A frame longer than
 * `maxFrameLength` (default 8 MiB) throws {@link FrameTooLong}, when decoding (from the prefix
 * alone) and when encoding (nothing is sent).
 *
 * When to use: framing binary messages (protobuf, msgpack, JSON as bytes) over a byte stream.
 *
 * Cost: one copy per decoded frame; encoding appends prefix and payload to the write buffer.
 *
 * @example
 * const frames = new FramedRead(conn, new LengthDelimitedCodec({ maxFrameLength: 1 << 20 }));
 * const msg = yield* frames.next(); // Uint8Array | undefined
 */
export class LengthDelimitedCodec implements Decoder<Uint8Array>, Encoder<Uint8Array> {
  readonly maxFrameLength: number;
  readonly lengthFieldLength: 1 | 2 | 3 | 4;

  constructor(options: LengthDelimitedOptions = {}) {
    this.maxFrameLength =
      options.maxFrameLength === undefined
        ? DEFAULT_MAX_FRAME_LENGTH
        : checkSize("LengthDelimitedCodec maxFrameLength", options.maxFrameLength);
    const size = options.lengthFieldLength ?? 4;
    if (size !== 1 && size !== 2 && size !== 3 && size !== 4) {
      throw new RangeError(
        `LengthDelimitedCodec lengthFieldLength must be 1, 2, 3 or 4; got ${String(size)}.`,
      );
    }
    this.lengthFieldLength = size;
  }

  decode(src: BytesBuf): Uint8Array | undefined {
    const head = this.lengthFieldLength;
    if (src.length < head) return undefined;
    const len = src.getUintBE(0, head);
    if (len > this.maxFrameLength) {
      throw new FrameTooLong(
        `LengthDelimitedCodec: a frame announces ${len} bytes, over maxFrameLength (${this.maxFrameLength})`,
        this.maxFrameLength,
        len,
      );
    }
    if (src.length < head + len) {
      src.reserve(head + len - src.length);
      return undefined;
    }
    src.advance(head);
    return src.take(len);
  }

  encode(frame: Uint8Array, dst: BytesBuf): void {
    if (!(frame instanceof Uint8Array)) {
      throw new TypeError(
        `LengthDelimitedCodec.encode expects a Uint8Array; got ${frame === null ? "null" : typeof frame}. Encode strings with TextEncoder first.`,
      );
    }
    const max = Math.min(this.maxFrameLength, 2 ** (8 * this.lengthFieldLength) - 1);
    if (frame.length > max) {
      throw new FrameTooLong(
        `LengthDelimitedCodec: a frame of ${frame.length} bytes is over the limit (${max}); nothing was sent`,
        max,
        frame.length,
      );
    }
    dst.putUintBE(frame.length, this.lengthFieldLength);
    dst.put(frame);
  }
}
