/** Small leaf futures used across tests. */
import { type Context, FutureBase, PENDING, type Poll, type Waker } from "../src/future/index.js";
import { pollProceed } from "../src/task/coop.js";

/** A future completed by hand from outside: `fire(value)`. Records polls and cancellation. */
export class Trigger<T> extends FutureBase<T> {
  polls = 0;
  cancelled = false;
  private waker: Waker | null = null;
  private done = false;
  private value: T | undefined;

  poll(cx: Context): Poll<T> {
    this.polls++;
    if (this.done) return this.value as T;
    this.waker = cx.waker;
    return PENDING;
  }

  override cancel(): void {
    this.cancelled = true;
    this.waker = null;
  }

  fire(value: T): void {
    this.done = true;
    this.value = value;
    const w = this.waker;
    this.waker = null;
    w?.wake();
  }

  get waiting(): boolean {
    return this.waker !== null;
  }

  override describe(): string {
    return "Trigger";
  }
}

/** A resource that is always ready but spends coop budget, like a channel that is never empty. */
export class AlwaysReady extends FutureBase<number> {
  poll(cx: Context): Poll<number> {
    if (!pollProceed(cx)) return PENDING;
    return 1;
  }
}
