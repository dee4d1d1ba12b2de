/**
 * `Semaphore`: a fair counting semaphore (Tokio's `batch_semaphore`, single-threaded).
 *
 * HOW: a count of free permits and a FIFO `WaitList` of acquire futures, each wanting `n`
 * permits. Released permits go to the FRONT waiter first, even partially: a waiter for 5 with 3
 * assigned keeps them while it waits for 2 more, and nobody behind it is served meanwhile. Only
 * permits nobody waits for return to the free count. This is what makes `acquire(n)` fair: a
 * large request cannot be starved by a stream of small ones, and `tryAcquire` cannot overtake a
 * queued waiter (the free count stays 0 while anyone waits).
 *
 * Cancelling a waiter returns whatever was assigned to it, which flows to the next waiters, so a
 * cancelled or timed-out `acquire` never leaks permits nor leaves a later waiter stuck.
 */
import { FutureBase } from "../future/future.js";
import { instanceLabel } from "../future/instance-id.js";
import { type Context, PENDING, type Poll, type Waker } from "../future/poll.js";
import { anchorWork, pollReady } from "../runtime/map-anchors.js";
import { pollProceed } from "../task/coop.js";
import { AcquireError } from "./errors.js";
import { checkCount, MAX_COUNT } from "./validate.js";
import { WaitList } from "./wait-list.js";

const INIT = 0;
const WAITING = 1;
const GRANTED = 2;
const CLOSED = 3;
const DONE = 4;

class Acquire extends FutureBase<SemaphorePermit> {
  qPrev: Acquire | null = null;
  qNext: Acquire | null = null;
  waker: Waker | null = null;
  state = INIT;
  /** Permits already given to this waiter while it waits for the rest. */
  assigned = 0;

  constructor(
    private readonly sem: Semaphore,
    readonly n: number,
  ) {
    super();
  }

  poll(cx: Context): Poll<SemaphorePermit> {
    const sem = this.sem;
    switch (this.state) {
      case INIT:
        if (sem.closed) return this.fail();
        if (sem.waiters.head === null && sem.permits >= this.n) {
          if (!pollProceed(cx)) return PENDING;
          sem.permits -= this.n;
          this.state = DONE;
          return new SemaphorePermit(sem, this.n);
        }
        // Queue, taking what is free now (only possible when nobody is ahead).
        if (sem.waiters.head === null) {
          this.assigned = sem.permits;
          sem.permits = 0;
        }
        this.state = WAITING;
        this.waker = cx.waker;
        sem.waiters.push(this);
        return PENDING;
      case WAITING:
        this.waker = cx.waker;
        return PENDING;
      case GRANTED:
        this.state = DONE;
        return new SemaphorePermit(sem, this.n);
      case CLOSED:
        return this.fail();
      default:
        throw new Error("Semaphore acquire future polled after it completed; call acquire() again.");
    }
  }

  private fail(): never {
    this.state = DONE;
    throw new AcquireError();
  }

  override cancel(): void {
    const state = this.state;
    this.state = DONE;
    const sem = this.sem;
    if (state === WAITING) {
      sem.waiters.remove(this);
      this.waker = null;
      const assigned = this.assigned;
      this.assigned = 0;
      // Return what we were given; a smaller request behind us may now be served too.
      sem.release(assigned);
    } else if (state === GRANTED) {
      sem.release(this.n);
    }
  }

  override describe(): string {
    const sem = this.sem;
    const n = sem.waiters.length;
    return (
      `Semaphore.acquire(${this.n}) on ${instanceLabel(sem, "semaphore")} — ${this.assigned} of ${this.n} ` +
      `permits assigned, ${sem.permits} free, ${n} waiter${n === 1 ? "" : "s"}${sem.closed ? ", closed" : ""}`
    );
  }
}

/**
 * Permits held from a {@link Semaphore}. `release()` (or `using`) gives them back; `forget()`
 * drops them for good (the semaphore's total shrinks).
 *
 * @example
 * using permit = yield* limiter.acquire();
 * yield* callUpstream();
 */
export class SemaphorePermit {
  private sem: Semaphore | null;

  /** @internal */
  constructor(
    sem: Semaphore,
    /** How many permits this holds. */
    readonly count: number,
  ) {
    this.sem = sem;
  }

  /**
   * Return the permits to the semaphore (the first waiters get them). Idempotent.
   *
   * @example
   * permit.release();
   */
  release(): void {
    const sem = this.sem;
    if (sem === null) return;
    this.sem = null;
    sem.release(this.count);
  }

  /**
   * Drop the permits without returning them: the semaphore ends up with fewer in total. Later
   * `release()` is a no-op.
   *
   * @example
   * // shrink a pool by one connection
   * (yield* pool.acquire()).forget();
   */
  forget(): void {
    this.sem = null;
  }

  /** Same as {@link SemaphorePermit.release}, for `using`. */
  [Symbol.dispose](): void {
    this.release();
  }
}

/**
 * A counting semaphore with fair (FIFO) acquisition, also for several permits at once.
 *
 * When to use: to bound concurrency (at most N requests in flight, N open files), or to hand out
 * a pool of identical resources. For one holder at a time with a value, use {@link Mutex}.
 *
 * Cost: an uncontended acquire is one future and one permit object, no wake. Under contention a
 * release costs one wake per waiter it completes.
 *
 * @throws RangeError when `permits` is not an integer ≥ 0.
 * @example
 * const limiter = new Semaphore(10);
 * function* fetchLimited(url: string) {
 *   using _permit = yield* limiter.acquire();
 *   return yield* fetchUrl(url);
 * }
 */
export class Semaphore {
  /**
   * The most permits a semaphore can hold: 2^31 - 1 (Tokio's is `usize::MAX >> 3`). Constructors
   * and `addPermits` beyond it throw a `RangeError`.
   */
  static readonly MAX_PERMITS: number = MAX_COUNT;

  /** @internal free permits not assigned to anyone; 0 whenever someone waits. */
  permits: number;
  /** @internal */
  closed = false;
  /** @internal */
  readonly waiters = new WaitList<Acquire>();

  constructor(permits: number) {
    this.permits = checkCount(
      "new Semaphore(permits): permits",
      permits,
      0,
      "Pass how many holders may proceed at once, e.g. new Semaphore(10).",
    );
  }

  /**
   * Wait for `n` permits (default 1) and get them as one {@link SemaphorePermit}. Served first
   * come, first served: a request for many permits is not overtaken by later small ones. Throws
   * {@link AcquireError} if the semaphore is closed, or closes while waiting.
   *
   * Cancel safety: nothing leaks: cancelling a waiting `acquire` returns the permits assigned to
   * it so far, and permits granted to a cancelled request go back (to the next waiters first).
   * The place in the queue is lost.
   *
   * Cost: one future and one permit object; spends one unit of coop budget when permits are free.
   *
   * Prefer `using`: disposal releases on every path, while a `release()` placed after an await
   * in a `finally` is skipped when a cancellation arrives during that await (docs/guide.md,
   * "Cancellation").
   *
   * @example
   * using p = yield* sem.acquire(3);
   */
  acquire(n = 1): FutureBase<SemaphorePermit> {
    return new Acquire(
      this,
      checkCount("Semaphore.acquire(n): n", n, 0, "Ask for a whole number of permits."),
    );
  }

  /**
   * `n` permits (default 1) if they are free right now and nobody waits ahead, else undefined.
   * Throws {@link AcquireError} when the semaphore is closed.
   *
   * @example
   * const p = sem.tryAcquire();
   * if (p === undefined) return reply(503);
   */
  tryAcquire(n = 1): SemaphorePermit | undefined {
    checkCount("Semaphore.tryAcquire(n): n", n, 0, "Ask for a whole number of permits.");
    if (this.closed) throw new AcquireError();
    if (this.waiters.head !== null || this.permits < n) return undefined;
    this.permits -= n;
    return new SemaphorePermit(this, n);
  }

  /** Permits free right now (0 while anyone waits). */
  get availablePermits(): number {
    return this.permits;
  }

  /**
   * Add `n` permits; waiters are served first. Works after `close()` too (only acquiring stops).
   *
   * @throws RangeError when the total would exceed 2^31 - 1.
   * @example
   * pool.addPermits(1); // a new connection joined the pool
   */
  addPermits(n: number): void {
    checkCount("Semaphore.addPermits(n): n", n, 0, "Add a whole number of permits.");
    if (this.permits + n > MAX_COUNT) {
      throw new RangeError(
        `Semaphore.addPermits(${n}) would exceed the maximum of ${MAX_COUNT} permits (${this.permits} are free).`,
      );
    }
    this.release(n);
  }

  /**
   * Remove up to `n` of the free permits for good, and return how many were removed (fewer than
   * `n` when fewer are free; permits held by someone are not touched). Tokio's `forget_permits`:
   * shrink a pool whose resources went away without waiting for them to be free.
   *
   * Cost: O(1).
   *
   * @throws RangeError when `n` is not a whole number from 0 to `MAX_PERMITS`.
   * @example
   * const gone = pool.forgetPermits(2); // two connections died; gone <= 2
   */
  forgetPermits(n: number): number {
    checkCount("Semaphore.forgetPermits(n): n", n, 0, "Pass a whole number of permits to remove.");
    const removed = n < this.permits ? n : this.permits;
    this.permits -= removed;
    return removed;
  }

  /**
   * Close the semaphore: every waiting `acquire` throws {@link AcquireError}, as do later ones.
   * Permits already held stay valid and can still be released. Idempotent.
   *
   * @example
   * limiter.close(); // shutting down: stop admitting work
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (let n = this.waiters.takeAll(); n !== null; ) {
      const next = n.qNext;
      n.qPrev = null;
      n.qNext = null;
      this.permits += n.assigned;
      n.assigned = 0;
      n.state = CLOSED;
      const w = n.waker!;
      n.waker = null;
      w.wake();
      n = next;
    }
  }

  /** True once `close()` was called. */
  isClosed(): boolean {
    return this.closed;
  }

  /** @internal give `n` permits back: to the front waiters first, the rest to the free count. */
  release(n: number): void {
    const waiters = this.waiters;
    for (let head = waiters.head; head !== null && n > 0; head = waiters.head) {
      const need = head.n - head.assigned;
      if (n < need) {
        head.assigned += n;
        return;
      }
      n -= need;
      waiters.shift();
      head.assigned = 0;
      head.state = GRANTED;
      const w = head.waker!;
      head.waker = null;
      w.wake();
    }
    // Zero-permit requests at the front are served as soon as they reach it.
    for (let head = waiters.head; head !== null && head.n === 0; head = waiters.head) {
      waiters.shift();
      head.state = GRANTED;
      const w = head.waker!;
      head.waker = null;
      w.wake();
    }
    this.permits += n;
  }
}

// Map anchors (see runtime/map-anchors.ts): a permit taken at once and one a waiter was woken for.
anchorWork("semaphore", (keep, cx) => {
  const sem = new Semaphore(1);
  const first = sem.acquire();
  const permit = pollReady(first, cx);
  const second = sem.acquire();
  second.poll(cx);
  permit.release();
  const woken = pollReady(second, cx);
  woken.release();
  keep(sem, first, permit, second, woken);
});
