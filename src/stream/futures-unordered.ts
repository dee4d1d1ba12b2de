/**
 * `FuturesUnordered`: the public face of `UnorderedSet` (see `unordered-set.ts` for how a wake
 * stays O(1) whatever the size of the set), as a `StreamBase` so the stream adapters apply.
 */

import { childFuture } from "../future/child-waker.js";
import { isFuture } from "../future/future.js";
import type { IntoFuture } from "../future/into-future.js";
import type { Context, Poll } from "../future/poll.js";
import { anchorWork, pollReady } from "../runtime/map-anchors.js";
import { growthWatched, watchGrowth } from "../task/growth-watch.js";
import { yieldNow } from "../task/yield-now.js";
import type { End } from "./poll-next.js";
import { StreamBase } from "./stream.js";
import { UnorderedSet } from "./unordered-set.js";

/**
 * A set of futures run concurrently on the current task, yielding their outputs in completion
 * order (Rust's `FuturesUnordered`). Push futures at any time, including while awaiting `next()`
 * from elsewhere; `next()` resolves to the next output, or `END` when the set is empty.
 *
 * Use it for a dynamic, growing set of concurrent jobs whose results are handled as they come
 * (a crawler, a connection pool's pending requests), without a task per job. It is a stream, so
 * the stream adapters apply (`fu.take(3)`, `fu.collect()`).
 *
 * A future that throws makes `next()` throw that error; the others keep running. JavaScript has
 * no destructors: cancel the set (`cancel()`, or `using fu = new FuturesUnordered()`) to cancel
 * the futures still in it when you abandon it; their `finally` blocks then run.
 *
 * Cost: one node per future (its waker); each wake is O(1), however many futures are in the set.
 *
 * @example
 * using inFlight = new FuturesUnordered<Page>();
 * for (const url of seeds) inFlight.push(fetchPage(url));
 * for (let page = yield* inFlight.next(); page !== END; page = yield* inFlight.next()) {
 *   for (const link of page.links) inFlight.push(fetchPage(link));
 * }
 */
export class FuturesUnordered<T> extends StreamBase<T> {
  private readonly set = new UnorderedSet<T>();

  /** Optionally start with `futures` (the iterable is read now; the futures start at the first poll). */
  constructor(futures?: Iterable<IntoFuture<T>>) {
    super();
    if (growthWatched()) watchGrowth(this, "FuturesUnordered", (s) => s.size);
    if (futures !== undefined) {
      if (futures === null || typeof (futures as Iterable<unknown>)[Symbol.iterator] !== "function") {
        throw new TypeError(
          `new FuturesUnordered(futures) expects an iterable of futures; got ${typeof futures}.`,
        );
      }
      for (const f of futures) this.push(f);
    }
  }

  /** Futures still running (or finished but not yet delivered by `next()`). */
  get size(): number {
    return this.set.size;
  }

  /** True when the set holds no future. */
  isEmpty(): boolean {
    return this.set.size === 0;
  }

  /**
   * Add a future. It is polled the next time the set is polled; whoever awaits `next()` on another
   * context is woken. Accepts anything `intoFuture` does.
   */
  push(future: IntoFuture<T>): void {
    this.set.push((isFuture(future) ? future : childFuture(future, "FuturesUnordered.push()")) as never);
  }

  pollNext(cx: Context): Poll<T | End> {
    return this.set.pollNext(cx);
  }

  /** Cancel every future still in the set (their `finally` blocks run) and empty it. */
  override cancel(): void {
    this.set.cancelAll();
  }

  override describe(): string {
    return `FuturesUnordered(${this.set.describe()})`;
  }
}

// Map anchors (see runtime/map-anchors.ts): a set drained through woken children.
anchorWork("futures-unordered", (keep, cx) => {
  const set = new FuturesUnordered<void>();
  set.push(yieldNow());
  set.push(yieldNow());
  const next = set.next();
  pollReady(next, cx);
  keep(set, next);
});
