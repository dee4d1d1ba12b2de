/**
 * `TimerEntry`: the part of a timer future that lives in the wheel.
 *
 * `Sleep` and `Timeout` extend it, so a timer is ONE object: the future the task awaits is also
 * the wheel's list node (intrusive `prevTimer`/`nextTimer` links) and holds the waker the wheel wakes. That
 * is what makes registering free of allocation and cancelling O(1): `cancel()` unlinks `this`.
 *
 * A deadline is a whole millisecond of the runtime clock (`tick`), rounded up from the exact
 * instant asked for, because the wheel's resolution is 1 ms. Rounding up is what guarantees a
 * timer never completes before its deadline: it fires only once the clock has reached `tick`.
 *
 * States live in `slot`: an index into the wheel while registered, or UNREGISTERED / FIRED.
 */

import { FutureBase } from "../future/future.js";
import type { Context, Waker } from "../future/poll.js";
import type { TimeDriver } from "./driver.js";
import { FIRED, UNREGISTERED } from "./wheel.js";

export abstract class TimerEntry<T> extends FutureBase<T> {
  // Fields are `declare`d and assigned in the constructor, in one fixed order: a class field
  // initializer would first define each field as undefined, then the constructor would store
  // into it again. Timers are allocated per `sleep()`/`timeout()`, so this is a hot path.
  /** @internal */
  declare readonly driver: TimeDriver;
  /** Deadline, in whole milliseconds of the runtime clock. */
  declare tick: number;
  /** Wheel slot index while registered; UNREGISTERED or FIRED otherwise. */
  declare slot: number;
  /** @internal wheel list links (not `next`: that name is the iterator protocol's). */
  declare prevTimer: TimerEntry<unknown> | null;
  /** @internal wheel list links. */
  declare nextTimer: TimerEntry<unknown> | null;
  /** Woken when the deadline is reached; set at each pending poll. */
  declare waker: Waker | null;

  constructor(driver: TimeDriver, tick: number) {
    super();
    this.driver = driver;
    this.tick = tick;
    this.slot = UNREGISTERED;
    this.prevTimer = null;
    this.nextTimer = null;
    this.waker = null;
  }

  /**
   * True once the deadline has been reached. Otherwise registers in the wheel (first time) and
   * stores the waker, and returns false. No clock read: `driver.lastNow` is the latest reading,
   * taken when this timer was created at the latest, and the wheel catches up with the real clock.
   */
  protected pollElapsed(cx: Context): boolean {
    const slot = this.slot;
    if (slot === FIRED) return true;
    if (slot === UNREGISTERED) {
      if (this.tick <= this.driver.lastNow) {
        this.slot = FIRED;
        return true;
      }
      this.driver.insert(this as TimerEntry<unknown>);
    }
    this.waker = cx.waker;
    return false;
  }

  /** Take the timer out of the wheel if it is there; forget the waker. */
  protected deregister(): void {
    if (this.slot >= 0) this.driver.remove(this as TimerEntry<unknown>);
    this.waker = null;
  }

  /** @internal move the deadline to `tick`. A registered timer stays registered (or fires now if due). */
  moveTo(tick: number): void {
    const slot = this.slot;
    this.tick = tick;
    if (slot === FIRED) {
      this.slot = UNREGISTERED;
    } else if (slot >= 0) {
      this.driver.move(this as TimerEntry<unknown>);
    }
  }
}
