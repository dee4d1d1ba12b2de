import { current } from "./current.js";
import { FutureBase } from "./future.js";
import { PENDING, type Poll } from "./poll.js";

/** A future that never completes and never registers a waker. */
export class Pending<T> extends FutureBase<T> {
  poll(): Poll<T> {
    // Parking until an abort is deliberate: tell full instrumentation this is no lost waker.
    current.wakerRead = true;
    return PENDING;
  }
  override describe(): string {
    return "pending() (never completes)";
  }
}

/**
 * A future that never completes. Useful as a `select` branch that must never win, or to park a task
 * until it is aborted. A task awaiting only this, with nothing else able to wake it, is a deadlock
 * that `run()` reports. Allocates nothing: every call returns the same stateless future.
 *
 * @example
 * yield* pending(); // waits until the task is aborted
 */
export function pending<T = never>(): Pending<T> {
  return PENDING_FUTURE as Pending<T>;
}

/** Stateless, so one instance serves every caller (24 bytes less per parked task). */
const PENDING_FUTURE = new Pending<never>();
