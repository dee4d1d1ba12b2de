/**
 * The deadline of a bounded `runtime.shutdown({ timeout })`, as a timer of the runtime's wheel.
 *
 * The runtime layer cannot import `pollux/time` (imports point down the layers), so this module
 * installs the timer into it when `pollux/time` loads (`driver.ts` does it). Being a wheel entry,
 * the deadline follows the runtime's clock: with `clock: "paused"`, auto-advance jumps to it when
 * the only thing left is cleanup waiting on something that will not come.
 */
import type { Waker } from "../future/poll.js";
import type { TimeDriver } from "./driver.js";
import { TimerEntry } from "./entry.js";

/** @internal a wheel entry that calls `fire` at its tick; never awaited by a task. */
export class ShutdownDeadline extends TimerEntry<void> implements Waker {
  constructor(
    driver: TimeDriver,
    tick: number,
    private fire: (() => void) | null,
  ) {
    super(driver, tick);
  }

  /** Register in the wheel (or fire at once when the deadline has passed already). */
  arm(): void {
    // The deadline is its own waker: the wheel wakes it when the clock reaches its tick.
    if (this.pollElapsed({ waker: this })) this.wake();
  }

  wake(): void {
    const fire = this.fire;
    this.fire = null;
    fire?.();
  }

  disarm(): void {
    this.fire = null;
    this.deregister();
  }

  poll(): never {
    throw new Error("the shutdown deadline is internal and cannot be awaited");
  }

  override describe(): string {
    return `shutdown deadline (due in ${Math.ceil(this.driver.remaining(this.tick))} ms)`;
  }
}
