/**
 * `Instant`: a point on a runtime's monotonic clock, in milliseconds.
 *
 * The real clock is `performance.now()` (milliseconds since the process started, never going
 * back, unaffected by changes of the wall clock). A runtime with `clock: "paused"` has its own
 * clock that moves only when timers are due and nothing else can run, or by `advance(ms)`;
 * `Instant.now()` inside it reads that clock, so code under test measures virtual time.
 * Instants of different paused runtimes are not comparable.
 */
import { currentRuntime } from "../runtime/runtime.js";
import { driverOf, realClock, type TimeDriver } from "./driver.js";
import { checkDuration, MAX_DURATION_MS } from "./duration.js";

/** @internal read the clock of the current runtime; `performance.now()` outside one. */
export function clockNow(): number {
  const rt = currentRuntime();
  if (rt === null) return realClock();
  const d = rt.time as TimeDriver | null;
  if (d !== null) return d.now();
  return rt.clock === "paused" ? driverOf(rt).now() : realClock();
}

/**
 * A measurement of the monotonic clock, in milliseconds: for deadlines (`sleepUntil`,
 * `timeoutAt`, `interval` ticks) and for measuring elapsed time. Immutable.
 *
 * Compare with `isBefore`/`isAfter`/`equals`/`compareTo`, or numerically: `valueOf()` is the
 * millisecond reading, so `a < b` and `b - a` work in JavaScript (TypeScript needs `+a < +b`).
 *
 * Cost: one small object per instant; `Instant.now()` reads the clock (`performance.now()`, about
 * 50–100 ns) except on a paused clock.
 *
 * @example
 * const start = Instant.now();
 * yield* work();
 * console.log(`took ${start.elapsed()} ms`);
 * yield* sleepUntil(start.add(1_000)); // one second after start, however long work took
 */
export class Instant {
  /** Milliseconds on the clock (`performance.now()` scale for the real clock). */
  declare readonly ms: number; // assigned in the constructor only (no define-then-store)

  private constructor(ms: number) {
    this.ms = ms;
  }

  /**
   * The current instant of the current runtime's clock (virtual on a paused clock), or of
   * `performance.now()` when called outside a runtime.
   *
   * @example
   * const t0 = Instant.now();
   */
  static now(): Instant {
    return new Instant(clockNow());
  }

  /**
   * An instant from a clock reading in milliseconds, e.g. a `performance.now()` value. Throws a
   * `RangeError` for a value that is not a finite number.
   *
   * @example
   * const t = Instant.fromMillis(performance.now() + 500);
   */
  static fromMillis(ms: number): Instant {
    if (typeof ms !== "number" || !Number.isFinite(ms)) {
      throw new RangeError(
        `Instant.fromMillis: expected a finite number of milliseconds; got ${String(ms)}.`,
      );
    }
    return new Instant(ms);
  }

  /**
   * Milliseconds from this instant to now (0 if this instant is in the future), measured on the
   * current runtime's clock.
   *
   * @example
   * if (lastSeen.elapsed() > 30_000) evict(key);
   */
  elapsed(): number {
    return Math.max(0, clockNow() - this.ms);
  }

  /**
   * The instant `ms` milliseconds later (earlier for a negative `ms`).
   *
   * @example
   * const deadline = Instant.now().add(250);
   */
  add(ms: number): Instant {
    if (typeof ms !== "number" || !Number.isFinite(ms)) {
      throw new RangeError(
        `Instant.add: expected a finite number of milliseconds; got ${String(ms)}. ` +
          "For a deadline that never comes, do not set one (or use pending()).",
      );
    }
    return new Instant(this.ms + ms);
  }

  /**
   * Milliseconds from `earlier` to this instant; 0 if `earlier` is later (saturating, like Tokio).
   *
   * @example
   * const took = end.since(start);
   */
  since(earlier: Instant): number {
    return Math.max(0, this.ms - toInstant(earlier, "Instant.since").ms);
  }

  /**
   * Negative if this instant is earlier than `other`, 0 if equal, positive if later.
   *
   * @example
   * deadlines.sort((a, b) => a.compareTo(b));
   */
  compareTo(other: Instant): number {
    return this.ms - toInstant(other, "Instant.compareTo").ms;
  }

  /**
   * True if this instant is earlier than `other`.
   *
   * @example
   * if (Instant.now().isBefore(deadline)) yield* retry();
   */
  isBefore(other: Instant): boolean {
    return this.ms < toInstant(other, "Instant.isBefore").ms;
  }

  /** True if this instant is later than `other`. */
  isAfter(other: Instant): boolean {
    return this.ms > toInstant(other, "Instant.isAfter").ms;
  }

  /** True if both instants are the same reading. */
  equals(other: Instant): boolean {
    return this.ms === toInstant(other, "Instant.equals").ms;
  }

  /**
   * The millisecond reading, so that `a < b` and `b - a` work in JavaScript.
   *
   * @example
   * const ms = +end - +start;
   */
  valueOf(): number {
    return this.ms;
  }

  toString(): string {
    return `Instant(${this.ms.toFixed(3)} ms)`;
  }
}

/** @internal check an Instant argument, naming what was passed instead. */
export function toInstant(value: unknown, where: string): Instant {
  if (value instanceof Instant) return value;
  const shown = typeof value === "number" ? `the number ${value}` : String(value);
  throw new TypeError(
    `${where}: expected an Instant; got ${shown}. Make one with Instant.now().add(ms)` +
      (typeof value === "number" ? ", or pass a duration to the ms-based variant (sleep, timeout)." : "."),
  );
}

/** @internal a deadline `ms` after now (checked and clamped), as a whole millisecond of `driver`'s clock. */
export function tickIn(driver: TimeDriver, ms: number, where: string): number {
  return driver.deadlineIn(checkDuration(ms, where));
}

/** @internal the tick for an instant deadline: rounded up; clamped to the wheel's span from now. */
export function tickAt(driver: TimeDriver, deadline: Instant, where: string): number {
  const ms = toInstant(deadline, where).ms;
  const now = driver.now();
  const max = now + MAX_DURATION_MS;
  return Math.ceil(ms > max ? max : ms);
}
