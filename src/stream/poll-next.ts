/**
 * The stream contract: `pollNext(cx)` and the `END` sentinel.
 *
 * This file has no runtime dependencies on the rest of `stream/` so that `future/` (FuturesUnordered,
 * the unordered set) can speak the stream contract without an import cycle.
 */
import type { End } from "../future/end.js";
import type { Context, Poll } from "../future/poll.js";

// `END` is defined in `future/end.ts` (the bottom layer, so tasks and channels share it) and
// re-exported here because it is half of the stream contract.
export { END, type End } from "../future/end.js";

/**
 * An asynchronous sequence of `T`, polled like a future (Rust's `Stream`).
 *
 * - `pollNext(cx)` returns the next item, `END` once the stream has ended (and on every later call),
 *   or `PENDING` after arranging for `cx.waker.wake()` to be called. After returning an item the
 *   stream may have more ready at once: callers poll again without waiting for a wake.
 * - `cancel()` is the drop: release registrations and cancel in-flight work.
 *
 * Extend `StreamBase` (from `pollux/stream`) to get `next()` and the adapters. Implementing the
 * interface directly is enough for `merge`, `toAsyncIterable` and combinators that take streams.
 *
 * Cost: whatever the implementation does; the contract itself allocates nothing per item.
 *
 * @example
 * const ones: Stream<number> = { pollNext: () => 1 }; // an endless stream of 1s
 */
export interface Stream<T> {
  pollNext(cx: Context): Poll<T | End>;
  cancel?(): void;
}

/**
 * The item type of a stream.
 *
 * @example
 * type T = StreamItem<StreamBase<string>>; // string
 */
export type StreamItem<S> = S extends Stream<infer T> ? T : never;
