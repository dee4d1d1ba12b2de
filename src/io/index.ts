/**
 * `pollux/io`: poll-based byte streams (Tokio's `tokio::io`): the `AsyncRead`/`AsyncWrite` traits,
 * the futures every reader and writer offers, buffering, codecs, in-memory duplex streams and
 * adapters to and from Node streams, with one error type, `IoError`.
 *
 * - Resources extend `AsyncReadBase`, `AsyncWriteBase` or `AsyncReadWriteBase` and implement the
 *   poll methods; they get `read`, `readExact`, `readToEnd`, `readToString`, `write`, `writeAll`,
 *   `flush` and `shutdown` as methods. The same futures exist as free functions for any object
 *   implementing the traits: `read(reader, buf)`, `writeAll(writer, buf)`, ...
 * - Cancel safety follows Tokio: `read`, `write`, `flush`, `shutdown` are cancel-safe;
 *   `readExact`, `readToEnd`, `readToString` and `writeAll` are not (each says what may be lost).
 * - The futures spend the task's coop budget as they make progress, so an always-ready reader
 *   cannot starve the scheduler.
 *
 * @module
 */
export { AsyncReadBase, AsyncReadWriteBase, AsyncWriteBase } from "./async-io.js";
export { IoError, type IoErrorKind, type IoErrorOptions, type IoTarget, kindOfCode } from "./error.js";
export {
  DEFAULT_READ_LIMIT,
  Read,
  ReadExact,
  type ReadLimitOptions,
  ReadToEnd,
  ReadToString,
  read,
  readExact,
  readToEnd,
  readToString,
} from "./read.js";
export { Readiness } from "./registration.js";
export type { AsyncRead, AsyncWrite } from "./traits.js";
export { Flush, flush, Shutdown, shutdown, Write, WriteAll, write, writeAll } from "./write.js";
