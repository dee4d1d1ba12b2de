/**
 * `Notify`: wake one task or all waiting tasks, with no data (Tokio's `Notify`).
 *
 * HOW: a FIFO `WaitList` of `notified()` futures, one stored permit, and a counter of
 * `notifyWaiters()` calls.
 * - `notifyOne()` completes the first waiter (`notifyLast()` the most recent one); with nobody
 *   waiting it stores ONE permit (further calls do not stack), which the next `notified()`
 *   consumes at once.
 * - `notifyWaiters()` completes every waiter present and stores nothing. A `notified()` future
 *   counts as present from the moment it is created, even before its first poll: it remembers the
 *   counter value at creation, and a changed counter at its first poll means it was notified. That
 *   closes the classic race "check condition, then wait" when the notification lands in between.
 * - A waiter completed by `notifyOne()` and cancelled before it observed it forwards the
 *   notification (to the next waiter, or as the stored permit): nothing is lost.
 */
import { FutureBase } from "../future/future.js";
import { instanceLabel } from "../future/instance-id.js";
import { type Context, PENDING, type Poll, type Waker } from "../future/poll.js";
import { anchorWork, pollReady } from "../runtime/map-anchors.js";
import { pollProceed } from "../task/coop.js";
import { WaitList } from "./wait-list.js";

const INIT = 0;
const WAITING = 1;
/** Completed by `notifyOne`: must be forwarded if dropped unobserved. */
const NOTIFIED_ONE = 2;
/** Completed by `notifyWaiters`. */
const NOTIFIED_ALL = 3;
const DONE = 4;

/**
 * The future returned by {@link Notify.notified}: completes when notified. It can be registered
 * as a waiter before it is awaited with {@link Notified.enable}.
 *
 * @example
 * const n: Notified = notify.notified();
 * n.enable(); // in the queue for notifyOne() from here on
 * if (!queue.isEmpty()) return queue.pop();
 * yield* n;
 */
export class Notified extends FutureBase<void> {
  /** @internal */ qPrev: Notified | null = null;
  /** @internal */ qNext: Notified | null = null;
  /** @internal */ waker: Waker | null = null;
  /** @internal */ state = INIT;

  /** @internal use `notify.notified()`. */
  constructor(
    private readonly notify: Notify,
    private readonly calls: number,
  ) {
    super();
  }

  /**
   * Join the queue of waiters now, without waiting, so that a `notifyOne()` from here on can
   * choose this future (a `notifyWaiters()` reaches it from its creation anyway). Returns true if
   * it is already notified: the next poll completes at once. Idempotent. A notification taken
   * this way and then dropped unobserved (the future is cancelled) is forwarded, as usual.
   * Tokio's `Notified::enable`.
   *
   * Cost: O(1), no allocation.
   *
   * @example
   * const wait = notify.notified();
   * wait.enable();          // a notifyOne() racing with the check below is not lost
   * if (ready()) return;
   * yield* wait;
   */
  enable(): boolean {
    const notify = this.notify;
    switch (this.state) {
      case INIT:
        if (notify.waitersCalls !== this.calls) {
          this.state = NOTIFIED_ALL;
          return true;
        }
        if (notify.permit) {
          notify.permit = false;
          this.state = NOTIFIED_ONE;
          return true;
        }
        this.state = WAITING;
        notify.waiters.push(this);
        return false;
      case WAITING:
        return false;
      default:
        return true;
    }
  }

  poll(cx: Context): Poll<void> {
    const notify = this.notify;
    switch (this.state) {
      case INIT:
        if (notify.waitersCalls !== this.calls || notify.permit) {
          // Ready: spend budget first (a loop over stored permits must not starve the scheduler).
          if (!pollProceed(cx)) return PENDING;
          if (notify.waitersCalls === this.calls) notify.permit = false;
          this.state = DONE;
          return;
        }
        this.state = WAITING;
        this.waker = cx.waker;
        notify.waiters.push(this);
        return PENDING;
      case WAITING:
        this.waker = cx.waker;
        return PENDING;
      case NOTIFIED_ONE:
      case NOTIFIED_ALL:
        if (!pollProceed(cx)) return PENDING;
        this.state = DONE;
        return;
      default:
        throw new Error("Notify.notified() future polled after it completed; call notified() again.");
    }
  }

  override cancel(): void {
    const state = this.state;
    this.state = DONE;
    if (state === WAITING) {
      this.notify.waiters.remove(this);
      this.waker = null;
    } else if (state === NOTIFIED_ONE) {
      this.notify.notifyOne();
    }
  }

  override describe(): string {
    const n = this.notify.waiters.length;
    return `Notify.notified() on ${instanceLabel(this.notify, "notify")} — ${n} task${n === 1 ? "" : "s"} waiting`;
  }
}

/**
 * Task notification without data: `yield* notify.notified()` waits; `notifyOne()` wakes the first
 * waiter (or lets the next `notified()` pass at once); `notifyWaiters()` wakes everyone waiting.
 *
 * When to use: "something changed, go look" signals where the data lives elsewhere (a queue you
 * manage yourself, a state field). For a value use `watch` or `oneshot`.
 *
 * Cost: one future per `notified()`; a notification is one wake per waiter completed.
 *
 * @example
 * const ready = new Notify();
 * spawn(function* () {
 *   yield* ready.notified();
 *   console.log("go");
 * });
 * ready.notifyOne();
 */
export class Notify {
  /** @internal a stored `notifyOne` permit. */
  permit = false;
  /** @internal how many times `notifyWaiters` ran. */
  waitersCalls = 0;
  /** @internal */
  readonly waiters = new WaitList<Notified>();

  /**
   * A future that completes when this `Notify` is notified: by `notifyOne()` (first come, first
   * served, or a stored permit), or by any `notifyWaiters()` call made after the future was
   * created, even before it is first polled.
   *
   * Cancel safety: cancel-safe: a `notifyOne()` delivered to a cancelled future is forwarded to
   * the next waiter, or stored as the permit.
   *
   * @example
   * const wait = notify.notified(); // registered for notifyWaiters() from now on
   * if (!queue.isEmpty()) return queue.pop();
   * yield* wait;
   */
  notified(): Notified {
    return new Notified(this, this.waitersCalls);
  }

  /**
   * Complete the first waiting `notified()`; if none waits, store a permit so the next
   * `notified()` completes at once. At most one permit is stored.
   *
   * @example
   * queue.push(job);
   * hasWork.notifyOne();
   */
  notifyOne(): void {
    const head = this.waiters.shift();
    if (head === null) {
      this.permit = true;
      return;
    }
    head.state = NOTIFIED_ONE;
    const w = head.waker;
    head.waker = null;
    w?.wake(); // null for a future registered by enable() and not polled yet
  }

  /**
   * Complete the most recently queued `notified()` (last in, first out); if none waits, store a
   * permit as `notifyOne()` does. Use it when the freshest waiter should take the work (its
   * caches are warm, or older waiters are about to time out anyway). Tokio's `notify_last`.
   *
   * Cost: O(1).
   *
   * @example
   * idleWorkers.notifyLast(); // the worker that went idle last takes the job
   */
  notifyLast(): void {
    const tail = this.waiters.tail;
    if (tail === null) {
      this.permit = true;
      return;
    }
    this.waiters.remove(tail);
    tail.state = NOTIFIED_ONE;
    const w = tail.waker;
    tail.waker = null;
    w?.wake();
  }

  /**
   * Complete every `notified()` future created before this call. Stores no permit: later
   * `notified()` calls wait for the next notification.
   *
   * @example
   * config = reload();
   * configChanged.notifyWaiters();
   */
  notifyWaiters(): void {
    this.waitersCalls++;
    for (let n = this.waiters.takeAll(); n !== null; ) {
      const next = n.qNext;
      n.qPrev = null;
      n.qNext = null;
      n.state = NOTIFIED_ALL;
      const w = n.waker;
      n.waker = null;
      w?.wake();
      n = next;
    }
  }
}

// Map anchors (see runtime/map-anchors.ts): a waiter woken by notifyOne, one by a stored permit.
anchorWork("notify", (keep, cx) => {
  const notify = new Notify();
  const waiting = notify.notified();
  waiting.poll(cx);
  notify.notifyOne();
  pollReady(waiting, cx);
  notify.notifyOne();
  const stored = notify.notified();
  pollReady(stored, cx);
  keep(notify, waiting, stored);
});
