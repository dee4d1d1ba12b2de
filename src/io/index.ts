/**
 * `pollux/io`: poll-based byte streams (Tokio's `tokio::io`, plus tokio-util's codecs): the
 * `AsyncRead`/`AsyncWrite` traits, the futures every reader and writer offers, buffering, codecs,
 * in-memory duplex streams and adapters to and from Node streams, with one error type, `IoError`.
 *
 * - Traits and base classes: a resource implements `pollRead` (and/or `pollWrite`, `pollFlush`,
 *   `pollShutdown`), optionally `cancelRead`/`cancelWrite`, by extending `AsyncReadBase`,
 *   `AsyncWriteBase` or `AsyncReadWriteBase`, which add `read`, `readExact`, `readToEnd`,
 *   `readToString`, `write`, `writeAll`, `flush`, `shutdown`. The same futures exist as free
 *   functions for any object implementing the traits: `read(reader, buf)`, `writeAll(writer, buf)`.
 *   Resources keep one `Readiness` per direction.
 * - Utilities: `copy`, `copyBidirectional`, `split` (`ReadHalf`/`WriteHalf`), `duplex`
 *   (`DuplexStream`), `BufReader` (`readLine`, `lines`, `fillBuf`/`consume`), `BufWriter`.
 * - Codecs: `Decoder`/`Encoder` over a `BytesBuf`; `FramedRead` (a `Stream` of frames),
 *   `FramedWrite` (`send`, `feed`, `flush`, `close`); `LinesCodec`, `LengthDelimitedCodec`;
 *   `FrameTooLong`.
 * - Node: `fromNodeReadable`, `fromNodeWritable`, `fromNodeDuplex`, `toNodeReadable`,
 *   `toNodeWritable`.
 *
 * Cancel safety follows Tokio: `read`, `write`, `flush`, `shutdown` are cancel-safe; `readExact`,
 * `readToEnd`, `readToString`, `writeAll` and `copy` are not (each says what may be lost).
 * `readLine`, `lines().next()` and `FramedRead.next()` are cancel-safe. The futures spend the task's
 * coop budget as they make progress, so an always-ready reader cannot starve the scheduler. Every
 * buffer has a limit (`DEFAULT_READ_LIMIT`, `DEFAULT_MAX_LINE_LENGTH`, `DEFAULT_MAX_FRAME_LENGTH`).
 *
 * @module
 */
export { AsyncReadBase, AsyncReadWriteBase, AsyncWriteBase } from "./async-io.js";
export {
  BufReader,
  DEFAULT_BUF_SIZE,
  DEFAULT_MAX_LINE_LENGTH,
  FillBuf,
  type LineOptions,
  Lines,
  ReadLine,
} from "./buf-reader.js";
export { BufWriter } from "./buf-writer.js";
export { BytesBuf } from "./bytes-buf.js";
export type { Decoder, Encoder } from "./codec.js";
export { Copy, CopyBidirectional, copy, copyBidirectional } from "./copy.js";
export { DuplexStream, duplex } from "./duplex.js";
export { IoError, type IoErrorKind, type IoErrorOptions, type IoTarget, kindOfCode } from "./error.js";
export { FrameTooLong } from "./frame-too-long.js";
export { FramedRead } from "./framed-read.js";
export { FlushFrames, FramedWrite, type FramedWriteOptions, SendFrame } from "./framed-write.js";
export {
  DEFAULT_MAX_FRAME_LENGTH,
  LengthDelimitedCodec,
  type LengthDelimitedOptions,
} from "./length-delimited-codec.js";
export { LinesCodec } from "./lines-codec.js";
export { fromNodeDuplex, NodeDuplex } from "./node-duplex.js";
export { fromNodeReadable, NodeReader } from "./node-reader.js";
export { fromNodeWritable, NodeWriter } from "./node-writer.js";
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
export { ReadHalf, split, WriteHalf } from "./split.js";
export { type ToNodeOptions, type ToNodeReadableOptions, toNodeReadable, toNodeWritable } from "./to-node.js";
export type { AsyncRead, AsyncWrite } from "./traits.js";
export { Flush, flush, Shutdown, shutdown, Write, WriteAll, write, writeAll } from "./write.js";
