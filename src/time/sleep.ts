/**
 * `sleep`, `sleepUntil` and the `Sleep` future.
 *
 * A Sleep's deadline is fixed when it is created (as in Tokio), not when it is first awaited, so
 * `const s = sleep(100)` measures 100 ms from that line. The first poll registers it in the
 * runtime's wheel; the wheel wakes the task when the clock reaches the deadline. Dropping the
 * Sleep before then (the task is aborted, a `timeout` or `select` lets another branch win)
 * unlinks it from the wheel in O(1).
 */
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { pollProceed } from "../task/coop.js";
import { currentDriver } from "./driver.js";
import { TimerEntry } from "./entry.js";
import { Instant, tickAt, tickIn } from "./instant.js";
import { FIRED } from "./wheel.js";

/**
 * A future that completes at its deadline. Made by {@link sleep} and {@link sleepUntil}.
 *
 * It completes when the runtime clock has reached `deadline`, never before; deadlines are whole
 * milliseconds, rounded up. A Sleep can be awaited again after it completed (it stays complete)
 * and can be moved with `reset`, which is how a reusable timer (an idle timeout that restarts on
 * each message) avoids allocating a Sleep per restart.
 *
 * Coop budget: completing spends one unit of the task's budget, like any resource that was ready
 * (see `consumeBudget`), so a loop over already-elapsed sleeps still lets other tasks run. Waiting
 * spends nothing.
 *
 * Cost: one object of about 80 bytes, no other allocation; registering and cancelling are O(1).
 *
 * @example
 * const s = sleep(500);
 * console.log(s.deadline, s.isElapsed);
 * yield* s;
 */
export class Sleep extends TimerEntry<void> {
  poll(cx: Context): Poll<void> {
    if (!this.pollElapsed(cx)) return PENDING;
    if (!pollProceed(cx)) return PENDING;
    return undefined;
  }

  /** Unregister from the wheel (the awaiting task dropped this future). */
  override cancel(): void {
    this.deregister();
  }

  /** When this Sleep completes: its deadline, a whole millisecond of the runtime clock. */
  get deadline(): Instant {
    return Instant.fromMillis(this.tick);
  }

  /** True once the deadline has been reached (as observed by a poll or the wheel). */
  get isElapsed(): boolean {
    return this.slot === FIRED;
  }

  /**
   * Move the deadline, earlier or later, whether or not the Sleep is registered or has already
   * completed (a completed Sleep becomes pending again). The task awaiting it is woken at once if
   * the new deadline has passed. O(1); allocates nothing.
   *
   * @example
   * const idle = sleep(30_000);
   * for (;;) {
   *   const ev = yield* select({ msg: rx.recv(), idle });
   *   if (ev.key === "idle") break;               // 30 s without a message
   *   idle.reset(Instant.now().add(30_000));     // restart the countdown
   * }
   */
  reset(deadline: Instant): void {
    this.moveTo(tickAt(this.driver, deadline, "Sleep.reset"));
  }

  override describe(): string {
    if (this.slot === FIRED) return "sleep (elapsed)";
    return `sleep (due in ${Math.ceil(this.driver.remaining(this.tick))} ms)`;
  }
}

/**
 * Wait `ms` milliseconds. The deadline is computed now, at the call: `Instant.now() + ms`,
 * rounded up to a whole millisecond. On a paused clock the wait takes no real time.
 *
 * Throws a `RangeError` for a negative, NaN or infinite `ms` (naming the value); durations beyond
 * {@link time!MAX_DURATION_MS} (about 2.18 years) are clamped to it. Throws outside a runtime.
 *
 * Cost: one clock read and one ~80-byte object; registering in the wheel and cancelling are O(1)
 * and allocate nothing. Thousands of pending sleeps share one Node timer.
 *
 * @example
 * yield* sleep(100);
 *
 * @example
 * // Retry with back-off
 * for (let attempt = 0; ; attempt++) {
 *   try { return yield* fetchOnce(); }
 *   catch (e) { if (attempt === 5) throw e; yield* sleep(2 ** attempt * 100); }
 * }
 */
export function sleep(ms: number): Sleep {
  const driver = currentDriver("sleep()");
  return new Sleep(driver, tickIn(driver, ms, "sleep()"));
}

/**
 * Wait until `deadline`. Completes at once (at its first poll) if the deadline has passed.
 * Deadlines further than {@link time!MAX_DURATION_MS} ahead are clamped. Throws a `TypeError` if
 * `deadline` is not an {@link Instant}, and outside a runtime.
 *
 * Cost: as {@link sleep}.
 *
 * @example
 * const start = Instant.now();
 * for (let i = 1; ; i++) {
 *   yield* frame(i);
 *   yield* sleepUntil(start.add(i * 16)); // a steady 60 fps cadence without drift
 * }
 */
export function sleepUntil(deadline: Instant): Sleep {
  const driver = currentDriver("sleepUntil()");
  return new Sleep(driver, tickAt(driver, deadline, "sleepUntil()"));
}
