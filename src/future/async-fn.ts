/**
 * `asyncFn` and `AsyncFnFuture`: generators driven as futures, on a frame stack (trampolining).
 *
 * Why a frame stack: V8 resumes a generator suspended inside N nested `yield*` delegations by
 * walking all N levels, so resume cost grows with async-fn nesting depth. Instead, an async fn
 * that suspends hands its generator to the driver that is polling it, and the driver resumes the
 * innermost generator directly. Resume cost is O(1) whatever the depth.
 *
 * How it fits together:
 * - `yield* child` where `child` is an unstarted `AsyncFnFuture`: `child.next()` runs the child's
 *   generator inline (a plain nested call). If the child finishes without suspending, its result is
 *   returned at once: no frame, no allocation beyond V8's own result object. If it suspends, the
 *   child pushes its generator onto `current.frames` and passes `SUSPEND` up.
 * - The driver (`AsyncFnFuture.poll`, used for a task's root future or a combinator's child) moves
 *   the recorded frames onto its stack, innermost on top. From then on it resumes the top frame
 *   directly. When a frame finishes, the driver pops it and resumes the frame below with its value
 *   (`next(value)`) or its error (`throw(error)`); the parent's `yield*` is still delegating to the
 *   child's `AsyncFnFuture`, whose `next(value)` now simply completes with that value.
 * - Cancellation walks the stack top-down, calling `return()` on each frame so every `finally`
 *   runs. A `finally` may itself `yield*`: the driver keeps driving it (`next()`), or keeps calling
 *   `return()` while an awaited combinator reports its own cleanup in progress (`returnPending`).
 *   Async fns a `finally` calls are ordinary frames pushed above the frame being cancelled.
 */
import { current } from "../runtime/current.js";
import { describeFuture, FutureBase, isFuture, SUSPEND } from "./future.js";
import { type Context, PENDING, type Poll } from "./poll.js";

type Gen = Generator<unknown, unknown, unknown>;

// Lifecycle of an AsyncFnFuture.
const UNSTARTED = 0;
/** Its frames were handed to an enclosing driver; its `next(value)` now completes the `yield*`. */
const INLINE = 1;
/** Polled as a future; it owns its frame stack. */
const DRIVING = 2;
const CANCELLING = 3;
const DONE = 4;

// How the driver resumes the top frame.
const NEXT = 0;
const THROW = 1;
const RETURN = 2;

const CANCELLED: unique symbol = Symbol("pollux.cancelled");
const NO_ERROR: unique symbol = Symbol("pollux.noError");

const noopWaker = { wake() {} };
const noopContext: Context = { waker: noopWaker };

/**
 * A future that drives a generator. Made by the functions {@link asyncFn} returns, and by `spawn`,
 * `run` and the combinators when they are handed a generator object or generator function.
 */
export class AsyncFnFuture<T> extends FutureBase<T> {
  /** The frame being executed; null once the stack is empty. */
  private top: Gen | null;
  /** Frames under `top`, bottom first; allocated only when an async fn suspends while nested. */
  private below: Gen[] | null = null;
  private state = UNSTARTED;
  private mode = NEXT;
  private arg: unknown = undefined;
  /** Index of the frame currently receiving `return()`; frames above it are cleanup helpers. */
  private cancelIdx = -1;
  private cleanupError: unknown = NO_ERROR;

  constructor(generator: Gen) {
    super();
    this.top = generator;
  }

  /** Number of generator frames currently on this future's stack. */
  get depth(): number {
    if (this.top === null) return 0;
    return this.below === null ? 1 : this.below.length + 1;
  }

  poll(cx: Context): Poll<T> {
    if (this.state !== DRIVING) {
      if (this.state !== UNSTARTED) throw misuse(this.state);
      this.state = DRIVING;
    }
    const prev = current.cx;
    current.cx = cx;
    try {
      return this.drive() as Poll<T>;
    } finally {
      current.cx = prev;
    }
  }

  /**
   * Drive cancellation to completion: `return()` on every frame, top-down, running `finally` blocks,
   * including ones that `yield*`. Returns true when done; throws the first error a `finally` threw.
   */
  pollCancel(cx: Context): boolean {
    if (this.state !== CANCELLING && this.beginCancel()) return true;
    const prev = current.cx;
    current.cx = cx;
    let out: unknown;
    try {
      out = this.drive();
    } finally {
      current.cx = prev;
    }
    if (out === PENDING) return false;
    if (this.cleanupError !== NO_ERROR) {
      const error = this.cleanupError;
      this.cleanupError = NO_ERROR;
      throw error;
    }
    return true;
  }

  /**
   * Synchronous drop. Cleanup that completes synchronously runs now; cleanup that awaits continues
   * on a detached task of the current runtime, so `finally` blocks always run to the end.
   */
  override cancel(): void {
    if (this.beginCancel()) return;
    const cx = current.cx ?? noopContext;
    let finished: boolean;
    try {
      finished = this.pollCancel(cx);
    } catch (error) {
      reportCleanupError(error);
      return;
    }
    if (finished) return;
    const rt = current.runtime;
    if (rt !== null) rt.spawnCleanup(this);
    else reportCleanupError(new Error("an async fn was cancelled outside a runtime and its `finally` awaits"));
  }

  /** @returns true when there is nothing to clean up. */
  private beginCancel(): boolean {
    if (this.state === DRIVING && this.top !== null) {
      this.state = CANCELLING;
      this.cancelIdx = this.depth - 1;
      this.mode = RETURN;
      this.arg = undefined;
      return false;
    }
    if (this.state !== CANCELLING) this.state = DONE;
    return this.state === DONE;
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
      if (r.done === true) {
        this.state = DONE;
        this.top = null;
        return r as IteratorResult<unknown, T>;
      }
      // Suspended: the enclosing driver adopts this generator as a frame.
      current.frames.push(gen);
      this.state = INLINE;
      this.top = null;
      return r;
    }
    if (s === INLINE) {
      this.state = DONE;
      return { done: true, value: value as T };
    }
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

  // --- the driver ---

  /** Resume frames until the stack empties (output), a frame suspends (PENDING) or an error escapes. */
  private drive(): unknown {
    const frames = current.frames;
    let mode = this.mode;
    let arg = this.arg;
    this.arg = undefined;
    for (;;) {
      const gen = this.top!;
      const base = frames.length;
      let r: IteratorResult<unknown, unknown>;
      let threw = false;
      try {
        r = mode === NEXT ? gen.next(arg) : mode === THROW ? gen.throw(arg) : gen.return(arg);
      } catch (error) {
        frames.length = base;
        threw = true;
        arg = error;
        r = SUSPEND;
      }
      if (!threw && r.done !== true) {
        // Suspended. Adopt frames of async fns that started inline and suspended: innermost on top.
        if (frames.length > base) {
          for (let i = frames.length - 1; i >= base; i--) this.push(frames[i]!);
          frames.length = base;
        }
        if (r !== SUSPEND) {
          mode = THROW;
          arg = yieldedValueError(r.value);
          continue;
        }
        this.mode = current.returnPending && this.depth - 1 === this.cancelIdx ? RETURN : NEXT;
        return PENDING;
      }
      // The top frame finished, by returning (r.value) or throwing (arg).
      const value = threw ? arg : r.value;
      if (this.depth - 1 === this.cancelIdx) {
        // A frame being cancelled finished its cleanup; cancel the frame below it next.
        if (threw && this.cleanupError === NO_ERROR) this.cleanupError = value;
        this.pop();
        this.cancelIdx--;
        if (this.top === null) {
          this.state = DONE;
          return CANCELLED;
        }
        mode = RETURN;
        arg = undefined;
        continue;
      }
      this.pop();
      if (this.top === null) {
        this.state = DONE;
        if (threw) throw value;
        return value;
      }
      mode = threw ? THROW : NEXT;
      arg = value;
    }
  }

  private push(gen: Gen): void {
    if (this.below === null) this.below = [];
    this.below.push(this.top!);
    this.top = gen;
  }

  private pop(): void {
    const below = this.below;
    this.top = below === null || below.length === 0 ? null : below.pop()!;
  }
}

function misuse(state: number): Error {
  if (state === INLINE) return new Error("this async fn future is already being awaited by another task or future");
  return new Error(
    "an async fn future was polled after it completed or was cancelled. A future is single-use: " +
      "call the async fn again to get a new one.",
  );
}

function yieldedValueError(value: unknown): TypeError {
  if (value !== null && typeof (value as PromiseLike<unknown>)?.then === "function") {
    return new TypeError(
      "a task's generator yielded a Promise. pollux never awaits promises implicitly: use " +
        "`yield* fromPromise(() => promise)`.",
    );
  }
  if (isFuture(value)) {
    return new TypeError(
      `a task's generator yielded a future (${describeFuture(value)}) with \`yield\`; await it with \`yield*\` (note the star).`,
    );
  }
  return new TypeError(
    `a task's generator yielded ${typeof value === "string" ? JSON.stringify(value) : String(value)}; inside pollux ` +
      "tasks, await futures with `yield* future` and never `yield` a value.",
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
  body: (...args: A) => Generator<unknown, T, unknown>,
): (...args: A) => AsyncFnFuture<T> {
  if (!isGeneratorFunction(body)) {
    throw new TypeError(
      `asyncFn expects a generator function (function* (...) { ... }); got ${describeValue(body)}.`,
    );
  }
  return function (this: unknown) {
    // biome-ignore lint/complexity/noArguments: `arguments` with apply is not materialized by V8
    return new AsyncFnFuture<T>((body as (...a: unknown[]) => Gen).apply(this, arguments as never) as never);
  } as (...args: A) => AsyncFnFuture<T>;
}

/** Name a value in an error message. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "function") return `a plain function${value.name ? ` (${value.name})` : ""}`;
  if (typeof value === "object") {
    if (typeof (value as PromiseLike<unknown>).then === "function") return "a Promise";
    return `an object (${value.constructor?.name ?? "Object"})`;
  }
  return `${typeof value} ${String(value)}`;
}
