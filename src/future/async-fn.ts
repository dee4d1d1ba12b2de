/**
 * `asyncFn` and `AsyncFnFuture`: a generator driven as a future, on the trampolined frame stack of
 * `frames.ts`. An AsyncFnFuture is used in one of three ways:
 * - awaited with `yield*` from another generator: it runs inline and, if it suspends, hands its
 *   generator to the enclosing driver (state INLINE);
 * - polled as a future by a combinator (state DRIVING): it drives its own frame stack;
 * - spawned: the task takes its generator (`takeGenerator`) and drives the frames itself.
 */
import { current } from "./current.js";
import { FrameDriver, type Gen, NO_ERROR } from "./frames.js";
import type { Suspend } from "./future.js";
import { type Context, PENDING, type Poll } from "./poll.js";

const UNSTARTED = 0;
/** Its frames were handed to an enclosing driver; its `next(value)` now completes the `yield*`. */
const INLINE = 1;
/** Polled as a future; it owns its frame stack. */
const DRIVING = 2;
const CANCELLING = 3;
const DONE = 4;

const noopContext: Context = { waker: { wake() {} } };

/**
 * A future that drives a generator. Made by the functions {@link asyncFn} returns, and by `spawn`,
 * `run` and the combinators when they are handed a generator object or generator function.
 */
export class AsyncFnFuture<T> extends FrameDriver<T> {
  constructor(generator: Gen) {
    super(generator, UNSTARTED);
  }

  /** Lifecycle state, kept in the low bits of `bits`. */
  private get state(): number {
    return this.bits & 7;
  }

  private set state(state: number) {
    this.bits = (this.bits & ~7) | state;
  }

  /**
   * @internal a task adopts the unstarted generator and drives it itself (one object less).
   * Throws if the future already started: it has an owner, and two would share one waker.
   */
  takeGenerator(): Gen {
    if (this.state !== UNSTARTED) throw misuse(this.state);
    this.state = DONE;
    const gen = this.top!;
    this.top = null;
    return gen;
  }

  poll(cx: Context): Poll<T> {
    if (this.state !== DRIVING) {
      if (this.state !== UNSTARTED) throw misuse(this.state);
      this.state = DRIVING;
    }
    const prev = current.cx;
    current.cx = cx;
    try {
      const out = this.driveFrames();
      if (out !== PENDING) this.state = DONE;
      return out as Poll<T>;
    } catch (error) {
      this.state = DONE;
      throw error;
    } finally {
      current.cx = prev;
    }
  }

  /**
   * Drive cancellation to completion: `return()` on every frame, top-down, running `finally` blocks,
   * including ones that `yield*`. Returns true when done; throws the first error a `finally` threw.
   */
  pollCancel(cx: Context): boolean {
    if (this.state !== CANCELLING) {
      if (this.state !== DRIVING || this.beginUnwind()) {
        this.state = DONE;
        return true;
      }
      this.state = CANCELLING;
    }
    const prev = current.cx;
    current.cx = cx;
    let out: unknown;
    try {
      out = this.driveFrames();
    } catch (error) {
      // Only reachable if a cleanup helper's error escapes every frame; treat it as a cleanup error.
      this.state = DONE;
      throw error;
    } finally {
      current.cx = prev;
    }
    if (out === PENDING) return false;
    this.state = DONE;
    const error = this.takeCleanupError();
    if (error !== NO_ERROR) throw error;
    return true;
  }

  /**
   * Synchronous drop. Cleanup that completes synchronously runs now; cleanup that awaits continues
   * on a detached task of the current runtime, so `finally` blocks always run to the end.
   */
  override cancel(): void {
    if (this.state !== DRIVING && this.state !== CANCELLING) {
      this.state = DONE;
      return;
    }
    let finished: boolean;
    try {
      finished = this.pollCancel(current.cx ?? noopContext);
    } catch (error) {
      reportCleanupError(error);
      return;
    }
    if (finished) return;
    const rt = current.runtime;
    if (rt !== null) rt.spawnCleanup(this);
    else
      reportCleanupError(new Error("an async fn was cancelled outside a runtime and its `finally` awaits"));
  }

  override describe(): string {
    return `async fn (${this.depth} frames)`;
  }

  // --- iterator protocol: this future awaited with `yield*` from another generator ---

  override next(value?: unknown): IteratorResult<unknown, T> {
    const s = this.state;
    if (s === UNSTARTED) {
      const gen = this.top!;
      let r: IteratorResult<unknown, unknown>;
      try {
        r = gen.next();
      } catch (error) {
        this.state = DONE;
        this.top = null;
        throw error;
      }
      this.top = null;
      if (r.done === true) {
        this.state = DONE;
        return r as IteratorResult<unknown, T>;
      }
      // Suspended: the enclosing driver adopts this generator as a frame.
      current.frames.push(gen);
      this.state = INLINE;
      return r;
    }
    if (s === INLINE) {
      this.state = DONE;
      return { done: true, value: value as T };
    }
    // Polled as a future already (DRIVING): its owner polls it; a `yield*` here is a second owner.
    if (s === DRIVING) throw misuse(s);
    return super.next();
  }

  override return(value?: unknown): IteratorResult<unknown, T> {
    if (this.state === DRIVING || this.state === CANCELLING) return super.return(value);
    // Unstarted: nothing ran. Inline: the driver cancels our frames itself, top-down.
    this.state = DONE;
    this.top = null;
    return { done: true, value: value as T };
  }

  override throw(error: unknown): IteratorResult<unknown, T> {
    if (this.state === DRIVING) this.cancel();
    this.state = DONE;
    throw error;
  }
}

function misuse(state: number): Error {
  if (state === INLINE || state === DRIVING)
    return new Error(
      "this async fn future is already being awaited (by another task, or a join/select/timeout); a future " +
        "has one owner and keeps one waker. Call the async fn again for a second future, or spawn it once and " +
        "share its result through a watch or oneshot channel.",
    );
  return new Error(
    "an async fn future was polled after it completed, was cancelled or was spawned. A future is " +
      "single-use: call the async fn again to get a new one.",
  );
}

function reportCleanupError(error: unknown): void {
  const rt = current.runtime;
  if (rt !== null) rt.reportError(error, "a `finally` block of a cancelled async fn threw");
  else console.error("pollux: a `finally` block of a cancelled async fn threw:", error);
}

/** True when `fn` is a generator function (`function*`). */
export function isGeneratorFunction(fn: unknown): fn is (...args: unknown[]) => Gen {
  return typeof fn === "function" && fn.constructor?.name === "GeneratorFunction";
}

/**
 * Turn a generator function into an async fn: calling it returns a lazy {@link AsyncFnFuture}.
 * Nothing in the body runs until the future is polled (awaited with `yield*`, spawned or run).
 *
 * Define the generator function once, at module level: V8 starts a `function*` created afresh per
 * call (a closure in a loop) about 15x slower than one defined once.
 *
 * Cost: one generator and one small future object per call. Awaiting it when it completes without
 * suspending costs a nested function call; when it suspends, resuming it is O(1) at any depth.
 *
 * @example
 * const fetchUser = asyncFn(function* (id: number) {
 *   yield* sleep(10);
 *   return { id, name: "ada" };
 * });
 * const user = yield* fetchUser(1); // typed { id: number; name: string }
 */
export function asyncFn<A extends unknown[], T>(
  body: (...args: A) => Generator<Suspend, T, unknown>,
): (...args: A) => AsyncFnFuture<T> {
  if (!isGeneratorFunction(body)) {
    throw new TypeError(
      `asyncFn expects a generator function (function* (...) { ... }); got ${describeValue(body)}.`,
    );
  }
  return function (this: unknown) {
    // biome-ignore lint/complexity/noArguments: `arguments` with apply is not materialized by V8
    return new AsyncFnFuture<T>((body as (...a: unknown[]) => Gen).apply(this, arguments as never) as Gen);
  } as (...args: A) => AsyncFnFuture<T>;
}

/** Name a value in an error message. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "function") return `a plain function${value.name ? ` (${value.name})` : ""}`;
  if (typeof value === "object") {
    if (typeof (value as PromiseLike<unknown>).then === "function") return "a Promise";
    return `an object (${value.constructor?.name ?? "Object"})`;
  }
  return `${typeof value} ${String(value)}`;
}
