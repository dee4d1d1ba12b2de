/**
 * `interval`, `intervalAt` and `Interval`: ticks at a fixed period.
 *
 * An Interval owns one `Sleep` whose deadline is moved forward at each tick (no allocation per
 * tick beyond the returned `Instant`) and one reusable tick future. The schedule is kept exact
 * (`start + k·period`, fractional periods included); only the Sleep's deadline is rounded up to
 * the wheel's millisecond, so ticks never come early and never drift.
 *
 * When the task falls behind (it was busy longer than a period, or the event loop was blocked),
 * what happens to the missed ticks is the `missedTick` behaviour, after Tokio's
 * `MissedTickBehavior`. A tick counts as missed only if it is noticed more than
 * `MISSED_TICK_TOLERANCE_MS` after it was due: the real clock routinely fires a millisecond or
 * two late, and treating that as "missed" would make "delay" drift at every tick.
 */
import { FutureBase } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { currentDriver, type TimeDriver } from "./driver.js";
import { checkDuration, MAX_DURATION_MS } from "./duration.js";
import { Instant, toInstant } from "./instant.js";
import { Sleep } from "./sleep.js";
import { FIRED } from "./wheel.js";

/**
 * What an {@link Interval} does with ticks it missed because the task was late:
 * - `"burst"` (default): fire them all, back to back, until caught up; the schedule is unchanged.
 *   For work that must happen N times (counting, sampling with catch-up).
 * - `"delay"`: fire once now, then restart the schedule one period from now. For "at least one
 *   period of rest between runs".
 * - `"skip"`: fire once now, then continue on the original schedule's next point after now. For
 *   wall-clock-aligned work (every full second), where late ticks are worthless.
 *
 * Period 10 ms, the task stalls from 0 to 35 ms: burst ticks at 35, 35, 35, 40, 50; delay at 35,
 * 45, 55; skip at 35, 40, 50.
 *
 * @example
 * const iv = interval(10, { missedTick: "skip" });
 * iv.missedTick = "burst"; // can be changed later
 */
export type MissedTickBehavior = "burst" | "delay" | "skip";

/**
 * Options of {@link interval} and {@link intervalAt}.
 *
 * @example
 * const iv = interval(1_000, { missedTick: "delay" });
 */
export interface IntervalOptions {
  /** What to do with missed ticks; default `"burst"`. */
  missedTick?: MissedTickBehavior;
}

/**
 * Lateness, in ms, up to which a tick counts as on time rather than missed (as in Tokio): the
 * real clock often fires a millisecond or two late, and "delay" must not drift because of that.
 *
 * @example
 * // a tick due at 100 noticed at 104 is on time; noticed at 106 it is missed
 */
export const MISSED_TICK_TOLERANCE_MS = 5;

const BEHAVIORS: readonly string[] = ["burst", "delay", "skip"];

function checkBehavior(value: unknown, where: string): MissedTickBehavior {
  if (typeof value === "string" && BEHAVIORS.includes(value)) return value as MissedTickBehavior;
  throw new RangeError(
    `${where}: missedTick must be "burst", "delay" or "skip"; got ${typeof value === "string" ? JSON.stringify(value) : String(value)}.`,
  );
}

class TickFuture extends FutureBase<Instant> {
  constructor(private readonly interval: Interval) {
    super();
  }
  poll(cx: Context): Poll<Instant> {
    return this.interval.pollTick(cx);
  }
  override cancel(): void {
    this.interval.cancelTick();
  }
  override describe(): string {
    return `interval tick (every ${this.interval.period} ms, ${this.interval.describeNext()})`;
  }
}

/**
 * A schedule of ticks every `period` milliseconds. Made by {@link interval} / {@link intervalAt};
 * await ticks with `yield* iv.tick()`.
 *
 * One task awaits an Interval at a time. Dropping a pending `tick()` (a select picked another
 * branch) loses no tick: the next `tick()` completes at once if one came due meanwhile.
 *
 * Cost: one Sleep and one tick future per Interval, allocated once; per tick, one clock read and
 * the returned `Instant`.
 *
 * @example
 * const heartbeat = interval(5_000);
 * for (;;) {
 *   yield* heartbeat.tick();
 *   yield* send({ type: "ping" });
 * }
 */
export class Interval {
  /** The period, in milliseconds. */
  readonly period: number;
  private behavior: MissedTickBehavior;
  private readonly sleep: Sleep;
  /** Exact scheduled time of the next tick. */
  private nextAt: number;
  private readonly driver: TimeDriver;
  private readonly tickFuture: TickFuture;

  /** @internal use {@link interval} or {@link intervalAt}. */
  constructor(driver: TimeDriver, start: number, period: number, behavior: MissedTickBehavior) {
    this.driver = driver;
    this.period = period;
    this.behavior = behavior;
    this.nextAt = start;
    this.sleep = new Sleep(driver, Math.ceil(start));
    // A start at or before now is due: the first tick completes at once.
    if (start <= driver.lastNow) this.sleep.slot = FIRED;
    this.tickFuture = new TickFuture(this);
  }

  /** @internal For descriptions: `next due in 37 ms`, or `next tick due now`. Cold path. */
  describeNext(): string {
    const sleep = this.sleep;
    if (sleep.slot === FIRED) return "next tick due now";
    return `next due in ${Math.ceil(this.driver.remaining(sleep.tick))} ms`;
  }

  /** What this interval does with missed ticks; may be changed at any time. */
  get missedTick(): MissedTickBehavior {
    return this.behavior;
  }

  set missedTick(value: MissedTickBehavior) {
    this.behavior = checkBehavior(value, "Interval.missedTick");
  }

  /**
   * A future that completes at the next tick, with the instant the tick was scheduled for (which
   * may be earlier than now if the task was late). The first tick completes at once.
   *
   * Cost: none beyond the returned Instant: the future is reused across calls.
   *
   * @example
   * const iv = interval(1_000);
   * for (;;) {
   *   yield* iv.tick();
   *   yield* report();
   * }
   */
  tick(): FutureBase<Instant> {
    return this.tickFuture;
  }

  /**
   * Restart the schedule: the next tick is one period from now (Tokio's `reset`).
   *
   * @example
   * if (gotHeartbeatFromPeer) keepalive.reset(); // no need to ping, we just heard from them
   */
  reset(): void {
    this.schedule(this.driver.now() + this.period);
  }

  /**
   * Make the next tick due now: the pending or next `tick()` completes at once, and the schedule
   * continues one period after it (Tokio's `reset_immediately`).
   *
   * Cost: O(1); no allocation.
   *
   * @example
   * if (configChanged) poller.resetImmediately(); // poll again right away
   */
  resetImmediately(): void {
    this.schedule(this.driver.now());
  }

  /**
   * Make the next tick due `ms` from now; the schedule continues one period after it (Tokio's
   * `reset_after`).
   *
   * @throws RangeError for a negative, NaN or infinite `ms`.
   * @example
   * retryTimer.resetAfter(backoffMs);
   */
  resetAfter(ms: number): void {
    this.schedule(
      this.driver.now() + Math.min(checkDuration(ms, "Interval.resetAfter(ms)"), MAX_DURATION_MS),
    );
  }

  /**
   * Make the next tick due at `deadline` (at once if it has passed); the schedule continues one
   * period after it (Tokio's `reset_at`).
   *
   * @throws TypeError when `deadline` is not an {@link Instant}.
   * @example
   * iv.resetAt(Instant.now().add(1_000));
   */
  resetAt(deadline: Instant): void {
    const at = toInstant(deadline, "Interval.resetAt()").ms;
    this.schedule(Math.min(at, this.driver.now() + MAX_DURATION_MS));
  }

  /** @internal poll for the next tick. */
  pollTick(cx: Context): Poll<Instant> {
    if (this.sleep.poll(cx) === PENDING) return PENDING;
    const due = this.nextAt;
    const period = this.period;
    let next = due + period;
    const now = this.driver.now();
    if (now > due + MISSED_TICK_TOLERANCE_MS) {
      if (this.behavior === "delay") next = now + period;
      else if (this.behavior === "skip") next = due + period * (Math.floor((now - due) / period) + 1);
    }
    this.schedule(next);
    return Instant.fromMillis(due);
  }

  /** @internal a pending tick() was dropped. */
  cancelTick(): void {
    this.sleep.cancel();
  }

  private schedule(at: number): void {
    this.nextAt = at;
    this.sleep.moveTo(Math.ceil(at));
  }
}

/**
 * Tick every `period` milliseconds, the first tick at once. Use it for periodic work that must
 * keep a cadence regardless of how long each run takes (`sleep` in a loop drifts by the run's
 * duration).
 *
 * Throws a `RangeError` if `period` is not a positive finite number, or `missedTick` is not one
 * of `"burst" | "delay" | "skip"`; throws outside a runtime.
 *
 * Cost: two small objects at creation; per tick, a wheel registration and one `Instant`.
 *
 * @example
 * const iv = interval(100, { missedTick: "skip" });
 * for (;;) {
 *   const at = yield* iv.tick();
 *   sample(at);
 * }
 */
export function interval(period: number, options?: IntervalOptions): Interval {
  const driver = currentDriver("interval()");
  return make(driver, driver.now(), period, options, "interval()");
}

/**
 * Like {@link interval}, but the first tick is at `start` (at once if `start` has passed).
 *
 * @example
 * // Every minute, on the minute of the runtime clock, starting one minute from now
 * const iv = intervalAt(Instant.now().add(60_000), 60_000);
 */
export function intervalAt(start: Instant, period: number, options?: IntervalOptions): Interval {
  const driver = currentDriver("intervalAt()");
  const at = toInstant(start, "intervalAt()").ms;
  // Clamped like every deadline to the wheel's span from now.
  return make(driver, Math.min(at, driver.now() + MAX_DURATION_MS), period, options, "intervalAt()");
}

function make(
  driver: TimeDriver,
  start: number,
  period: number,
  options: IntervalOptions | undefined,
  where: string,
): Interval {
  const p = checkDuration(period, `${where} period`, false);
  let behavior: MissedTickBehavior = "burst";
  if (options !== undefined) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `${where}: options must be an object like { missedTick: "skip" }; got ${String(options)}.`,
      );
    }
    for (const key of Object.keys(options)) {
      if (key !== "missedTick")
        throw new TypeError(`${where}: unknown option "${key}"; the only option is missedTick.`);
    }
    if (options.missedTick !== undefined) behavior = checkBehavior(options.missedTick, where);
  }
  return new Interval(driver, start, p, behavior);
}
