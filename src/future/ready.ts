import { FutureBase } from "./future.js";
import type { Poll } from "./poll.js";

/** A future that is ready with `value` at its first poll. */
export class Ready<T> extends FutureBase<T> {
  constructor(private readonly value: T) {
    super();
  }
  poll(): Poll<T> {
    return this.value;
  }
}

/**
 * A future that is immediately ready with `value`. Awaiting it never suspends the task.
 *
 * Cost: one small object; `yield* ready(v)` is a method call, no microtask.
 *
 * @example
 * const n = yield* ready(42); // 42
 */
export function ready<T>(value: T): Ready<T>;
export function ready(): Ready<void>;
export function ready<T>(value?: T): Ready<T | undefined> {
  return new Ready(value);
}
