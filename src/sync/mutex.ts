/**
 * `Mutex<T>`: an async mutual-exclusion lock around a value, fair (first come, first served).
 *
 * HOW: a `locked` flag and a FIFO `WaitList` of lock futures. Unlocking never sets the flag to
 * false while someone waits: ownership passes directly to the first waiter (`GRANTED`), which is
 * woken and finds the lock already its own. So no task can barge in between the unlock and the
 * waiter's wake-up, and no waiter starves. A granted waiter that is cancelled before it observed
 * the lock passes it on to the next one, so the lock never leaks.
 *
 * WHY async and not a plain flag: the guard may be held across `yield*` (IO, timers), so waiting
 * for it must suspend the task, not spin.
 */
import { AsyncFnFuture } from "../future/async-fn.js";
import { current, type TaskInfo } from "../future/current.js";
import { type Future, FutureBase, type Suspend } from "../future/future.js";
import { instanceLabel, taskLabel } from "../future/instance-id.js";
import { isGenerator } from "../future/into-future.js";
import { type Context, PENDING, type Poll, type Waker } from "../future/poll.js";
import { anchorWork, pollReady } from "../runtime/map-anchors.js";
import { pollProceed } from "../task/coop.js";
import { describe } from "./validate.js";
import { WaitList } from "./wait-list.js";

const INIT = 0;
const WAITING = 1;
const GRANTED = 2;
const DONE = 3;

class Lock<T> extends FutureBase<MutexGuard<T>> {
  qPrev: Lock<T> | null = null;
  qNext: Lock<T> | null = null;
  waker: Waker | null = null;
  state = INIT;

  constructor(private readonly mutex: Mutex<T>) {
    super();
  }

  poll(cx: Context): Poll<MutexGuard<T>> {
    const m = this.mutex;
    switch (this.state) {
      case INIT:
        if (!m.locked) {
          if (!pollProceed(cx)) return PENDING;
          m.locked = true;
          this.state = DONE;
          return new MutexGuard(m);
        }
        this.state = WAITING;
        this.waker = cx.waker;
        m.waiters.push(this);
        return PENDING;
      case WAITING:
        this.waker = cx.waker;
        return PENDING;
      case GRANTED:
        this.state = DONE;
        return new MutexGuard(m);
      default:
        throw new Error("Mutex lock future polled after it completed; call lock() again.");
    }
  }

  override cancel(): void {
    const state = this.state;
    this.state = DONE;
    if (state === WAITING) {
      this.mutex.waiters.remove(this);
      this.waker = null;
    } else if (state === GRANTED) {
      // The lock was handed to us but never observed: hand it to the next waiter.
      this.mutex.unlock();
    }
  }

  override describe(): string {
    const m = this.mutex;
    const n = m.waiters.length;
    const held = m.holder !== null ? `held by ${taskLabel(m.holder)}` : m.locked ? "locked" : "free";
    return `Mutex.lock() on ${instanceLabel(m, "mutex")} — ${held}, ${n} waiter${n === 1 ? "" : "s"}`;
  }
}

/**
 * Proof of holding a {@link Mutex}: read and write the protected value through `value`, then
 * `release()` it, or let `using` release it at scope exit (also on error and cancellation).
 *
 * @example
 * using guard = yield* counter.lock();
 * guard.value += 1;
 */
export class MutexGuard<T> {
  private mutex: Mutex<T> | null;

  /** @internal */
  constructor(mutex: Mutex<T>) {
    this.mutex = mutex;
    mutex.holder = current.runtime?.running ?? null;
  }

  /** The protected value. Reading or writing it after `release()` throws. */
  get value(): T {
    return this.held().data;
  }

  set value(value: T) {
    this.held().data = value;
  }

  /**
   * Unlock: the first waiting task gets the lock. Idempotent, so an early `release()` inside a
   * `using` scope is safe.
   *
   * @example
   * const guard = yield* m.lock();
   * try { guard.value.push(item); } finally { guard.release(); }
   */
  release(): void {
    const m = this.mutex;
    if (m === null) return;
    this.mutex = null;
    m.unlock();
  }

  /** Same as {@link MutexGuard.release}, for `using`. */
  [Symbol.dispose](): void {
    this.release();
  }

  /**
   * Narrow the guard onto a part of the value (Tokio's `MutexGuard::map`): the lock stays held,
   * now by the returned guard, whose `value` is `fn(value)`. This guard gives up the lock to it
   * (using or releasing it afterwards does nothing), so hand the mapped guard to code that must
   * see only its part. JavaScript has no reference to a field, so map to an object (a table
   * entry, a sub-state) and mutate it through the mapped guard's `value`.
   *
   * Cost: one call and one small object.
   *
   * @example
   * using all = yield* accounts.lock();
   * using acct = all.map((m) => m.get(id)!); // only this account is visible below
   * acct.value.balance -= amount;
   */
  map<U>(fn: (value: T) => U): MappedMutexGuard<U> {
    if (typeof fn !== "function") {
      throw new TypeError(`MutexGuard.map expects a function (value) => part; got ${describe(fn)}.`);
    }
    const m = this.held();
    const part = fn(m.data);
    this.mutex = null;
    return new MappedMutexGuard(m as Mutex<unknown>, part);
  }

  private held(): Mutex<T> {
    const m = this.mutex;
    if (m === null)
      throw new Error("MutexGuard used after release(); lock the mutex again to access its value.");
    return m;
  }
}

/**
 * A {@link MutexGuard} narrowed by `map` onto a part of the protected value: it holds the whole
 * lock, exposes only the part, and releases the lock on `release()` or at the end of a `using`
 * scope. Tokio's `MappedMutexGuard`.
 *
 * @example
 * using entry = (yield* table.lock()).map((t) => t.rows[0]!);
 * entry.value.hits++;
 */
export class MappedMutexGuard<U> {
  private mutex: Mutex<unknown> | null;
  private readonly part: U;

  /** @internal use `MutexGuard.map`. */
  constructor(mutex: Mutex<unknown>, part: U) {
    this.mutex = mutex;
    this.part = part;
  }

  /** The part of the value this guard was narrowed to. Throws after release. */
  get value(): U {
    if (this.mutex === null) {
      throw new Error("MappedMutexGuard used after release(); lock the mutex again to access its value.");
    }
    return this.part;
  }

  /**
   * Narrow further: a guard on a part of this part. This guard gives up the lock to it.
   *
   * @example
   * const name = entry.map((e) => e.profile);
   */
  map<V>(fn: (value: U) => V): MappedMutexGuard<V> {
    if (typeof fn !== "function") {
      throw new TypeError(`MappedMutexGuard.map expects a function (value) => part; got ${describe(fn)}.`);
    }
    const part = fn(this.value);
    const m = this.mutex!;
    this.mutex = null;
    return new MappedMutexGuard(m, part);
  }

  /** Unlock the mutex. Idempotent. */
  release(): void {
    const m = this.mutex;
    if (m === null) return;
    this.mutex = null;
    m.unlock();
  }

  /** Same as {@link MappedMutexGuard.release}, for `using`. */
  [Symbol.dispose](): void {
    this.release();
  }
}

/**
 * An async mutex protecting a value of type `T`. Locks are granted in the order they were
 * requested, and a guard may be held across awaits.
 *
 * When to use: state that a task must read and update across a suspension point (a connection
 * pool, a cache being refilled). For state only touched synchronously no lock is needed at all:
 * JavaScript runs one poll at a time.
 *
 * Cost: an uncontended lock is one future and one guard object, no wake. A contended lock costs
 * one wake per hand-off.
 *
 * @example
 * const cache = new Mutex(new Map<string, User>());
 * using guard = yield* cache.lock();
 * if (!guard.value.has(id)) guard.value.set(id, yield* fetchUser(id));
 */
export class Mutex<T> {
  /** @internal the protected value; reach it through a guard. */
  data: T;
  /** @internal */
  locked = false;
  /** @internal */
  readonly waiters = new WaitList<Lock<T>>();
  /**
   * @internal The task holding the lock, for descriptions ("held by task #4"); null when free or
   * granted to a waiter not yet polled. One store per lock, no allocation.
   */
  holder: TaskInfo | null = null;

  constructor(value: T) {
    this.data = value;
  }

  /**
   * Wait for the lock and get a {@link MutexGuard}. Requests are served first come, first served.
   *
   * Cancel safety: cancel-safe in that nothing leaks: cancelling a waiting `lock()` removes it
   * from the queue, and a lock granted to a cancelled request is passed to the next waiter. The
   * place in the queue is lost.
   *
   * Cost: one future; spends one unit of coop budget when the lock is free.
   *
   * Prefer `using`: disposal releases on every path, while a `release()` placed after an await
   * in a `finally` is skipped when a cancellation arrives during that await (docs/guide.md,
   * "Cancellation").
   *
   * @example
   * using guard = yield* m.lock();
   */
  lock(): FutureBase<MutexGuard<T>> {
    return new Lock(this);
  }

  /**
   * The guard if the lock is free right now (and nobody waits), else undefined.
   *
   * @example
   * const guard = m.tryLock();
   * if (guard === undefined) return "busy";
   */
  tryLock(): MutexGuard<T> | undefined {
    if (this.locked) return undefined;
    this.locked = true;
    return new MutexGuard(this);
  }

  /**
   * Lock, run `fn` with the guard, and unlock when it finishes, throws or is cancelled. `fn` may be
   * a plain function or a generator function (awaiting inside the lock). Resolves to its result.
   *
   * Cancel safety: cancelling while waiting for the lock is like cancelling `lock()`; cancelling
   * while `fn` runs cancels `fn` (its `finally` blocks run) and then unlocks.
   *
   * Cost: one async fn future on top of `lock()`.
   *
   * @example
   * const n = yield* counter.withLock((g) => ++g.value);
   * yield* conn.withLock(function* (g) { yield* g.value.write(frame); });
   */
  withLock<R>(fn: (guard: MutexGuard<T>) => Generator<Suspend, R, unknown>): Future<R>;
  withLock<R>(fn: (guard: MutexGuard<T>) => R): Future<R>;
  withLock<R>(fn: (guard: MutexGuard<T>) => R | Generator<Suspend, R, unknown>): Future<R> {
    if (typeof fn !== "function") {
      throw new TypeError(
        `Mutex.withLock expects a function (guard) => result, or a generator function; got ${describe(fn)}.`,
      );
    }
    return new AsyncFnFuture<R>(withLockBody(this, fn));
  }

  /** True while some task holds the lock. */
  isLocked(): boolean {
    return this.locked;
  }

  /** @internal release: hand the lock to the first waiter, or mark it free. */
  unlock(): void {
    this.holder = null;
    const next = this.waiters.shift();
    if (next === null) {
      this.locked = false;
      return;
    }
    next.state = GRANTED;
    const w = next.waker!;
    next.waker = null;
    w.wake();
  }
}

function* withLockBody<T, R>(
  mutex: Mutex<T>,
  fn: (guard: MutexGuard<T>) => R | Generator<Suspend, R, unknown>,
): Generator<Suspend, R, unknown> {
  const guard = yield* mutex.lock();
  try {
    const out = fn(guard);
    if (isGenerator(out)) return yield* new AsyncFnFuture<R>(out as Generator<Suspend, R, unknown>);
    return out as R;
  } finally {
    guard.release();
  }
}

// Map anchors (see runtime/map-anchors.ts): a lock taken at once and one a waiter was woken for.
anchorWork("mutex", (keep, cx) => {
  const mutex = new Mutex(0);
  const first = mutex.lock();
  const guard = pollReady(first, cx);
  const second = mutex.lock();
  second.poll(cx);
  guard.value++;
  guard.release();
  const woken = pollReady(second, cx);
  woken.release();
  keep(mutex, first, guard, second, woken);
});
