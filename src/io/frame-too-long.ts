/**
 * `FrameTooLong`: a frame (a line, a length-prefixed message) exceeded its configured limit.
 * It is an `IoError` of kind `"InvalidData"`, so code that handles IO errors generically still
 * sees it, and it carries the limit so the message and a handler can say what was allowed.
 */
import { IoError } from "./error.js";

/**
 * A frame exceeded its limit: a line longer than `maxLength` (`readLine`, `lines`, `LinesCodec`),
 * or a length prefix above `maxFrameLength` (`LengthDelimitedCodec`). An `IoError` of kind
 * `"InvalidData"`; `limit` is the limit that was exceeded, `length` the size seen when known.
 *
 * After it, the connection is still usable for a clean close (`shutdown()`), and with lines the
 * next line can still be read.
 *
 * @example
 * try {
 *   const frame = yield* frames.next();
 * } catch (e) {
 *   if (e instanceof FrameTooLong) yield* conn.shutdown(); // refuse politely
 *   else throw e;
 * }
 */
export class FrameTooLong extends IoError {
  override readonly name: string = "FrameTooLong";
  /** The limit that was exceeded, in bytes. */
  readonly limit: number;
  /** The frame's size when it is known (a length prefix), else undefined. */
  readonly length: number | undefined;

  constructor(message: string, limit: number, length?: number) {
    super("InvalidData", message);
    this.limit = limit;
    this.length = length;
  }
}
