/**
 * `pollux/io`: poll-based byte streams (Tokio's `tokio::io`): the `AsyncRead`/`AsyncWrite` traits,
 * the futures every reader and writer offers, buffering, codecs, in-memory duplex streams and
 * adapters to and from Node streams, with one error type, `IoError`.
 *
 * @module
 */
export { IoError, type IoErrorKind, type IoErrorOptions, type IoTarget, kindOfCode } from "./error.js";
export type { AsyncRead, AsyncWrite } from "./traits.js";
