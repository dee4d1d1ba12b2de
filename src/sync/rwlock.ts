/**
 * `RwLock<T>`: many readers or one writer, fair and write-preferring.
 *
 * HOW: a reader count, a writer flag and ONE FIFO `WaitList` holding both kinds of requests.
 * A request is granted at once only when nobody waits ahead of it and the lock is compatible. On
 * release the queue is served from the front: a run of readers at the front is admitted together;
 * a writer at the front waits for the readers to leave, and every request behind it (readers
 * included) waits for the writer. So a stream of readers cannot starve a writer, and writers
 * cannot starve the readers queued before them. Grants go straight to the waiter (no barging); a
 * granted waiter cancelled before it observed its guard releases what it was given.
 */
import { FutureBase } from "../future/future.js";
import { instanceLabel } from "../future/instance-id.js";
import { type Context, PENDING, type Poll, type Waker } from "../future/poll.js";
import { anchorWork, pollReady } from "../runtime/map-anchors.js";
import { pollProceed } from "../task/coop.js";
import { checkCount, describe, MAX_COUNT } from "./validate.js";
import { WaitList } from "./wait-list.js";

/** A read guard that was not narrowed by `map`: its value is the whole protected value. */
const NOT_MAPPED: unique symbol = Symbol("RwLockReadGuard.notMapped");

const INIT = 0;
const WAITING = 1;
const GRANTED = 2;
const DONE = 3;

const READ = 0;
const WRITE = 1;

class RwAcquire<T, G> extends FutureBase<G> {
  qPrev: RwAcquire<T, unknown> | null = null;
  qNext: RwAcquire<T, unknown> | null = null;
  waker: Waker | null = null;
  state = INIT;

  constructor(
    private readonly lock: RwLock<T>,
    readonly kind: number,
  ) {
    super();
  }

  poll(cx: Context): Poll<G> {
    const lock = this.lock;
    switch (this.state) {
      case INIT: {
        const free =
          lock.waiters.length === 0 &&
          !lock.writer &&
          (this.kind === READ ? lock.readers < lock.maxReaders : lock.readers === 0);
        if (free) {
          if (!pollProceed(cx)) return PENDING;
          if (this.kind === READ) lock.readers++;
          else lock.writer = true;
          return this.guard();
        }
        this.state = WAITING;
        this.waker = cx.waker;
        lock.waiters.push(this as RwAcquire<T, unknown>);
        return PENDING;
      }
      case WAITING:
        this.waker = cx.waker;
        return PENDING;
      case GRANTED:
        return this.guard();
      default:
        throw new Error(`RwLock ${this.kind === READ ? "read" : "write"} future polled after it completed.`);
    }
  }

  private guard(): G {
    this.state = DONE;
    const lock = this.lock;
    return (
      this.kind === READ ? new RwLockReadGuard(lock as RwLock<unknown>) : new RwLockWriteGuard(lock)
    ) as G;
  }

  override cancel(): void {
    const state = this.state;
    this.state = DONE;
    const lock = this.lock;
    if (state === WAITING) {
      lock.waiters.remove(this as RwAcquire<T, unknown>);
      this.waker = null;
      // A writer leaving the front may unblock the readers queued behind it.
      lock.grant();
    } else if (state === GRANTED) {
      if (this.kind === READ) lock.releaseRead();
      else lock.releaseWrite();
    }
  }

  override describe(): string {
    const lock = this.lock;
    const n = lock.waiters.length;
    const held = lock.writer
      ? "held by a writer"
      : lock.readers > 0
        ? `held by ${lock.readers} reader${lock.readers === 1 ? "" : "s"}`
        : "free";
    return (
      `RwLock.${this.kind === READ ? "read" : "write"}() on ${instanceLabel(lock, "rwlock")} — ${held}, ` +
      `${n} waiter${n === 1 ? "" : "s"}`
    );
  }
}

/**
 * Shared read access to an {@link RwLock}'s value. Several read guards may exist at once.
 *
 * @example
 * using r = yield* table.read();
 * console.log(r.value.size);
 */
export class RwLockReadGuard<T> {
  private lock: RwLock<unknown> | null;
  /** The part this guard was narrowed to by `map`; NOT_MAPPED: the whole value. */
  private readonly part: T | typeof NOT_MAPPED;

  /** @internal */
  constructor(lock: RwLock<unknown>, part: T | typeof NOT_MAPPED = NOT_MAPPED) {
    this.lock = lock;
    this.part = part;
  }

  /** The protected value (read access; do not mutate it under a read guard). Throws after release. */
  get value(): T {
    const lock = this.lock;
    if (lock === null) throw new Error("RwLockReadGuard used after release(); call read() again.");
    const part = this.part;
    return part === NOT_MAPPED ? (lock.data as T) : part;
  }

  /**
   * Narrow the guard onto a part of the value (Tokio's `RwLockReadGuard::map`): the returned
   * guard holds this read access and exposes `fn(value)`; this guard gives its access up to it.
   *
   * Cost: one call and one small object.
   *
   * @example
   * using route = (yield* routes.read()).map((m) => m.get(path));
   */
  map<U>(fn: (value: T) => U): RwLockReadGuard<U> {
    if (typeof fn !== "function") {
      throw new TypeError(`RwLockReadGuard.map expects a function (value) => part; got ${describe(fn)}.`);
    }
    const part = fn(this.value);
    const lock = this.lock!;
    this.lock = null;
    return new RwLockReadGuard(lock, part);
  }

  /**
   * Give up read access. Idempotent.
   *
   * @example
   * r.release();
   */
  release(): void {
    const lock = this.lock;
    if (lock === null) return;
    this.lock = null;
    lock.releaseRead();
  }

  /** Same as {@link RwLockReadGuard.release}, for `using`. */
  [Symbol.dispose](): void {
    this.release();
  }
}

/**
 * Exclusive access to an {@link RwLock}'s value: read and write it through `value`.
 *
 * @example
 * using w = yield* table.write();
 * w.value.set(key, row);
 */
export class RwLockWriteGuard<T> {
  private lock: RwLock<T> | null;

  /** @internal */
  constructor(lock: RwLock<T>) {
    this.lock = lock;
  }

  /** The protected value. Throws after release. */
  get value(): T {
    return this.held().data;
  }

  set value(value: T) {
    this.held().data = value;
  }

  /**
   * Turn this write access into read access without letting a writer in between. Readers queued
   * at the front are admitted too. This guard is released; use the returned one.
   *
   * @example
   * const r = w.downgrade();
   * publish(r.value);
   */
  downgrade(): RwLockReadGuard<T> {
    const lock = this.held();
    this.lock = null;
    lock.writer = false;
    lock.readers = 1;
    lock.grant();
    return new RwLockReadGuard(lock as RwLock<unknown>);
  }

  /**
   * Give up write access: the front of the queue is served. Idempotent.
   *
   * @example
   * w.release();
   */
  release(): void {
    const lock = this.lock;
    if (lock === null) return;
    this.lock = null;
    lock.releaseWrite();
  }

  /** Same as {@link RwLockWriteGuard.release}, for `using`. */
  [Symbol.dispose](): void {
    this.release();
  }

  /**
   * Narrow the guard onto a part of the value (Tokio's `RwLockWriteGuard::map`): the returned
   * guard holds the write access and exposes `fn(value)`; this guard gives its access up to it.
   * JavaScript has no reference to a field, so map to an object and mutate it through `value`.
   *
   * Cost: one call and one small object.
   *
   * @example
   * using user = (yield* users.write()).map((m) => m.get(id)!);
   * user.value.lastSeen = Date.now();
   */
  map<U>(fn: (value: T) => U): RwLockMappedWriteGuard<U> {
    if (typeof fn !== "function") {
      throw new TypeError(`RwLockWriteGuard.map expects a function (value) => part; got ${describe(fn)}.`);
    }
    const lock = this.held();
    const part = fn(lock.data);
    this.lock = null;
    return new RwLockMappedWriteGuard(lock as RwLock<unknown>, part);
  }

  private held(): RwLock<T> {
    const lock = this.lock;
    if (lock === null) throw new Error("RwLockWriteGuard used after release(); call write() again.");
    return lock;
  }
}

/**
 * An {@link RwLockWriteGuard} narrowed by `map` onto a part of the value: it holds the write
 * access, exposes only the part, and releases on `release()` or at the end of a `using` scope.
 * Tokio's `RwLockMappedWriteGuard`.
 *
 * @example
 * using cfg = (yield* state.write()).map((s) => s.config);
 * cfg.value.verbose = true;
 */
export class RwLockMappedWriteGuard<U> {
  private lock: RwLock<unknown> | null;
  private readonly part: U;

  /** @internal use `RwLockWriteGuard.map`. */
  constructor(lock: RwLock<unknown>, part: U) {
    this.lock = lock;
    this.part = part;
  }

  /** The part of the value this guard was narrowed to. Throws after release. */
  get value(): U {
    if (this.lock === null)
      throw new Error("RwLockMappedWriteGuard used after release(); call write() again.");
    return this.part;
  }

  /**
   * Narrow further; this guard gives up its access to the returned one.
   *
   * @example
   * const flags = cfg.map((c) => c.flags);
   */
  map<V>(fn: (value: U) => V): RwLockMappedWriteGuard<V> {
    if (typeof fn !== "function") {
      throw new TypeError(
        `RwLockMappedWriteGuard.map expects a function (value) => part; got ${describe(fn)}.`,
      );
    }
    const part = fn(this.value);
    const lock = this.lock!;
    this.lock = null;
    return new RwLockMappedWriteGuard(lock, part);
  }

  /** Give up write access: the front of the queue is served. Idempotent. */
  release(): void {
    const lock = this.lock;
    if (lock === null) return;
    this.lock = null;
    lock.releaseWrite();
  }

  /** Same as {@link RwLockMappedWriteGuard.release}, for `using`. */
  [Symbol.dispose](): void {
    this.release();
  }
}

/**
 * A reader-writer lock around a value: any number of readers, or one writer. Fair: requests are
 * served in arrival order, and a waiting writer holds back readers that arrive after it.
 *
 * When to use: data read often and written rarely, where readers hold it across awaits. If every
 * access is short, a {@link Mutex} is simpler and as fast.
 *
 * Cost: like `Mutex`: one future and one guard per acquisition; one wake per reader or writer
 * admitted from the queue.
 *
 * @example
 * const routes = new RwLock(new Map<string, Handler>());
 * using r = yield* routes.read();
 * const h = r.value.get(path);
 */
export class RwLock<T> {
  /** @internal */
  data: T;
  /** @internal readers holding the lock. */
  readers = 0;
  /** @internal a writer holds the lock. */
  writer = false;
  /** @internal */
  readonly waiters = new WaitList<RwAcquire<T, unknown>>();
  /** The most readers admitted at once (2^31 - 1 unless made by {@link RwLock.withMaxReaders}). */
  readonly maxReaders: number;

  constructor(value: T) {
    this.data = value;
    this.maxReaders = MAX_COUNT;
  }

  /**
   * A lock that admits at most `maxReaders` readers at once (Tokio's `with_max_readers`): a
   * further `read()` waits for a reader to leave, in queue order. Use it to bound how many tasks
   * use a shared resource read-only at the same time.
   *
   * @throws RangeError when `maxReaders` is not a whole number from 1 to 2^31 - 1.
   * @example
   * const index = RwLock.withMaxReaders(loadIndex(), 8); // at most 8 concurrent searches
   */
  static withMaxReaders<T>(value: T, maxReaders: number): RwLock<T> {
    const lock = new RwLock(value);
    (lock as { maxReaders: number }).maxReaders = checkCount(
      "RwLock.withMaxReaders(value, maxReaders): maxReaders",
      maxReaders,
      1,
      "Pass how many readers may hold the lock at once, e.g. 8.",
    );
    return lock;
  }

  /**
   * Wait for shared read access. Granted at once when no writer holds the lock and nobody waits.
   *
   * Cancel safety: nothing leaks: a cancelled waiting request leaves the queue (letting readers
   * behind it in if it was a writer), and access granted to a cancelled request is released.
   *
   * Prefer `using`: disposal releases on every path, while a `release()` placed after an await
   * in a `finally` is skipped when a cancellation arrives during that await (docs/guide.md,
   * "Cancellation").
   *
   * @example
   * using r = yield* lock.read();
   */
  read(): FutureBase<RwLockReadGuard<T>> {
    return new RwAcquire<T, RwLockReadGuard<T>>(this, READ);
  }

  /**
   * Wait for exclusive write access. Cancel safety as for `read`.
   *
   * Prefer `using`: disposal releases on every path, while a `release()` placed after an await
   * in a `finally` is skipped when a cancellation arrives during that await (docs/guide.md,
   * "Cancellation").
   *
   * @example
   * using w = yield* lock.write();
   * w.value = next;
   */
  write(): FutureBase<RwLockWriteGuard<T>> {
    return new RwAcquire<T, RwLockWriteGuard<T>>(this, WRITE);
  }

  /**
   * Read access if available right now without jumping the queue, else undefined.
   *
   * @example
   * const r = lock.tryRead();
   */
  tryRead(): RwLockReadGuard<T> | undefined {
    if (this.writer || this.waiters.length > 0 || this.readers >= this.maxReaders) return undefined;
    this.readers++;
    return new RwLockReadGuard(this as RwLock<unknown>);
  }

  /**
   * Write access if the lock is entirely free right now, else undefined.
   *
   * @example
   * const w = lock.tryWrite();
   */
  tryWrite(): RwLockWriteGuard<T> | undefined {
    if (this.writer || this.readers > 0 || this.waiters.length > 0) return undefined;
    this.writer = true;
    return new RwLockWriteGuard(this);
  }

  /** @internal */
  releaseRead(): void {
    // Grant on every leave, not only the last: with maxReaders, a leaving reader admits a waiting one.
    this.readers--;
    if (this.waiters.head !== null) this.grant();
  }

  /** @internal */
  releaseWrite(): void {
    this.writer = false;
    this.grant();
  }

  /** @internal admit waiters from the front while they are compatible. */
  grant(): void {
    const waiters = this.waiters;
    for (let head = waiters.head; head !== null; head = waiters.head) {
      if (this.writer) return;
      if (head.kind === WRITE) {
        if (this.readers > 0) return;
        this.writer = true;
      } else {
        if (this.readers >= this.maxReaders) return;
        this.readers++;
      }
      waiters.shift();
      head.state = GRANTED;
      const w = head.waker!;
      head.waker = null;
      w.wake();
    }
  }
}

// Map anchors (see runtime/map-anchors.ts): a reader, and a writer woken when it leaves.
anchorWork("rwlock", (keep, cx) => {
  const lock = new RwLock(0);
  const read = lock.read();
  const reader = pollReady(read, cx);
  const write = lock.write();
  write.poll(cx);
  reader.release();
  const writer = pollReady(write, cx);
  writer.value++;
  writer.release();
  keep(lock, read, reader, write, writer);
});
