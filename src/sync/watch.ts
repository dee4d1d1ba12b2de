/**
 * `watch(initial)`: a single value that one sender updates and many receivers observe.
 *
 * HOW: the shared state is the current value and a version number bumped by every send. Each
 * receiver remembers the version it has seen; `changed()` completes as soon as the current version
 * differs from it (marking it seen), otherwise it waits in a `WaitList` that every send drains.
 * Receivers only ever see the latest value: intermediate values may be skipped, never queued.
 *
 * WHY: configuration, state snapshots and shutdown flags need "the latest", not a history, and
 * the sender must never wait for slow readers.
 */
import { FutureBase } from "../future/future.js";
import { instanceLabel } from "../future/instance-id.js";
import { type Context, PENDING, type Poll, type Waker } from "../future/poll.js";
import { anchorWork, pollReady } from "../runtime/map-anchors.js";
import { pollProceed } from "../task/coop.js";
import { RecvError, SendError } from "./errors.js";
import { WaitList } from "./wait-list.js";

/** @internal state shared by the sender and receivers of one watch channel. */
export class WatchShared<T> {
  version = 0;
  /** Open `WatchSender` handles (senders clone, as in Tokio). */
  senders = 1;
  receivers = 1;
  readonly waiters = new WaitList<Changed<T>>();

  constructor(public value: T) {}

  /** True while at least one sender is open. */
  get senderOpen(): boolean {
    return this.senders > 0;
  }

  publish(): void {
    this.version++;
    this.wakeAll();
  }

  wakeAll(): void {
    for (let n = this.waiters.takeAll(); n !== null; ) {
      const next = n.qNext;
      n.qPrev = null;
      n.qNext = null;
      n.queued = false;
      const w = n.waker!;
      n.waker = null;
      w.wake();
      n = next;
    }
  }
}

class Changed<T> extends FutureBase<void> {
  qPrev: Changed<T> | null = null;
  qNext: Changed<T> | null = null;
  waker: Waker | null = null;
  queued = false;

  private readonly sh: WatchShared<T>;

  constructor(private readonly rx: WatchReceiver<T>) {
    super();
    this.sh = rx.shared();
  }

  poll(cx: Context): Poll<void> {
    const rx = this.rx;
    const shared = this.sh;
    if (rx.sharedOrNull() === null) {
      this.leave(shared);
      throw new Error(
        "watch Receiver.changed() awaited after the receiver was closed; subscribe() a new receiver.",
      );
    }
    if (shared.version !== rx.seen) {
      // Ready: spend budget like every ready resource, so a loop over a watch that always
      // changed cannot starve the scheduler.
      if (!pollProceed(cx)) return PENDING;
      rx.seen = shared.version;
      this.leave(shared);
      return;
    }
    if (!shared.senderOpen) {
      this.leave(shared);
      throw new RecvError("watch sender closed: no new value will come");
    }
    this.waker = cx.waker;
    if (!this.queued) {
      this.queued = true;
      shared.waiters.push(this);
    }
    return PENDING;
  }

  private leave(shared: WatchShared<T>): void {
    if (this.queued) {
      this.queued = false;
      shared.waiters.remove(this);
    }
    this.waker = null;
  }

  override cancel(): void {
    this.leave(this.sh);
  }

  override describe(): string {
    const sh = this.sh;
    return (
      `watch Receiver.changed() on ${instanceLabel(sh, "channel")} — version ${sh.version} seen, ` +
      `${sh.senders === 0 ? "no sender" : `${sh.senders} sender${sh.senders === 1 ? "" : "s"}`} alive`
    );
  }
}

/**
 * The sending half of a {@link watch} channel. Clone it for several publishers; receivers see
 * the sender closed (`changed()` throws {@link RecvError}) once every clone is closed.
 *
 * @example
 * const [tx, rx] = watch({ level: "info" });
 * tx.send({ level: "debug" });
 */
export class WatchSender<T> {
  private open = true;

  /** @internal use {@link watch}. */
  constructor(private readonly sh: WatchShared<T>) {}

  /**
   * Another sender for the same value (Tokio's `watch::Sender` is `Clone`): every
   * clone can publish, and receivers see the sender side closed only when all are closed.
   *
   * @example
   * spawn(reloader(configTx.clone()));
   */
  clone(): WatchSender<T> {
    this.live("clone()");
    this.sh.senders++;
    return new WatchSender(this.sh);
  }

  /** Open senders of this channel (this one included while it is open). Tokio's `sender_count`. */
  get senderCount(): number {
    return this.sh.senders;
  }

  /**
   * Mutate the value in place with `modify`, and notify receivers only if it returns true
   * (Tokio's `send_if_modified`). Returns what `modify` returned. Works with no receiver left.
   * If `modify` throws, nobody is notified and the error propagates (the value may be partly
   * changed, as in Tokio).
   *
   * Cost: one call; one wake per waiting receiver when it notifies.
   *
   * @example
   * const changed = tx.sendIfModified((s) => {
   *   if (s.level === level) return false;
   *   s.level = level;
   *   return true;
   * });
   */
  sendIfModified(modify: (value: T) => boolean): boolean {
    if (typeof modify !== "function") {
      throw new TypeError(
        `WatchSender.sendIfModified expects a function (value) => boolean; got ${typeof modify}.`,
      );
    }
    const sh = this.live("sendIfModified()");
    const modified = modify(sh.value);
    if (modified === true) sh.publish();
    return modified === true;
  }

  /**
   * Replace the value and notify every receiver. Throws {@link SendError} (carrying the value, and
   * leaving the stored value unchanged) when every receiver is closed; use `sendReplace` to
   * update regardless.
   *
   * Cost: one write and one wake per waiting receiver; no allocation.
   *
   * @example
   * tx.send(newConfig);
   */
  send(value: T): void {
    const sh = this.live("send()");
    if (sh.receivers === 0) {
      throw new SendError(
        value,
        "watch send with no receiver left (value in error.value); use sendReplace() to update anyway",
      );
    }
    sh.value = value;
    sh.publish();
  }

  /**
   * Replace the value whether or not anyone listens, notify receivers, and return the old value.
   *
   * @example
   * const previous = tx.sendReplace(next);
   */
  sendReplace(value: T): T {
    const sh = this.live("sendReplace()");
    const old = sh.value;
    sh.value = value;
    sh.publish();
    return old;
  }

  /**
   * Mutate the value in place with `modify`, then notify receivers (even if nothing changed).
   *
   * @example
   * tx.sendModify((state) => { state.connections++; });
   */
  sendModify(modify: (value: T) => void): void {
    if (typeof modify !== "function") {
      throw new TypeError(`WatchSender.sendModify expects a function (value) => void; got ${typeof modify}.`);
    }
    const sh = this.live("sendModify()");
    modify(sh.value);
    sh.publish();
  }

  /**
   * The current value.
   *
   * @example
   * const cfg = tx.borrow();
   */
  borrow(): T {
    return this.sh.value;
  }

  /**
   * A new receiver; the current value counts as already seen by it.
   *
   * @example
   * spawn(worker(tx.subscribe()));
   */
  subscribe(): WatchReceiver<T> {
    this.sh.receivers++;
    return new WatchReceiver(this.sh, this.sh.version);
  }

  /** Receivers not yet closed. */
  get receiverCount(): number {
    return this.sh.receivers;
  }

  /** True when every receiver is closed: `send` would throw. */
  isClosed(): boolean {
    return this.sh.receivers === 0;
  }

  /**
   * Close this sender. When the last clone closes, waiting and later `changed()` calls throw
   * {@link RecvError} once they have seen the last value; `borrow()` keeps returning it.
   * Idempotent.
   *
   * @example
   * tx.close();
   */
  close(): void {
    if (!this.open) return;
    this.open = false;
    const sh = this.sh;
    if (--sh.senders === 0) sh.wakeAll();
  }

  /** Same as {@link WatchSender.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  private live(what: string): WatchShared<T> {
    if (!this.open)
      throw new Error(
        `WatchSender.${what} after close(); a closed sender cannot publish again (clone() before closing).`,
      );
    return this.sh;
  }
}

/**
 * A receiving half of a {@link watch} channel. It remembers which version of the value it has
 * seen: `changed()` waits for a newer one.
 *
 * @example
 * for (;;) {
 *   apply(rx.borrowAndUpdate());
 *   yield* rx.changed(); // throws RecvError when the sender closes
 * }
 */
export class WatchReceiver<T> {
  /** @internal the version this receiver has seen. */
  seen: number;
  private sh: WatchShared<T> | null;

  /** @internal use {@link watch} or `subscribe()`. */
  constructor(shared: WatchShared<T>, seen: number) {
    this.sh = shared;
    this.seen = seen;
  }

  /** @internal */
  shared(): WatchShared<T> {
    const sh = this.sh;
    if (sh === null) throw new Error("watch Receiver used after close(); subscribe() a new receiver.");
    return sh;
  }

  /** @internal */
  sharedOrNull(): WatchShared<T> | null {
    return this.sh;
  }

  /**
   * The current value, without marking it seen.
   *
   * @example
   * if (rx.borrow().maintenance) return;
   */
  borrow(): T {
    return this.shared().value;
  }

  /**
   * The current value, marking it seen: a following `changed()` waits for a newer one.
   *
   * @example
   * const cfg = rx.borrowAndUpdate();
   */
  borrowAndUpdate(): T {
    const sh = this.shared();
    this.seen = sh.version;
    return sh.value;
  }

  /**
   * True when a value this receiver has not seen is available. Throws {@link RecvError} when the
   * sender is closed (like Tokio's `has_changed`).
   *
   * @example
   * if (rx.hasChanged()) reload(rx.borrowAndUpdate());
   */
  hasChanged(): boolean {
    const sh = this.shared();
    if (!sh.senderOpen) throw new RecvError("watch sender closed");
    return sh.version !== this.seen;
  }

  /**
   * Wait until the value has a version this receiver has not seen, and mark it seen. Completes at
   * once when such a value is already there. Throws {@link RecvError} when the sender closed and
   * every value was seen. Only the latest value counts: several sends may be observed as one change.
   *
   * Cancel safety: cancel-safe; nothing is marked seen unless the future completes.
   *
   * Cost: one small future; a send wakes every waiting receiver.
   *
   * @example
   * yield* rx.changed();
   * reconfigure(rx.borrow());
   */
  changed(): FutureBase<void> {
    return new Changed(this);
  }

  /**
   * Wait until `predicate(value)` is true, checking the current value first, and return that
   * value (marked seen). Throws {@link RecvError} if the sender closes first.
   *
   * Cancel safety: cancel-safe (it only reads).
   *
   * @example
   * yield* state.waitFor((s) => s === "ready");
   */
  waitFor(predicate: (value: T) => boolean): FutureBase<T> {
    if (typeof predicate !== "function") {
      throw new TypeError(
        `WatchReceiver.waitFor expects a predicate (value) => boolean; got ${typeof predicate}.`,
      );
    }
    this.shared();
    return new WaitFor(this, predicate);
  }

  /** Mark the current value unseen, so `changed()` completes at once. */
  markChanged(): void {
    this.seen = this.shared().version - 1;
  }

  /** Mark the current value seen. */
  markUnchanged(): void {
    this.seen = this.shared().version;
  }

  /**
   * Another receiver that has seen what this one has seen.
   *
   * @example
   * spawn(worker(rx.clone()));
   */
  clone(): WatchReceiver<T> {
    const sh = this.shared();
    sh.receivers++;
    return new WatchReceiver(sh, this.seen);
  }

  /**
   * Unsubscribe. When every receiver is closed, `send` throws {@link SendError}. Idempotent.
   *
   * @example
   * rx.close();
   */
  close(): void {
    const sh = this.sh;
    if (sh === null) return;
    this.sh = null;
    sh.receivers--;
  }

  /** Same as {@link WatchReceiver.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

class WaitFor<T> extends FutureBase<T> {
  private readonly inner: Changed<T>;

  constructor(
    private readonly rx: WatchReceiver<T>,
    private readonly predicate: (value: T) => boolean,
  ) {
    super();
    this.inner = new Changed(rx);
  }

  poll(cx: Context): Poll<T> {
    const rx = this.rx;
    const sh = rx.shared();
    // Check the current value first (seen or not), then every change after it.
    for (;;) {
      rx.seen = sh.version;
      const value = sh.value;
      if (this.predicate(value)) {
        this.inner.cancel();
        return value;
      }
      if (this.inner.poll(cx) === PENDING) return PENDING;
    }
  }

  override cancel(): void {
    this.inner.cancel();
  }

  override describe(): string {
    return "watch Receiver.waitFor()";
  }
}

/**
 * Create a watch channel holding `initial`: `[sender, receiver]`. Receivers read the latest value
 * with `borrow()` and wait for a newer one with `changed()`; the initial value counts as seen.
 *
 * When to use: configuration reloads, connection state, progress, a shutdown flag: anything where
 * only the latest value matters. For every value to be delivered use `broadcast` or `mpsc`.
 *
 * Cost: one shared object; a send is a write plus one wake per waiting receiver.
 *
 * @example
 * const [tx, rx] = watch("starting");
 * spawn(function* () {
 *   yield* rx.changed();
 *   console.log(rx.borrow()); // "running"
 * });
 * tx.send("running");
 */
export function watch<T>(initial: T): [WatchSender<T>, WatchReceiver<T>] {
  const shared = new WatchShared(initial);
  return [new WatchSender(shared), new WatchReceiver(shared, 0)];
}

// Map anchors (see runtime/map-anchors.ts): a receiver woken by a change.
anchorWork("watch", (keep, cx) => {
  const [tx, rx] = watch(0);
  const changed = rx.changed();
  changed.poll(cx);
  tx.send(1);
  pollReady(changed, cx);
  keep(tx, rx, changed);
});
