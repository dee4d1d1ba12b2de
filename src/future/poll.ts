/**
 * The poll vocabulary shared by every future: the `PENDING` sentinel, `Poll<T>`, `Waker` and `Context`.
 *
 * `PENDING` is a unique symbol rather than a `{ ready, value }` wrapper so that a poll allocates
 * nothing: a future either returns its output directly or returns `PENDING`.
 */

/**
 * Returned by `poll` when the future cannot complete yet. Before returning it, a future must have
 * arranged for `cx.waker.wake()` to be called when it can make progress, or the task sleeps forever.
 *
 * @example
 * if (this.queue.length === 0) { this.waker = cx.waker; return PENDING; }
 */
export const PENDING: unique symbol = Symbol("pollux.PENDING");

/** The result of polling a future: its output, or {@link PENDING}. */
export type Poll<T> = T | typeof PENDING;

/**
 * Tells an executor to poll a task again. In pollux the task object is its own waker, so storing
 * and calling a waker allocates nothing. Waking a task that is already scheduled is a no-op.
 */
export interface Waker {
  wake(): void;
}

/** What a future is polled with: the waker of the task (or of a combinator's child slot). */
export interface Context {
  readonly waker: Waker;
}
