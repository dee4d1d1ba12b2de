/**
 * `Parked`: the waker of a task waiting on something outside its runtime (a worker thread's reply,
 * a cross-thread channel), registered so that it counts as a wake source of that runtime: a task
 * waiting on another thread is not a deadlock. Spawn-blocking jobs, remote tasks and cross-thread
 * channel ends all park this way.
 */
import { type AmbientRuntime, current } from "../future/current.js";
import type { Waker } from "../future/poll.js";

/** A waiter parked on another thread's progress. */
export class Parked {
  waker: Waker | null = null;
  private rt: AmbientRuntime | null = null;

  /** Register (or refresh) the waker; true on the first registration. */
  park(waker: Waker): boolean {
    const first = this.waker === null;
    if (first) {
      const rt = current.runtime;
      this.rt = rt;
      if (rt !== null) rt.sources++;
    }
    this.waker = waker;
    return first;
  }

  /** Forget the waker (cancelled, or ready). */
  unpark(): void {
    if (this.waker === null) return;
    this.waker = null;
    const rt = this.rt;
    this.rt = null;
    if (rt !== null) rt.sources--;
  }

  /** Wake the parked task from a port callback. */
  wake(): void {
    const waker = this.waker;
    if (waker === null) return;
    const rt = this.rt;
    this.unpark();
    if (rt !== null) rt.wakeGuarded(waker);
    else waker.wake();
  }
}
