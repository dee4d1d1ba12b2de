/**
 * Bridges between pollux futures and JavaScript promises.
 *
 * `fromPromise` is lazy, like every future: the promise is created at the first poll, not when
 * the future is built, because a promise starts its work when created. While it is pending it
 * counts as a wake source of the runtime, so a task waiting on it is not reported as deadlocked.
 */

import { describeValue } from "./async-fn.js";
import { type AmbientRuntime, current } from "./current.js";
import { FutureBase } from "./future.js";
import { type Context, PENDING, type Poll, type Waker } from "./poll.js";

const INIT = 0;
const WAITING = 1;
const FULFILLED = 2;
const REJECTED = 3;
const DROPPED = 4;

/** A future over a promise made on first poll. */
export class PromiseFuture<T> extends FutureBase<T> {
  private state = INIT;
  private value: unknown = undefined;
  private waker: Waker | null = null;
  private runtime: AmbientRuntime | null = null;

  constructor(private readonly factory: () => PromiseLike<T> | T) {
    super();
  }

  poll(cx: Context): Poll<T> {
    if (this.state === INIT) this.start();
    switch (this.state) {
      case WAITING:
        this.waker = cx.waker;
        return PENDING;
      case FULFILLED:
        return this.value as T;
      case REJECTED:
        throw this.value;
      default:
        throw new Error("fromPromise future polled after it was cancelled");
    }
  }

  private start(): void {
    const p = this.factory();
    if (p === null || typeof (p as PromiseLike<T>)?.then !== "function") {
      // A plain value: ready at once. (Async functions always return promises.)
      this.state = FULFILLED;
      this.value = p;
      return;
    }
    this.state = WAITING;
    try {
      (p as PromiseLike<T>).then(
        (v) => this.settle(FULFILLED, v),
        (e) => this.settle(REJECTED, e),
      );
    } catch (error) {
      // A hostile thenable: its `then` threw. That is the awaiter's error, not a pending source.
      if (this.state === WAITING) {
        this.state = REJECTED;
        this.value = error;
      }
      return;
    }
    // Counted only once `then` has returned (a thenable may settle synchronously inside it).
    if (this.state !== WAITING) return;
    const rt = current.runtime;
    this.runtime = rt;
    if (rt !== null) rt.sources++;
  }

  private settle(state: number, value: unknown): void {
    if (this.state !== WAITING) return;
    this.state = state;
    this.value = value;
    const rt = this.runtime;
    if (rt !== null) rt.sources--;
    const w = this.waker;
    this.waker = null;
    // In a promise callback an exception would become an unhandled rejection: contain it.
    if (w !== null) {
      if (rt !== null) rt.wakeGuarded(w);
      else w.wake();
    }
  }

  override cancel(): void {
    if (this.state === WAITING && this.runtime !== null) this.runtime.sources--;
    if (this.state === WAITING || this.state === INIT) this.state = DROPPED;
    this.waker = null;
  }

  override describe(): string {
    return "fromPromise(...)";
  }
}

/**
 * Await a promise from a task. Takes a function that makes the promise, so the future stays lazy:
 * nothing starts until the future is polled. A rejection is thrown into the awaiting generator.
 * Cancelling the future cannot stop the promise's work; its result is ignored.
 *
 * @example
 * const res = yield* fromPromise(() => fetch(url));
 * const body = yield* fromPromise(() => res.text());
 */
export function fromPromise<T>(make: () => PromiseLike<T> | T): PromiseFuture<T> {
  if (typeof make !== "function") {
    throw new TypeError(
      `fromPromise expects a function that returns a promise, e.g. fromPromise(() => fetch(url)); got ${describeValue(make)}.`,
    );
  }
  return new PromiseFuture(make);
}
