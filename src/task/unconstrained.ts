/**
 * `unconstrained(fut)`: poll a future with the cooperative budget turned off (Tokio's
 * `task::unconstrained`).
 *
 * How: the budget lives in one ambient slot (`current.budget`, see `task/coop.ts`) that the task's
 * poll resets to the runtime's budget. The wrapper saves that slot, sets it to the unconstrained
 * value for the duration of the inner poll (and of its async cleanup), and restores it afterwards,
 * so what the inner future spent never counts against the rest of the task and the rest of the
 * task keeps its own budget. Nothing outside the wrapper changes: tasks that never use it pay
 * nothing.
 */
import { current, UNCONSTRAINED_BUDGET } from "../future/current.js";
import { describeFuture, type Future, FutureBase } from "../future/future.js";
import { type IntoFuture, intoFuture } from "../future/into-future.js";
import type { Context, Poll } from "../future/poll.js";

/**
 * The future returned by {@link unconstrained}: polls its inner future with no cooperative budget.
 *
 * Cost: one object; per poll, two writes of the ambient budget.
 *
 * @example
 * const total: Unconstrained<number> = unconstrained(sumAll(rx));
 */
export class Unconstrained<T> extends FutureBase<T> {
  private readonly inner: Future<T>;

  /** @internal use {@link unconstrained}. */
  constructor(inner: Future<T>) {
    super();
    this.inner = inner;
  }

  poll(cx: Context): Poll<T> {
    const saved = current.budget;
    current.budget = UNCONSTRAINED_BUDGET;
    try {
      return this.inner.poll(cx);
    } finally {
      current.budget = saved;
    }
  }

  /** Async cleanup of the inner future, unconstrained too. */
  pollCancel(cx: Context): boolean {
    const inner = this.inner;
    if (inner.pollCancel === undefined) {
      inner.cancel?.();
      return true;
    }
    const saved = current.budget;
    current.budget = UNCONSTRAINED_BUDGET;
    try {
      return inner.pollCancel(cx);
    } finally {
      current.budget = saved;
    }
  }

  override cancel(): void {
    this.inner.cancel?.();
  }

  override describe(): string {
    return `unconstrained(${describeFuture(this.inner)})`;
  }
}

/**
 * Run `future` with the cooperative budget turned off: the resources it awaits (channels, join
 * handles, semaphores...) never return PENDING just because the task has used up its 128 units, so
 * a loop over always-ready data runs to the end in one poll. Tokio's `task::unconstrained`.
 *
 * **Dangerous.** The budget is what keeps a busy task from starving every other task, Node's
 * timers and its IO: inside `unconstrained`, a task whose data is always ready (a channel that is
 * never empty, a stream of already-buffered chunks) holds the thread until that data runs out, or
 * forever. Use it only for short bursts you have measured, where the extra trips through the run
 * queue cost more than the latency they protect (draining a bounded backlog, a benchmark), and
 * never around a loop whose length a peer controls. `yieldNow()` inside still yields: only the
 * budget is lifted.
 *
 * Cancel safety: the same as `future`'s; cancelling the wrapper cancels `future` (its async cleanup
 * runs unconstrained too).
 *
 * Cost: one wrapper object; two writes per poll. Futures outside the wrapper pay nothing.
 *
 * @example
 * // Drain a bounded backlog without 128-message slices through the run queue.
 * function* drain(rx: mpsc.Receiver<Job>, n: number) {
 *   for (let i = 0; i < n; i++) handle(yield* rx.recv());
 * }
 * yield* unconstrained(drain(rx, backlog));
 */
export function unconstrained<T>(future: IntoFuture<T>): Unconstrained<T> {
  return new Unconstrained(intoFuture(future, "unconstrained"));
}
