/**
 * `pollux/stream`: asynchronous sequences polled like futures (Rust's `Stream` and `StreamExt`).
 *
 * A stream is lazy and pull-based: `pollNext(cx)` yields the next item, `END`, or `PENDING`.
 * Inside a task, `yield* stream.next()` awaits the next item (`END` at the end). Adapters
 * (`map`, `filter`, `take`, `chunks`, `buffered`, `bufferUnordered`, `merge`, and tokio-stream's
 * and futures' `andThen`, `filterMap`, `skip`, `skipWhile`, `takeWhile`, `mapWhile`, `chain`,
 * `zip`, `flatten`, `peekable`, `timeout`, `throttle`, `chunksTimeout`) run on the consuming
 * task: `buffered(n)` gives concurrency without spawning. `fold`, `all`, `any` and
 * `forEachConcurrent(limit, fn)` consume a stream as one future; `tryNext()` takes an item only
 * if one is ready. `fromIterable`, `fromAsyncIterable` and
 * `toAsyncIterable` cross the edge to JavaScript iterables and `for await`.
 *
 * @module
 */

export { All, Any, Fold } from "./fold.js";
export { ForEachConcurrent } from "./for-each-concurrent.js";
export { FuturesUnordered } from "./futures-unordered.js";
export { Peek, Peekable } from "./peekable.js";
export { END, type End, type Stream, type StreamItem } from "./poll-next.js";
export { type Receiving, RecvStream } from "./recv-stream.js";
export { fromAsyncIterable, fromIterable } from "./sources.js";
export { Collect, isStream, merge, Next, StreamBase } from "./stream.js";
export { toAsyncIterable } from "./to-async-iterable.js";
