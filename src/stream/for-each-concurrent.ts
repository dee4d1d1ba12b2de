/**
 * `forEachConcurrent(limit, fn)`: a future that feeds the stream's items to `fn` and runs the
 * futures it returns, up to `limit` at once, on the current task (futures'
 * `for_each_concurrent`).
 *
 * How: the futures in flight are an `UnorderedSet` (one `Child` waker each, O(1) per wake, see
 * `unordered-set.ts`). Each poll tops the set up from the stream, then drains finished members;
 * a finished member makes room, so the loop tops up again until the stream is pending or the set
 * is pending. The set stops its walk when the coop budget is spent, so the loop is linear.
 * Imports only types from the stream classes (see `fold.ts`).
 */
import { childFuture, reportDropped } from "../future/child-waker.js";
import { describeFuture, type Future, FutureBase, isFuture } from "../future/future.js";
import type { IntoFuture } from "../future/into-future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { END, type Stream } from "./poll-next.js";
import { UnorderedSet } from "./unordered-set.js";

/**
 * The future returned by `stream.forEachConcurrent(limit, fn)`: resolves once the stream has ended
 * and every future `fn` returned has finished. Cancelling it cancels the futures in flight and
 * the stream.
 *
 * @example
 * const all: ForEachConcurrent = urls.forEachConcurrent(8, (u) => crawl(u));
 */
export class ForEachConcurrent extends FutureBase<void> {
  private readonly set = new UnorderedSet<unknown>();
  private ended = false;
  private done = false;

  /** @internal use `stream.forEachConcurrent()`. */
  constructor(
    private readonly stream: Stream<unknown>,
    private readonly limit: number,
    // `never`: the item type is erased so that `StreamBase<T>` stays covariant (see `fold.ts`).
    private readonly fn: (item: never) => IntoFuture<unknown>,
  ) {
    super();
  }

  poll(cx: Context): Poll<void> {
    if (this.done) return undefined;
    const set = this.set;
    const limit = this.limit;
    const stream = this.stream;
    const fn = this.fn;
    try {
      for (;;) {
        let upPending = false;
        while (!this.ended && set.size < limit) {
          const item = stream.pollNext(cx);
          if (item === PENDING) {
            upPending = true;
            break;
          }
          if (item === END) {
            this.ended = true;
            break;
          }
          const made = fn(item as never);
          set.pushQuiet(
            (isFuture(made)
              ? made
              : childFuture(made, "forEachConcurrent(): the value fn returned")) as Future<unknown>,
          );
        }
        const out = set.pollNext(cx);
        if (out === PENDING) return PENDING;
        if (out === END) {
          if (this.ended) {
            this.done = true;
            return undefined;
          }
          if (upPending) return PENDING;
        }
      }
    } catch (e) {
      this.cancel();
      throw e;
    }
  }

  override cancel(): void {
    if (this.done) return;
    this.done = true;
    this.ended = true;
    this.set.cancelAll();
    try {
      this.stream.cancel?.();
    } catch (e) {
      reportDropped(e, "forEachConcurrent(): cancelling the stream threw");
    }
  }

  override describe(): string {
    return `${describeFuture(this.stream)}.forEachConcurrent(${this.set.size} in flight)`;
  }
}
