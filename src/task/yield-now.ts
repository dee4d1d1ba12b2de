import { current, outsideRuntime } from "../future/current.js";
import { FutureBase } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";

class YieldNow extends FutureBase<void> {
  private yielded = false;
  poll(cx: Context): Poll<void> {
    if (this.yielded) return;
    this.yielded = true;
    cx.waker.wake();
    return PENDING;
  }
  override describe(): string {
    return "yieldNow()";
  }
}

/**
 * Suspend the current task once and put it at the back of the run queue, letting every other
 * runnable task poll first. Node's timers and IO get their turn every `eventInterval` task polls.
 *
 * Cost: one task poll round trip through the run queue (no microtask, no timer).
 *
 * @example
 * for (let i = 0; i < 1_000; i++) {
 *   step(i);
 *   yield* yieldNow();
 * }
 */
export function yieldNow(): FutureBase<void> {
  if (current.runtime === null) throw outsideRuntime("yieldNow()");
  return new YieldNow();
}
