/**
 * `TimeDriver`: a runtime's clock, its timer wheel, and the ONE Node timer that drives the wheel.
 *
 * Created on first use of `pollux/time` in a runtime and stored in `runtime.time`.
 *
 * Real clock. The clock is `performance.now()` (monotonic). The Node timer is armed for the
 * wheel's next expiration; when it fires, the wheel is advanced to the current millisecond, which
 * wakes every task whose deadline passed (their polls then run in the same event-loop turn, from
 * the runtime's microtask drain), and the timer is re-armed for the new earliest expiration.
 * Arming is deferred to a microtask after the insert or removal that changed the earliest
 * expiration: a burst of registrations (200,000 tasks spawned in one poll) or of register/cancel
 * pairs (a timeout whose inner future wins) touches Node's timer list at most once, and a wheel
 * that became empty leaves no Node timer behind, so an idle runtime lets the process exit. A timer
 * cancelled after arming does not re-arm: the Node timer fires a little early, finds nothing due
 * and re-arms. Node may also fire before `performance.now()` reaches the deadline (its timers
 * start from a cached loop time); nothing fires early because the wheel only fires ticks that
 * `performance.now()` has reached. Timers are fired from the Node timer only, not also when a
 * drain ends: the drain already hands control back to Node at least every `yieldAfterMs`, and
 * firing from the drain would chain fire → drain → fire in microtasks, starving Node's IO for as
 * long as tasks keep deadlines due.
 *
 * Paused clock (`clock: "paused"`). Time stands still; no Node timer is used. When the runtime
 * has no runnable task (`onIdle`), the driver schedules one step with `setImmediate`, so Node
 * delivers IO and promise callbacks that are already due first, as Tokio polls its IO driver
 * once before auto-advancing. The step, if the runtime is still idle, jumps the clock to the
 * next expiration and fires it; or, if a task awaits `advance(ms)` whose target comes first,
 * moves the clock to the target and wakes that task. Timers at equal deadlines fire in the order
 * they were registered, and every woken task runs before time moves again, so a test sees the same
 * order on every run.
 */

import { outsideRuntime } from "../future/current.js";
import type { Waker } from "../future/poll.js";
import { currentRuntime, type Driver, type Runtime } from "../runtime/runtime.js";
import { installDeadlineTimer } from "../runtime/shutdown.js";
import type { TimerEntry } from "./entry.js";
import { ShutdownDeadline } from "./shutdown-deadline.js";
import { FIRED, Wheel } from "./wheel.js";

/**
 * The real clock. Bound once: reading the `performance` global goes through a lazy getter, and
 * a sleep reads the clock once, so this is on the hot path of every `sleep()` and `timeout()`.
 */
export const realClock: () => number = performance.now.bind(performance);

/** The longest delay Node's `setTimeout` honours: 2^31 - 1 ms. */
export const MAX_NODE_DELAY = 2 ** 31 - 1;

export class TimeDriver implements Driver {
  /** Paused clock: time moves only when idle or by `advance`. Changed by `pause()`/`resume()`. */
  paused: boolean;
  /**
   * Added to `performance.now()` on the real clock: 0 unless the clock was paused and resumed
   * (`resume()` continues from the paused time, so time never goes backwards).
   */
  private offset = 0;
  /** The latest clock reading, in ms. Paused: the clock itself. */
  lastNow: number;
  readonly wheel: Wheel;
  private timer: NodeJS.Timeout | null = null;
  /** The tick the Node timer is armed for; Infinity when none. */
  private armedTick = Number.POSITIVE_INFINITY;
  private syncScheduled = false;
  private step: NodeJS.Immediate | null = null;
  /** Paused clock: the task awaiting `advance(ms)`, and the clock value it waits for. */
  private advanceOwner: object | null = null;
  private advanceWaker: Waker | null = null;
  private advanceTarget = 0;
  private closed = false;

  constructor(readonly runtime: Runtime) {
    this.paused = runtime.clock === "paused";
    // The paused clock starts at a whole millisecond so that deadlines `now + ms` are exact.
    const start = realClock();
    this.lastNow = this.paused ? Math.floor(start) : start;
    this.wheel = new Wheel(Math.floor(start), (error) =>
      runtime.reportError(error, "a waker threw when its timer fired"),
    );
  }

  /** Read the clock (and remember the reading). */
  now(): number {
    if (this.paused) return this.lastNow;
    return (this.lastNow = realClock() + this.offset);
  }

  /** The tick of a deadline `ms` from now. */
  deadlineIn(ms: number): number {
    return Math.ceil(this.now() + ms);
  }

  // --- registrations (called by TimerEntry) ---

  insert(entry: TimerEntry<unknown>): void {
    const wheel = this.wheel;
    if (wheel.size === 0) {
      // Nothing to cascade: let the wheel catch up with the clock for free, so the timer lands in
      // a fine level instead of cascading down from wherever the wheel stopped.
      const t = Math.floor(this.lastNow);
      if (t > wheel.elapsed) wheel.elapsed = t;
    }
    wheel.insert(entry);
    this.runtime.counters.timersRegistered++;
    if (entry.tick < this.armedTick && !this.syncScheduled && !this.paused) this.scheduleSync();
  }

  remove(entry: TimerEntry<unknown>): void {
    this.wheel.remove(entry);
    this.runtime.counters.timersCancelled++;
    if (this.wheel.size === 0 && this.timer !== null) this.scheduleSync();
  }

  /** A registered timer's tick changed (`reset`). */
  move(entry: TimerEntry<unknown>): void {
    const wheel = this.wheel;
    wheel.remove(entry);
    if (entry.tick <= this.lastNow) {
      entry.slot = FIRED;
      this.runtime.counters.timersFired++;
      const waker = entry.waker;
      entry.waker = null;
      waker?.wake();
      if (wheel.size === 0 && this.timer !== null) this.scheduleSync();
      return;
    }
    wheel.insert(entry);
    if (entry.tick < this.armedTick && !this.paused) this.scheduleSync();
  }

  // --- the Node timer (real clock) ---

  private scheduleSync(): void {
    if (this.syncScheduled || this.closed) return;
    this.syncScheduled = true;
    queueMicrotask(this.sync);
  }

  /** Make the Node timer match the wheel: none when empty, armed no later than the next expiration. */
  private readonly sync = (): void => {
    this.syncScheduled = false;
    if (this.closed) return;
    if (this.wheel.size === 0) {
      this.disarm();
      return;
    }
    const next = this.wheel.nextExpiration();
    if (next < this.armedTick) this.arm(next);
  };

  private arm(tick: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.armedTick = tick;
    // Node's timers take at most 2^31 - 1 ms (24.8 days) and turn a longer delay into 1 ms (with a
    // TimeoutOverflowWarning), which would spin. A farther deadline arms the longest timer; when it
    // fires, nothing is due yet and `onTimer` arms again for what remains.
    const delay = Math.min(MAX_NODE_DELAY, Math.max(1, Math.ceil(tick - realClock() - this.offset)));
    this.timer = setTimeout(this.onTimer, delay);
  }

  private disarm(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.armedTick = Number.POSITIVE_INFINITY;
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    this.armedTick = Number.POSITIVE_INFINITY;
    if (this.closed) return;
    this.fire(Math.floor(this.now()));
    // A waker may have shut the runtime down (a bounded shutdown's deadline abandons tasks whose
    // timers stay in the wheel): a closed driver arms nothing, or it would keep the process alive.
    if (this.wheel.size > 0 && !this.closed) this.arm(this.wheel.nextExpiration());
    this.afterFiring();
  };

  private fire(tick: number): void {
    const fired = this.wheel.advance(tick);
    this.runtime.counters.timersFired += fired;
  }

  /** Timers fired from a Node callback but nothing became runnable: let the runtime look around. */
  private afterFiring(): void {
    const rt = this.runtime;
    if (rt.isIdle()) rt.idle();
  }

  // --- Driver ---

  /** The run queue emptied. Real clock: nothing to do. Paused clock: schedule a step. */
  onIdle(): boolean {
    if (!this.paused || this.closed) return false;
    if (this.wheel.size === 0 && this.advanceWaker === null) return false;
    if (this.step === null) this.step = setImmediate(this.onStep);
    return true;
  }

  hasPending(): boolean {
    return this.wheel.size > 0 || this.advanceWaker !== null;
  }

  shutdown(): void {
    this.closed = true;
    this.disarm();
    if (this.step !== null) {
      clearImmediate(this.step);
      this.step = null;
    }
    this.advanceOwner = null;
    this.advanceWaker = null;
  }

  // --- paused clock ---

  /**
   * `pause()`: stop the real clock where it is. From now on time moves as on a runtime made with
   * `clock: "paused"`: by itself when no task can run, or by `advance`.
   */
  pause(): void {
    if (this.paused) {
      throw new Error("pause(): the clock of this runtime is already paused; call resume() first.");
    }
    // A whole millisecond, rounded up so that time never goes backwards, makes `now + ms` exact.
    this.lastNow = Math.ceil(this.now());
    this.paused = true;
    this.disarm();
  }

  /**
   * `resume()`: let the clock run again with real time, from where it stands (the time advanced
   * while paused is kept: `Instant.now()` never goes backwards).
   */
  resume(): void {
    if (!this.paused) {
      throw new Error(
        "resume(): the clock of this runtime is not paused; pause() it (or create it paused) first.",
      );
    }
    if (this.advanceOwner !== null) {
      throw new Error("resume(): an advance() is in progress; await it before resuming the clock.");
    }
    this.offset = this.lastNow - realClock();
    this.paused = false;
    if (this.step !== null) {
      clearImmediate(this.step);
      this.step = null;
    }
    if (this.wheel.size > 0) this.scheduleSync();
  }

  private readonly onStep = (): void => {
    this.step = null;
    const rt = this.runtime;
    if (this.closed || !this.paused || !rt.isIdle()) return; // the runtime calls onIdle again once idle
    const wheel = this.wheel;
    // Jump from expiration to expiration until a timer fires (cascades fire nothing) or the
    // target of `advance()` comes first.
    for (;;) {
      const next = wheel.nextExpiration();
      const waker = this.advanceWaker;
      if (waker !== null && next > this.advanceTarget) {
        this.advanceOwner = null;
        this.advanceWaker = null;
        if (this.advanceTarget > this.lastNow) this.lastNow = this.advanceTarget;
        this.fire(Math.floor(this.lastNow));
        rt.wakeGuarded(waker);
        break;
      }
      if (next === Number.POSITIVE_INFINITY) break;
      if (next > this.lastNow) this.lastNow = next;
      this.fire(next);
      if (this.closed || !rt.isIdle()) break;
    }
    if (rt.isIdle()) rt.idle();
  };

  /**
   * `advance(ms)`: `owner` is woken (through `waker`) once the clock has moved by `ms`, every timer
   * due by then has fired and the tasks they woke have run.
   */
  startAdvance(owner: object, ms: number, waker: Waker): void {
    if (this.advanceOwner !== null) {
      throw new Error(
        "advance() is already in progress in another task; a paused clock has one driver of time. " +
          "Await the advances one after the other.",
      );
    }
    this.advanceOwner = owner;
    this.advanceWaker = waker;
    this.advanceTarget = this.lastNow + ms;
  }

  /** True while `owner`'s advance is in progress; refreshes its waker. */
  advancing(owner: object, waker: Waker): boolean {
    if (this.advanceOwner !== owner) return false;
    this.advanceWaker = waker;
    return true;
  }

  cancelAdvance(owner: object): void {
    if (this.advanceOwner !== owner) return;
    this.advanceOwner = null;
    this.advanceWaker = null;
  }

  /** For deadlock reports and `describe()`: ms from now until `tick`. */
  remaining(tick: number): number {
    return Math.max(0, tick - this.lastNow);
  }
}

/** The time driver of the current runtime, created on first use; throws outside a runtime. */
export function currentDriver(what: string): TimeDriver {
  const rt = currentRuntime();
  if (rt === null) throw outsideRuntime(what);
  return (rt.time as TimeDriver | null) ?? driverOf(rt);
}

/** The time driver of `rt`, created on first use. */
export function driverOf(rt: Runtime): TimeDriver {
  let d = rt.time as TimeDriver | null;
  if (d === null) {
    d = new TimeDriver(rt);
    rt.time = d;
  }
  return d;
}

// A bounded shutdown's deadline follows the runtime's clock (see runtime/shutdown.ts).
installDeadlineTimer((runtime, ms, fire) => {
  const driver = driverOf(runtime as Runtime);
  const deadline = new ShutdownDeadline(driver, driver.deadlineIn(ms), fire);
  deadline.arm();
  return () => deadline.disarm();
});
