/**
 * Cooperative scheduling budget (Tokio's `task::coop`).
 *
 * A task that always finds its data ready (a channel that is never empty) would never return
 * PENDING and would starve every other task and Node's own timers and IO. So each task poll starts
 * with a budget (128 units by default); leaf futures that represent resources spend one unit each
 * time they are ready. When the budget is spent, they return PENDING and wake the task, which goes
 * to the back of the run queue. Pure computation (`ready()`, async fn calls) spends nothing.
 */

import { current } from "../future/current.js";
import { FutureBase } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";

/**
 * For leaf future authors: spend one unit of the task's budget. Returns false when the budget is
 * exhausted, after waking the task; the future must then return PENDING without making progress.
 *
 * @example
 * poll(cx: Context): Poll<T> {
 *   if (!pollProceed(cx)) return PENDING;
 *   if (this.queue.length > 0) return this.queue.shift()!;
 *   this.waker = cx.waker;
 *   return PENDING;
 * }
 */
export function pollProceed(cx: Context): boolean {
  if (current.budget > 0) {
    current.budget--;
    return true;
  }
  const rt = current.runtime;
  if (rt !== null) rt.counters.budgetYields++;
  cx.waker.wake();
  return false;
}

/** Units left in the running task's budget; outside a task poll, `UNCONSTRAINED_BUDGET` (2^30). */
export function remainingBudget(): number {
  return current.budget;
}

class ConsumeBudget extends FutureBase<void> {
  poll(cx: Context): Poll<void> {
    return pollProceed(cx) ? undefined : PENDING;
  }
}

/**
 * Spend one unit of budget, yielding to other tasks only when the budget is exhausted. Put it in
 * long CPU-bound loops that never await anything that could suspend: cheaper than `yieldNow()`.
 *
 * @example
 * for (const item of hugeArray) {
 *   process(item);
 *   yield* consumeBudget();
 * }
 */
export function consumeBudget(): FutureBase<void> {
  return new ConsumeBudget();
}
