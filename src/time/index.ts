/**
 * `pollux/time`: sleeping, deadlines, periodic ticks, and a paused clock for tests.
 *
 * - {@link sleep} / {@link sleepUntil}: a {@link Sleep} future that completes at a deadline.
 * - {@link timeout} / {@link timeoutAt}: run a future with a time limit; throws {@link Elapsed}.
 * - {@link interval} / {@link intervalAt}: an {@link Interval} whose `tick()` completes every period.
 * - {@link retry}: run an operation again after failures, waiting an {@link exponential} or
 *   {@link fixed} backoff between attempts.
 * - {@link Instant}: points on the runtime's monotonic clock.
 * - Paused clock: `run(main, { clock: "paused" })` or `new Runtime({ clock: "paused" })`. Time stands
 *   still and jumps to the next deadline whenever no task can run, so timer logic is tested in
 *   milliseconds and deterministically; {@link advance} moves it by hand. {@link pause} stops a
 *   running clock the same way, {@link resume} lets it run again.
 *
 * How it works: each runtime has one hierarchical timing wheel (6 levels × 64 slots, 1 ms
 * resolution) driven by ONE Node timer armed for the earliest deadline. Timers are the future
 * objects themselves, linked into the wheel, so a sleep costs one object and registering or
 * cancelling it is O(1). Pending timers keep the process alive; with none pending, no Node timer
 * remains. Deadlines are whole milliseconds, rounded up: a timer never completes before its
 * deadline. Durations are numbers of milliseconds; negative, NaN and infinite ones throw a
 * `RangeError`, and ones past {@link MAX_DURATION_MS} (about 2.18 years) are clamped to it.
 *
 * Counters: `runtime.metrics()` reports `timersRegistered`, `timersFired`, `timersCancelled` and
 * `timersPending` (the wheel's current size).
 *
 * @example
 * import { run, spawn } from "pollux";
 * import { sleep, timeout, interval, Elapsed } from "pollux/time";
 *
 * await run(function* () {
 *   yield* sleep(100);
 *   try {
 *     yield* timeout(1_000, slowQuery());
 *   } catch (e) {
 *     if (!(e instanceof Elapsed)) throw e;
 *   }
 *   const iv = interval(250);
 *   for (let i = 0; i < 4; i++) yield* iv.tick();
 * });
 *
 * @module
 */
export { type Backoff, type ExponentialOptions, exponential, fixed } from "./backoff.js";
export { Advance, advance, pause, resume } from "./clock.js";
export { MAX_DURATION_MS } from "./duration.js";
export { Instant } from "./instant.js";
export {
  Interval,
  type IntervalOptions,
  interval,
  intervalAt,
  MISSED_TICK_TOLERANCE_MS,
  type MissedTickBehavior,
} from "./interval.js";
export { type RetryOptions, retry } from "./retry.js";
export { Sleep, sleep, sleepUntil } from "./sleep.js";
export { Elapsed, Timeout, timeout, timeoutAt } from "./timeout.js";
