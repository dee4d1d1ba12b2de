/**
 * `JoinSet.joinAll()`: wait for every task of a set (Tokio's `JoinSet::join_all`).
 *
 * Tokio's `join_all` takes the set by value, so a failure or a cancellation drops the set and
 * aborts what is left. JavaScript cannot move the set into the future, so the future takes it
 * over instead: on the first failure, or when the future is cancelled, it disposes of the set
 * (aborting the remaining tasks), which is what dropping it does in Rust.
 */
import { FutureBase } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import type { JoinSet } from "./join-set.js";
import { OK } from "./task.js";

/**
 * The future returned by `JoinSet.joinAll()`: every output in completion order; throws the first
 * `JoinError` after aborting the remaining tasks.
 *
 * Cost: one array of outputs; O(1) per finished task.
 *
 * @example
 * const all: JoinSetJoinAll<number> = set.joinAll();
 */
export class JoinSetJoinAll<T> extends FutureBase<T[]> {
  private readonly out: T[] = [];
  private done = false;

  constructor(private readonly set: JoinSet<T>) {
    super();
  }

  poll(cx: Context): Poll<T[]> {
    if (this.done) {
      throw new Error("a JoinSet.joinAll() future was polled after it completed; call joinAll() again.");
    }
    const set = this.set;
    set.q.waker = cx.waker;
    for (let task = set.popFinished(); task !== null; task = set.popFinished()) {
      if (task.outcome === OK) {
        this.out.push(task.result as T);
        continue;
      }
      this.done = true;
      set[Symbol.dispose]();
      throw task.joinError();
    }
    if (set.size !== 0) return PENDING;
    this.done = true;
    return this.out;
  }

  /** Dropped before every task finished: abort the rest, as dropping the set does in Tokio. */
  override cancel(): void {
    if (this.done) return;
    this.done = true;
    this.set[Symbol.dispose]();
  }

  override describe(): string {
    return `JoinSet.joinAll() (${this.set.size} tasks left)`;
  }
}
