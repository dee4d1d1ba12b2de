/**
 * Cooperative budget for IO futures (Tokio's `coop` as applied by its IO resources).
 *
 * A reader that is always ready (an in-memory buffer, a file at full speed) would let a
 * `copy` loop run forever without returning PENDING. So IO futures spend one unit of the task's
 * budget each time a `pollRead`/`pollWrite` makes progress. They check BEFORE polling the resource
 * and spend AFTER it made progress: a poll that finds nothing ready spends nothing (Tokio refunds
 * unused budget the same way), and bytes taken from a resource are never held back.
 */
import type { Context } from "../future/poll.js";
import { pollProceed, remainingBudget } from "../task/coop.js";

/**
 * True when the task may make progress now. When false, the budget is spent and the task was
 * woken (it goes to the back of the run queue): return PENDING without touching the resource.
 */
export function budgetLeft(cx: Context): boolean {
  return remainingBudget() > 0 || pollProceed(cx);
}

/** Spend one unit after progress was made (the check above guaranteed there is one). */
export function spend(cx: Context): void {
  pollProceed(cx);
}
