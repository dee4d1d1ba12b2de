/**
 * `timeout`, `timeoutAt`, the `Timeout` future and the `Elapsed` error.
 *
 * A Timeout is itself the timer entry (it extends `TimerEntry`), so timing out an operation costs
 * one object, not a wrapper plus a Sleep. Each poll polls the inner future first, so an inner
 * future that is ready always wins, even if the deadline has also passed; only then the deadline.
 * If the inner future completes before its first suspension, the timer is never registered: the
 * common "fast path finished in time" case never touches the wheel.
 *
 * On expiry the inner future is cancelled before `Elapsed` is thrown: its `finally` blocks run,
 * including ones that await (the Timeout drives that cleanup to completion first).
 */
import { type Future, FutureBase, isFuture } from "../future/future.js";
import { type IntoFuture, intoFuture } from "../future/into-future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { ready } from "../future/ready.js";
import { select } from "../future/select.js";
import { anchorWork, pollReady } from "../runtime/map-anchors.js";
import { currentDriver, type TimeDriver } from "./driver.js";
import { checkDuration } from "./duration.js";
import { TimerEntry } from "./entry.js";
import { Instant, tickAt } from "./instant.js";
import { sleep } from "./sleep.js";

/**
 * Thrown by {@link timeout} and {@link timeoutAt} when the deadline passes before the inner future
 * completes. By then the inner future has been cancelled and its `finally` blocks have run.
 *
 * @example
 * try {
 *   const body = yield* timeout(5_000, download(url));
 * } catch (e) {
 *   if (e instanceof Elapsed) console.warn(`gave up after ${e.ms} ms`);
 *   else throw e;
 * }
 */
export class Elapsed extends Error {
  override readonly name = "Elapsed";
  /** The time limit, in milliseconds (for `timeoutAt`, from the call to the deadline). */
  readonly ms: number;
  /** The deadline that passed. */
  readonly deadline: Instant;

  constructor(ms: number, deadline: Instant) {
    super(`deadline elapsed: the future did not complete within ${formatMs(ms)}`);
    this.ms = ms;
    this.deadline = deadline;
  }
}

function formatMs(ms: number): string {
  return Number.isInteger(ms) ? `${ms} ms` : `${ms.toFixed(3)} ms`;
}

const POLLING = 0;
/** Deadline passed; cancelling the inner future (its `finally` may await). */
const EXPIRING = 1;
const DONE = 2;

/**
 * A future that completes with its inner future's output, or throws {@link Elapsed} at its
 * deadline. Made by {@link timeout} and {@link timeoutAt}.
 *
 * Dropping the Timeout (its task is aborted, a select picks another branch) cancels the inner
 * future and unregisters the timer.
 *
 * Cost: one object (it is its own timer entry); see {@link timeout}.
 *
 * @example
 * const t = timeout(1_000, query());
 * console.log(t.deadline); // when it will give up
 * const rows = yield* t;
 */
export class Timeout<T> extends TimerEntry<T> {
  // Declared and assigned in the constructor, as in TimerEntry (hot path).
  declare private inner: Future<T> | null;
  declare private state: number;
  /** The time limit, for `Elapsed`. */
  declare private readonly limit: number;

  /** @internal use {@link timeout} or {@link timeoutAt}. */
  constructor(driver: TimeDriver, tick: number, limit: number, inner: Future<T>) {
    super(driver, tick);
    this.inner = inner;
    this.state = POLLING;
    this.limit = limit;
  }

  poll(cx: Context): Poll<T> {
    if (this.state === POLLING) {
      const inner = this.inner!;
      let out: Poll<T>;
      try {
        out = inner.poll(cx);
      } catch (error) {
        this.finish();
        throw error;
      }
      if (out !== PENDING) {
        this.finish();
        return out;
      }
      if (!this.pollElapsed(cx)) return PENDING;
      this.state = EXPIRING;
    }
    if (this.state === EXPIRING) {
      if (!this.cancelInner(cx)) return PENDING;
      this.state = DONE;
      this.inner = null;
      throw new Elapsed(this.limit, Instant.fromMillis(this.tick));
    }
    throw new Error(
      "a timeout future was polled after it completed or was cancelled; a future is single-use: call timeout() again.",
    );
  }

  /** Async drop: unregister the timer and cancel the inner future, driving its async cleanup. */
  pollCancel(cx: Context): boolean {
    this.deregister();
    if (this.state === DONE) return true;
    this.state = EXPIRING;
    if (!this.cancelInner(cx)) return false;
    this.state = DONE;
    this.inner = null;
    return true;
  }

  /** Synchronous drop: unregister; the inner future's cancel finishes any async cleanup on its own. */
  override cancel(): void {
    this.deregister();
    const inner = this.inner;
    if (this.state === DONE || inner === null) return;
    this.state = DONE;
    this.inner = null;
    inner.cancel?.();
  }

  /** The deadline. */
  get deadline(): Instant {
    return Instant.fromMillis(this.tick);
  }

  override describe(): string {
    const inner = this.inner as { describe?: () => string } | null;
    const what = inner !== null && typeof inner.describe === "function" ? inner.describe() : "future";
    return `timeout (due in ${Math.ceil(this.driver.remaining(this.tick))} ms) of ${what}`;
  }

  private finish(): void {
    this.deregister();
    this.state = DONE;
    this.inner = null;
  }

  /** True when the inner future's cancellation is complete (throws the error its cleanup threw). */
  private cancelInner(cx: Context): boolean {
    const inner = this.inner!;
    if (inner.pollCancel !== undefined) {
      let done: boolean;
      try {
        done = inner.pollCancel(cx);
      } catch (error) {
        this.state = DONE;
        this.inner = null;
        throw error;
      }
      return done;
    }
    inner.cancel?.();
    return true;
  }
}

function innerFuture<T>(fut: IntoFuture<T>, where: string): Future<T> {
  if (fut instanceof FutureBase) return fut;
  // intoFuture names the value and the fix if `fut` cannot be awaited.
  return isFuture(fut) ? (fut as Future<T>) : intoFuture(fut, where);
}

/**
 * Await `fut` for at most `ms` milliseconds. Returns its output, or throws {@link Elapsed} once
 * the deadline passes, after cancelling `fut` (its `finally` blocks run, to completion).
 *
 * The deadline is computed at the call. `fut` is polled first at every poll, so a future that is
 * ready wins even if the deadline has passed too. Accepts a future, a generator or a generator
 * function. Bad `ms`: as {@link sleep}.
 *
 * Cost: one object; the timer is registered only if `fut` suspends, and unregistered in O(1)
 * when `fut` wins. No Node timer per call.
 *
 * @example
 * const user = yield* timeout(2_000, fetchUser(id));
 *
 * @example
 * // Give a whole block a time limit
 * const report = yield* timeout(60_000, function* () {
 *   const a = yield* stepOne();
 *   return yield* stepTwo(a);
 * });
 */
export function timeout<T>(ms: number, fut: IntoFuture<T>): Timeout<T> {
  const driver = currentDriver("timeout()");
  const limit = checkDuration(ms, "timeout()");
  const inner = innerFuture(fut, "timeout");
  return new Timeout(driver, driver.deadlineIn(limit), limit, inner);
}

/**
 * Await `fut` until `deadline` at the latest; otherwise as {@link timeout}. `Elapsed.ms` is the
 * time from this call to the deadline.
 *
 * @example
 * const deadline = Instant.now().add(5_000);
 * const a = yield* timeoutAt(deadline, first());
 * const b = yield* timeoutAt(deadline, second(a)); // both within the same 5 s budget
 */
export function timeoutAt<T>(deadline: Instant, fut: IntoFuture<T>): Timeout<T> {
  const driver = currentDriver("timeoutAt()");
  const tick = tickAt(driver, deadline, "timeoutAt()");
  const inner = innerFuture(fut, "timeoutAt");
  return new Timeout(driver, tick, Math.max(0, deadline.ms - driver.lastNow), inner);
}

// Map anchors (see runtime/map-anchors.ts): a timeout whose future won, a sleep registered in the
// wheel and cancelled. Neither waits: the anchor runtime never arms a Node timer for long.
anchorWork("timeout", (keep, cx) => {
  const won = timeout(60_000, ready(1));
  pollReady(won, cx);
  const slept = sleep(60_000);
  const raced = select.biased({ later: slept, now: ready(2) });
  pollReady(raced, cx);
  keep(won, slept, raced);
});
