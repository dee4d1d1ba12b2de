/**
 * `broadcast(capacity)`: multi-producer, multi-consumer channel where every receiver sees every
 * value sent after it subscribed.
 *
 * HOW: one ring of `capacity` slots and a running count `tail` of values ever sent. Each receiver
 * keeps its own read position `pos` (a sequence number, not a slot index). A value lives until
 * `capacity` newer values overwrite it; nobody waits for slow receivers. A receiver whose `pos`
 * fell behind the oldest value still held (`tail - capacity`) has lagged: its next `recv` throws
 * {@link Lagged} with the count it missed and jumps to the oldest value held.
 *
 * WHY: senders never block and never allocate per value, and the cost of a value does not depend
 * on how many receivers are slow. Waiting receivers sit in a `WaitList`; a send wakes them all
 * (each has something new to read).
 */
import { EMPTY, type Empty, END, type End } from "../future/end.js";
import { FutureBase } from "../future/future.js";
import { instanceLabel } from "../future/instance-id.js";
import { type Context, PENDING, type Poll, type Waker } from "../future/poll.js";
import { anchorWork, pollReady } from "../runtime/map-anchors.js";
import { pollProceed } from "../task/coop.js";
import { Closed, ClosedSignal } from "./closed-signal.js";
import { Lagged, SendError } from "./errors.js";
import { checkCount } from "./validate.js";
import { WaitList } from "./wait-list.js";

/** @internal state shared by every sender and receiver of one broadcast channel. */
export class Shared<T> {
  readonly buf: (T | undefined)[];
  /** Number of values ever sent; the next value gets sequence number `tail`. */
  tail = 0;
  senders = 1;
  /** Open receivers; `addReceiver` counts the first one. */
  receivers = 0;
  readonly waiters = new WaitList<BRecvFuture<T>>();
  /** Fires when the last receiver closes: `BroadcastSender.closed()`. */
  readonly closedSignal = new ClosedSignal();
  /**
   * The open receivers (swap-remove by `slot`), read only by `BroadcastSender.len()` to find the
   * slowest one: no cost per value.
   */
  readonly rxs: BroadcastReceiver<T>[] = [];

  constructor(readonly capacity: number) {
    this.buf = new Array<T | undefined>(capacity).fill(undefined);
  }

  addReceiver(rx: BroadcastReceiver<T>): void {
    if (this.receivers++ === 0) this.closedSignal.reset();
    rx.slot = this.rxs.length;
    this.rxs.push(rx);
  }

  removeReceiver(rx: BroadcastReceiver<T>): void {
    const rxs = this.rxs;
    const last = rxs.pop()!;
    if (last !== rx) {
      rxs[rx.slot] = last;
      last.slot = rx.slot;
    }
    if (--this.receivers === 0) this.closedSignal.fire();
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

class BRecvFuture<T> extends FutureBase<T | End> {
  qPrev: BRecvFuture<T> | null = null;
  qNext: BRecvFuture<T> | null = null;
  waker: Waker | null = null;
  queued = false;

  constructor(private readonly rx: BroadcastReceiver<T>) {
    super();
  }

  poll(cx: Context): Poll<T | End> {
    const rx = this.rx;
    const shared = rx.sharedOrNull();
    if (shared === null) {
      // The receiver was closed while this recv waited: nothing more will be read.
      if (rx.waiter === this) rx.waiter = null;
      return END;
    }
    if (rx.pos < shared.tail) {
      if (!pollProceed(cx)) return PENDING;
      this.leave(shared);
      return rx.take(shared);
    }
    if (shared.senders === 0) {
      this.leave(shared);
      return END;
    }
    if (rx.waiter !== this) {
      if (rx.waiter !== null) {
        throw new Error(
          "a broadcast Receiver is awaited by two recv() futures at once. Each consumer needs its own " +
            "receiver: call sender.subscribe() (or receiver.resubscribe()) per consumer.",
        );
      }
      rx.waiter = this;
    }
    this.waker = cx.waker;
    if (!this.queued) {
      this.queued = true;
      shared.waiters.push(this);
    }
    return PENDING;
  }

  private leave(shared: Shared<T>): void {
    if (this.rx.waiter === this) this.rx.waiter = null;
    if (this.queued) {
      this.queued = false;
      shared.waiters.remove(this);
    }
    this.waker = null;
  }

  override cancel(): void {
    const shared = this.rx.sharedOrNull();
    if (shared !== null) this.leave(shared);
    else if (this.rx.waiter === this) this.rx.waiter = null;
  }

  override describe(): string {
    const shared = this.rx.sharedOrNull();
    if (shared === null) return "broadcast Receiver.recv() (receiver closed)";
    return (
      `broadcast Receiver.recv() on ${instanceLabel(shared, "channel")} — no new value, ` +
      `${shared.senders === 0 ? "no sender" : `${shared.senders} sender${shared.senders === 1 ? "" : "s"}`} alive`
    );
  }
}

/**
 * The sending half of a {@link broadcast} channel. Clone it for more producers.
 *
 * @example
 * const [tx, rx1] = broadcast<string>(16);
 * const rx2 = tx.subscribe();
 * tx.send("hi"); // both rx1 and rx2 will receive "hi"
 */
export class BroadcastSender<T> {
  private open = true;

  /** @internal use {@link broadcast}. */
  constructor(private readonly shared: Shared<T>) {}

  /**
   * Send `value` to every current receiver. Synchronous and never waits: a slow receiver does not
   * slow the sender, it lags instead. Returns how many receivers will see the value. Throws
   * {@link SendError} (carrying the value) when no receiver is left.
   *
   * Cost: one slot write and one wake per waiting receiver; no allocation.
   *
   * @example
   * tx.send({ type: "tick", at: Date.now() });
   */
  send(value: T): number {
    if (!this.open) throw closedHandle("send()");
    const shared = this.shared;
    if (shared.receivers === 0) {
      throw new SendError(
        value,
        "broadcast send with no receiver left: every receiver was closed (value in error.value)",
      );
    }
    shared.buf[shared.tail % shared.capacity] = value;
    shared.tail++;
    if (shared.waiters.head !== null) shared.wakeAll();
    return shared.receivers;
  }

  /**
   * A new receiver that sees every value sent from now on (not earlier ones).
   *
   * @example
   * const rx = tx.subscribe();
   */
  subscribe(): BroadcastReceiver<T> {
    const rx = new BroadcastReceiver(this.shared, this.shared.tail);
    this.shared.addReceiver(rx);
    return rx;
  }

  /**
   * A future that completes when no receiver is left (every one closed), at once if none is
   * (Tokio's `broadcast::Sender::closed`). A `subscribe()` after that makes later `closed()`
   * futures wait again.
   *
   * Cancel safety: cancel-safe; it only waits.
   *
   * Cost: one small future; O(1) to register and cancel.
   *
   * @example
   * yield* select({ idle: tx.closed(), tick: ticker.tick() }); // stop publishing with no audience
   */
  closed(): Closed {
    return new Closed(this.shared.closedSignal);
  }

  /**
   * How many values are still queued: sent, still held, and not yet read by the slowest open
   * receiver (at most the capacity). Tokio's `Sender::len`.
   *
   * Cost: O(receivers): it looks at each open receiver's position.
   *
   * @example
   * metrics.gauge("events.backlog", tx.len());
   */
  len(): number {
    const shared = this.shared;
    const rxs = shared.rxs;
    let oldest = shared.tail;
    for (let i = 0; i < rxs.length; i++) {
      const pos = rxs[i]!.pos;
      if (pos < oldest) oldest = pos;
    }
    const queued = shared.tail - oldest;
    return queued < shared.capacity ? queued : shared.capacity;
  }

  /**
   * True when every open receiver has read every value still held (`len() === 0`).
   *
   * @example
   * if (tx.isEmpty()) flushed.notifyWaiters();
   */
  isEmpty(): boolean {
    return this.len() === 0;
  }

  /**
   * Another sender for the same channel. Receivers see the end only when every sender is closed.
   *
   * @example
   * spawn(producer(tx.clone()));
   */
  clone(): BroadcastSender<T> {
    if (!this.open) throw closedHandle("clone()");
    this.shared.senders++;
    return new BroadcastSender(this.shared);
  }

  /**
   * Close this handle. When the last sender closes, receivers read what they have not read yet,
   * then `recv()` resolves `END`. Idempotent.
   *
   * @example
   * tx.close();
   */
  close(): void {
    if (!this.open) return;
    this.open = false;
    const shared = this.shared;
    if (--shared.senders === 0) shared.wakeAll();
  }

  /** Same as {@link BroadcastSender.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Receivers currently subscribed (not closed). */
  get receiverCount(): number {
    return this.shared.receivers;
  }
}

function closedHandle(what: string): Error {
  return new Error(
    `${what} on a BroadcastSender handle that was closed; clone() the sender before closing it if another part of the program still sends.`,
  );
}

/**
 * A receiving half of a {@link broadcast} channel, with its own read position.
 *
 * @example
 * for (;;) {
 *   const v = yield* rx.recv(); // may throw Lagged
 *   if (v === END) break; // every sender closed
 *   use(v);
 * }
 */
export class BroadcastReceiver<T> {
  /** @internal sequence number of the next value to read. */
  pos: number;
  /** @internal index in `Shared.rxs`. */
  slot = 0;
  /** @internal the recv future currently registered. */
  waiter: BRecvFuture<T> | null = null;
  private sh: Shared<T> | null;

  /** @internal use {@link broadcast} or `subscribe()`. */
  constructor(shared: Shared<T>, pos: number) {
    this.sh = shared;
    this.pos = pos;
  }

  /** @internal */
  shared(): Shared<T> {
    const sh = this.sh;
    if (sh === null) throw new Error("broadcast Receiver used after close(); subscribe() a new receiver.");
    return sh;
  }

  /** @internal */
  sharedOrNull(): Shared<T> | null {
    return this.sh;
  }

  /** @internal read the value at `pos`, or throw Lagged. */
  take(shared: Shared<T>): T {
    const oldest = shared.tail - shared.capacity;
    if (this.pos < oldest) {
      const missed = oldest - this.pos;
      this.pos = oldest;
      throw new Lagged(missed);
    }
    return shared.buf[this.pos++ % shared.capacity] as T;
  }

  /**
   * Receive the next value, waiting until one is sent. Resolves `END` once every sender is
   * closed and this receiver has read everything still held. Throws {@link Lagged} (with the
   * count missed) if it fell more than `capacity` values behind; the next call then returns the
   * oldest value held.
   *
   * Cancel safety: cancel-safe; the position advances only when the future completes.
   *
   * Cost: one small future; spends one unit of coop budget per value received.
   *
   * @example
   * const event = yield* rx.recv();
   */
  recv(): FutureBase<T | End> {
    this.shared();
    return new BRecvFuture(this);
  }

  /**
   * The next unread value without waiting: `EMPTY` when there is none yet, `END` when every
   * sender is closed and nothing is left to read. Throws {@link Lagged} like `recv`.
   *
   * @example
   * for (let v = rx.tryRecv(); v !== EMPTY && v !== END; v = rx.tryRecv()) use(v);
   */
  tryRecv(): T | Empty | End {
    const shared = this.shared();
    if (this.pos >= shared.tail) return shared.senders === 0 ? END : EMPTY;
    return this.take(shared);
  }

  /**
   * A new receiver starting at the current end of the channel (values not yet read by this one
   * are not seen by the new one).
   *
   * @example
   * spawn(listener(rx.resubscribe()));
   */
  resubscribe(): BroadcastReceiver<T> {
    const shared = this.shared();
    const rx = new BroadcastReceiver(shared, shared.tail);
    shared.addReceiver(rx);
    return rx;
  }

  /**
   * Unsubscribe. When no receiver is left, `send` throws {@link SendError}. Idempotent.
   *
   * @example
   * rx.close();
   */
  close(): void {
    const shared = this.sh;
    if (shared === null) return;
    const w = this.waiter;
    if (w?.queued) {
      // A recv still waiting on this receiver resolves END instead of sleeping forever.
      w.queued = false;
      shared.waiters.remove(w);
      const waker = w.waker!;
      w.waker = null;
      waker.wake();
    }
    this.sh = null;
    shared.removeReceiver(this);
  }

  /** Same as {@link BroadcastReceiver.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Values sent that this receiver has not read yet (at most `capacity` are still held). */
  get length(): number {
    const shared = this.sh;
    return shared === null ? 0 : shared.tail - this.pos;
  }

  /**
   * Tokio's name for {@link BroadcastReceiver.length}: values sent that this receiver has not
   * read. More than the capacity means the next `recv()` throws {@link Lagged}.
   *
   * @example
   * if (rx.len() > 100) console.warn("falling behind");
   */
  len(): number {
    return this.length;
  }

  /**
   * True when this receiver has read everything sent so far.
   *
   * @example
   * if (rx.isEmpty()) yield* flush();
   */
  isEmpty(): boolean {
    return this.length === 0;
  }
}

/**
 * Create a broadcast channel that holds the last `capacity` values: `[sender, firstReceiver]`.
 * Every receiver sees every value sent after it subscribed (`sender.subscribe()`), in order. A
 * receiver that falls more than `capacity` values behind gets {@link Lagged} instead of slowing
 * the sender down.
 *
 * When to use: fan-out of events to many listeners (config changes, a chat room, invalidations).
 * For "only the latest value matters" use `watch`; for work to be done once use `mpsc`.
 *
 * Cost: a ring of `capacity` slots (values stay referenced until overwritten); a send writes one
 * slot and wakes the waiting receivers, without allocating.
 *
 * @throws RangeError when `capacity` is not an integer ≥ 1.
 * @example
 * const [tx, rx] = broadcast<string>(64);
 * const other = tx.subscribe();
 * tx.send("hello");
 * yield* rx.recv();    // "hello"
 * yield* other.recv(); // "hello"
 */
export function broadcast<T>(capacity: number): [BroadcastSender<T>, BroadcastReceiver<T>] {
  checkCount(
    "broadcast(capacity): capacity",
    capacity,
    1,
    "It is how many recent values the channel keeps for receivers that are behind.",
  );
  const shared = new Shared<T>(capacity);
  const rx = new BroadcastReceiver(shared, 0);
  shared.addReceiver(rx);
  return [new BroadcastSender(shared), rx];
}

// Map anchors (see runtime/map-anchors.ts): a value received at once and one a receiver waited for.
anchorWork("broadcast", (keep, cx) => {
  const [tx, rx] = broadcast<number>(2);
  tx.send(1);
  const first = rx.recv();
  pollReady(first, cx);
  const waiting = rx.recv();
  waiting.poll(cx);
  tx.send(2);
  pollReady(waiting, cx);
  keep(tx, rx, first, waiting);
});
