/**
 * The `Future` contract and `FutureBase`, the class every pollux future extends.
 *
 * How `yield* fut` works: a future is its own iterator. When a generator evaluates `yield* fut`,
 * V8 calls `fut.next()`, which polls the future with the current task's context. A ready future
 * returns `{ done: true, value }`, so `yield*` completes without suspending the generator: no
 * run-queue trip, no microtask. A pending future returns the shared `SUSPEND` result; V8 passes that
 * object through every enclosing `yield*` unchanged, up to the driver (`future/async-fn.ts`), which
 * ends the task's poll. When the task is woken, the driver resumes the generator, V8 calls
 * `fut.next()` again and the future is polled again.
 *
 * `return()` is how cancellation reaches the future being awaited: the driver calls
 * `generator.return()`, V8 forwards it to `fut.return()`, and the future releases its registrations
 * (`cancel()`), or, for futures with async cleanup (`pollCancel`), reports that cleanup is still
 * running so the driver calls `return()` again when woken.
 *
 * V8 detail that shapes this file: `[Symbol.iterator]` must live on a class prototype; an object
 * literal with a computed iterator key made `yield*` about 16x slower.
 */
import { current } from "./current.js";
import { type Context, PENDING, type Poll } from "./poll.js";

// The disposable protocol, declared here so pollux's declarations never depend on the consumer's
// `lib`: guards, receivers and handles have `[Symbol.dispose]()`, which needs `Symbol.dispose`
// and (for `using`) the global `Disposable` type. These are the exact declarations of TypeScript's
// lib.esnext.disposable (and of @types/node), so they merge with either when present. Every
// public module imports this file, so the declarations come with any `pollux/*` import.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
  interface Disposable {
    [Symbol.dispose](): void;
  }
}

/**
 * A lazy computation that produces a `T`. Nothing happens until an executor calls `poll`.
 *
 * - `poll(cx)` returns the output, or `PENDING` after arranging for `cx.waker.wake()` to be called.
 *   It may throw: the error goes to whoever awaits the future.
 * - `cancel()` is the "drop" of Rust: the owner abandons the future before it is ready, and the
 *   future releases its wakers, timers and other registrations.
 * - `[Symbol.iterator]` makes `yield* fut` evaluate to `T` inside a generator.
 *
 * Extend {@link FutureBase} rather than implementing this by hand.
 */
export interface Future<T> {
  poll(cx: Context): Poll<T>;
  cancel?(): void;
  /**
   * Async cancellation: drive cleanup (for example `finally` blocks that `yield*`) to completion.
   * Returns true once cleanup is finished; returns false after arranging a wake, like `poll`.
   * May throw the error raised by the cleanup. Owners prefer it to `cancel()` when present.
   */
  pollCancel?(cx: Context): boolean;
  [Symbol.iterator](): Iterator<Suspend, T, unknown>;
}

/** Brand of {@link Suspend}; declared only, so no value of the type can be written by hand. */
declare const suspendBrand: unique symbol;

/**
 * The type of what an async fn's generator yields: the opaque "this task is suspended" marker that
 * `yield* fut` passes up to the driver. No value a user can write has this type, so a bare
 * `yield fut` or `yield value` (the forgotten star) is a compile-time error in a generator typed
 * {@link Async}, and a generator that contains one is not accepted by `asyncFn`, `spawn` or `run`.
 *
 * @example
 * function* bad(): Async<number> {
 *   yield sleep(10); // error: Type 'Sleep' is not assignable to type 'Suspend'
 *   return 1;
 * }
 */
export interface Suspend {
  readonly [suspendBrand]: true;
}

/**
 * The type of an async fn body: a generator whose `return` value is the output and whose only
 * yields are `yield*` of futures (see {@link Suspend}). Annotate recursive async fns with it.
 *
 * @example
 * function* countdown(n: number): Async<void> {
 *   if (n > 0) yield* countdown(n - 1);
 * }
 */
export type Async<T> = Generator<Suspend, T, unknown>;

/** The output type of a future. */
export type Output<F> = F extends Future<infer T> ? T : never;

/**
 * Shared result for "ready": `yield*` reads `done` and `value` immediately and never keeps the
 * object, so one mutable object serves every await (saves an allocation per await). Its `value`
 * keeps the last output reachable until the next await; that is one reference, not a leak.
 */
const READY: { done: true; value: unknown } = { done: true, value: undefined };

/** Shared result for "this generator is suspended": allocation-free, passed through by `yield*`. */
export const SUSPEND: IteratorYieldResult<unknown> = Object.freeze({ done: false, value: PENDING }) as never;

function notInTask(): Error {
  return new Error(
    "a future was awaited with `yield*` outside a pollux task. Generators that await futures must be " +
      "driven by the runtime: pass them to run(), spawn() or asyncFn(), not iterated by hand.",
  );
}

/**
 * Base class for futures. Implement `poll(cx)` (and `cancel()` when the future registers anything);
 * the base class supplies the iterator protocol that makes `yield* fut` work and typed.
 *
 * @example
 * class Flag extends FutureBase<void> {
 *   set = false;
 *   private waker: Waker | null = null;
 *   poll(cx: Context): Poll<void> {
 *     if (this.set) return;
 *     this.waker = cx.waker;
 *     return PENDING;
 *   }
 *   override cancel() { this.waker = null; }
 *   raise() { this.set = true; this.waker?.wake(); }
 * }
 */
export abstract class FutureBase<T> implements Future<T> {
  abstract poll(cx: Context): Poll<T>;

  /** Release registrations; called when the owner abandons the future. Default: nothing to release. */
  cancel(): void {}

  /** A short description for deadlock reports and the console; defaults to the class name. */
  describe(): string {
    return this.constructor.name;
  }

  [Symbol.iterator](): Iterator<Suspend, T, unknown> {
    return this as unknown as Iterator<Suspend, T, unknown>;
  }

  /** @internal iterator protocol: poll with the running task's context. */
  next(): IteratorResult<unknown, T> {
    const cx = current.cx;
    if (cx === null) throw notInTask();
    const out = this.poll(cx);
    if (out === PENDING) {
      current.lastPending = this;
      current.returnPending = false;
      return SUSPEND;
    }
    READY.value = out;
    return READY as IteratorReturnResult<T>;
  }

  /** @internal iterator protocol: the awaiting generator is being cancelled. */
  return(value?: unknown): IteratorResult<unknown, T> {
    const self = this as Future<T>;
    if (self.pollCancel !== undefined) {
      const cx = current.cx;
      if (cx === null) throw notInTask();
      if (!self.pollCancel(cx)) {
        current.lastPending = this;
        current.returnPending = true;
        return SUSPEND;
      }
    } else {
      this.cancel();
    }
    return { done: true, value: value as T };
  }

  /** @internal iterator protocol: an error is thrown into the awaiting generator. */
  throw(error: unknown): IteratorResult<unknown, T> {
    this.cancel();
    throw error;
  }
}

/**
 * True when `value` implements the `Future` contract.
 *
 * @example
 * isFuture(ready(1)); // true
 * isFuture(Promise.resolve(1)); // false
 */
export function isFuture(value: unknown): value is Future<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Future<unknown>).poll === "function" &&
    typeof (value as Future<unknown>)[Symbol.iterator] === "function"
  );
}

/** Describe what a task is waiting on, for deadlock reports. */
export function describeFuture(value: unknown): string {
  if (value === null || value === undefined) return "nothing (not yet polled)";
  const d = (value as { describe?: () => string }).describe;
  if (typeof d === "function") return d.call(value);
  return (value as object).constructor?.name ?? String(value);
}
