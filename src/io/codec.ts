/**
 * The codec contract: `Decoder` turns bytes into frames, `Encoder` turns frames into bytes
 * (tokio-util's `codec::Decoder` / `codec::Encoder`). `FramedRead` and `FramedWrite` drive them
 * over any `AsyncRead` / `AsyncWrite`; a codec itself never does IO, which makes it easy to test.
 */
import type { BytesBuf } from "./bytes-buf.js";

/**
 * Turns bytes into frames. `decode(src)` looks at the buffered bytes: when they hold a whole
 * frame, it removes that frame's bytes from `src` (`take`/`advance`) and returns the frame; when
 * they do not yet, it returns `undefined` and `FramedRead` reads more. Malformed input: throw
 * (an `IoError`, or `FrameTooLong` for a frame over its limit).
 *
 * A decoder MUST enforce a size limit: the bytes of an incomplete frame stay in the buffer, so a
 * decoder that waits forever for a terminator lets a peer grow memory without bound.
 *
 * `decodeEof(src)` is called at end of stream instead of `decode`; the default (when absent) is
 * `decode`, and bytes left over after it are an `IoError` of kind `"UnexpectedEof"`.
 *
 * @example
 * // Frames are single bytes.
 * const bytes: Decoder<number> = {
 *   decode(src) { return src.length > 0 ? src.take(1)[0] : undefined; },
 * };
 */
export interface Decoder<T> {
  decode(src: BytesBuf): T | undefined;
  decodeEof?(src: BytesBuf): T | undefined;
}

/**
 * Turns frames into bytes: `encode(frame, dst)` appends the frame's bytes to `dst`. Throw for a
 * frame that cannot be encoded (`FrameTooLong` when over a limit); nothing should be appended then.
 *
 * @example
 * const json: Encoder<unknown> = {
 *   encode(value, dst) { dst.putString(JSON.stringify(value)); dst.putUint8(10); },
 * };
 */
export interface Encoder<T> {
  encode(frame: T, dst: BytesBuf): void;
}
