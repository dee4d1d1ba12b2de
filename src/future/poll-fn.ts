import { FutureBase } from "./future.js";
import type { Context, Poll } from "./poll.js";

/** A future whose `poll` is the given function. */
export class PollFn<T> extends FutureBase<T> {
  constructor(private readonly fn: (cx: Context) => Poll<T>) {
    super();
  }
  poll(cx: Context): Poll<T> {
    return this.fn(cx);
  }
}

/**
 * Build a future from a poll function: the closure keeps whatever state it needs. The function must
 * return `PENDING` only after arranging for `cx.waker.wake()` to be called.
 *
 * @example
 * let polls = 0;
 * const twice = pollFn((cx) => {
 *   if (++polls === 2) return "done";
 *   cx.waker.wake(); // poll me again
 *   return PENDING;
 * });
 */
export function pollFn<T>(fn: (cx: Context) => Poll<T>): PollFn<T> {
  if (typeof fn !== "function")
    throw new TypeError(`pollFn expects a function (cx) => Poll<T>; got ${typeof fn}.`);
  return new PollFn(fn);
}
