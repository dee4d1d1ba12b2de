/**
 * The bounded multi-producer, single-consumer channel: `mpsc.channel(capacity)`.
 *
 * HOW: one shared `Chan` holds a ring buffer of messages, a count of free slots (`available`) and a
 * FIFO `WaitList` of senders waiting for a slot. A slot is the unit of backpressure, like a permit
 * of Tokio's semaphore-based channel:
 * - `send` takes a free slot and pushes at once when it can; otherwise it queues.
 * - When the receiver takes a message, the freed slot goes straight to the FIRST waiting sender
 *   (`GRANTED`) and wakes it; only when nobody waits does it return to `available`. So a later
 *   `trySend` cannot overtake a queued sender, and buffered + granted never exceeds `capacity`.
 * - A granted sender pushes its value when it is next polled. If it is cancelled before that, its
 *   slot is handed to the next waiter: the value was not sent (as Tokio guarantees) and no slot leaks.
 * - The receiver is a single waker slot (`rxWaker`); a push wakes it. `rxWaiter` remembers which
 *   recv future registered, so a second concurrent receiver is reported instead of being lost.
 *
 * WHY this shape: in steady state a message costs a ring push, a ring shift and at most one wake,
 * which is a field write on the woken task (the runtime puts it in the LIFO slot): no promise, no
 * microtask. `SlotFuture` serves both `send` and `reserve` so the wait list stays monomorphic.
 *
 * No allocation per message either: a `send` or `recv` future that COMPLETED is kept by its handle
 * (`spare`) and handed out again by the next `send()`/`recv()` call on that handle. A loop
 * `yield* tx.send(v)` therefore reuses one object (measured: about 15% less CPU on ping-pong than
 * allocating, mostly GC). Only completed futures are recycled, never cancelled or failed ones,
 * and a handle holds at most one spare, so concurrent `send()` calls still get distinct futures.
 * The one observable effect: a completed future must not be awaited or cancelled again (outside
 * the Future contract anyway); awaiting it again behaves like a fresh call.
 */

import { EMPTY, type Empty, END, type End } from "../future/end.js";
import { FutureBase } from "../future/future.js";
import { instanceLabel } from "../future/instance-id.js";
import { type Context, PENDING, type Poll, type Waker } from "../future/poll.js";
import { anchorWork, pollReady } from "../runtime/map-anchors.js";
import { Ring } from "../runtime/ring.js";
import { RecvStream } from "../stream/recv-stream.js";
import { pollProceed } from "../task/coop.js";
import { checkDuration } from "../time/duration.js";
import { type Sleep, sleep } from "../time/sleep.js";
import { Closed, type ClosedSignal, lazySignal } from "./closed-signal.js";
import { SendError, SendTimeoutError } from "./errors.js";
import { checkRecvLimit, RecvMany } from "./recv-many.js";
import { checkCount } from "./validate.js";
import { WaitList } from "./wait-list.js";

// SlotFuture states.
const INIT = 0;
const WAITING = 1;
const GRANTED = 2;
const CLOSED = 3;
const DONE = 4;

// SlotFuture modes.
const SEND = 0;
const RESERVE = 1;
const RESERVE_MANY = 2;

// A parked channel (the common case: a task waiting on its own receiver) allocates neither its
// message ring nor its wait list: both start as these shared empty ones, which are only ever read
// (length, head; takeAll on an empty list writes back the same nulls) and replaced before a write.
const EMPTY_RING = new Ring<never>(1);
const NO_WAITERS = new WaitList<never>();

/** @internal state shared by the senders and the receiver of one bounded channel. */
export class Chan<T> {
  /** The queued messages; the shared empty ring until the first message (see `enqueue`). */
  buf: Ring<T> = EMPTY_RING as Ring<T>;
  /** Free slots not promised to anyone. Zero whenever senders wait. */
  available: number;
  /** Slots promised (granted senders, outstanding permits) but not yet filled. */
  reserved = 0;
  /** Open `Sender` handles. */
  senders = 1;
  rxClosed = false;
  rxWaker: Waker | null = null;
  /** The recv future currently registered, for detecting two concurrent receivers. */
  rxWaiter: object | null = null;
  /** Senders waiting for a slot, in order; the shared empty list until the first waits. */
  waiters: WaitList<SlotFuture<T, unknown>> = NO_WAITERS as WaitList<SlotFuture<T, unknown>>;
  /** Fires when the receiver closes: `Sender.closed()`. Created by the first `closed()`. */
  closedSignal: ClosedSignal | null = null;

  constructor(readonly capacity: number) {
    this.available = capacity;
  }

  /** Buffer a value whose slot is already accounted for, and wake the receiver. */
  enqueue(value: T): void {
    let buf = this.buf;
    if (buf === EMPTY_RING) buf = this.buf = new Ring<T>(Math.min(this.capacity, 64));
    buf.push(value);
    const w = this.rxWaker;
    if (w !== null) {
      this.rxWaker = null;
      w.wake();
    }
  }

  /**
   * A slot became free: give it to the first waiting sender, or make it available. A waiter for
   * several slots (`reserveMany`) collects them one by one and is granted when it has them all.
   */
  releaseSlot(): void {
    const next = this.waiters.head;
    if (next === null) {
      this.available++;
      return;
    }
    if (++next.assigned < next.need) return;
    this.waiters.shift();
    next.state = GRANTED;
    next.assigned = 0;
    this.reserved += next.need;
    const w = next.waker!;
    next.waker = null;
    w.wake();
  }

  /** The receiver took `n` messages at once: free their slots. */
  releaseSlots(n: number): void {
    for (let i = 0; i < n; i++) this.releaseSlot();
  }

  /** True when `recv` must return END: nothing buffered and nothing can arrive. */
  drained(): boolean {
    return (
      this.buf.length === 0 &&
      this.reserved === 0 &&
      this.waiters.length === 0 &&
      (this.senders === 0 || this.rxClosed)
    );
  }

  /** The channel may have just become drained: let a waiting receiver re-check. */
  wakeReceiverIfDone(): void {
    if (this.rxWaker !== null && this.drained()) {
      const w = this.rxWaker;
      this.rxWaker = null;
      w.wake();
    }
  }

  closeReceiver(): void {
    if (this.rxClosed) return;
    this.rxClosed = true;
    this.closedSignal?.fire();
    // Queued senders fail with their value. Granted ones keep their slot: like a reserved permit,
    // they may still send, and the receiver drains what they send.
    for (let n = this.waiters.takeAll(); n !== null; ) {
      const next = n.qNext;
      n.qPrev = null;
      n.qNext = null;
      this.available += n.assigned;
      n.assigned = 0;
      n.state = CLOSED;
      const w = n.waker!;
      n.waker = null;
      w.wake();
      n = next;
    }
    this.wakeReceiverIfDone();
  }
}

/**
 * `send` (mode SEND, output void) and `reserve` (mode RESERVE, output Permit) share one class so
 * the wait list sees one shape.
 */
class SlotFuture<T, R> extends FutureBase<R> {
  qPrev: SlotFuture<T, unknown> | null = null;
  qNext: SlotFuture<T, unknown> | null = null;
  waker: Waker | null = null;
  state = INIT;
  /** Slots this request needs: 1, or n for `reserveMany(n)`. */
  need = 1;
  /** Slots handed to this request while it waits (only `reserveMany` waits with some). */
  assigned = 0;

  constructor(
    private readonly chan: Chan<T>,
    public value: T | undefined,
    private readonly mode: number,
    private readonly tx: Sender<T> | null,
  ) {
    super();
  }

  poll(cx: Context): Poll<R> {
    const chan = this.chan;
    switch (this.state) {
      case INIT: {
        if (chan.rxClosed) return this.fail();
        const need = this.need;
        if (chan.available >= need) {
          if (!pollProceed(cx)) return PENDING;
          chan.available -= need;
          return this.complete();
        }
        // Free slots go to the waiter at the front: take what is there (only a multi-slot
        // request can find some) and wait for the rest.
        this.assigned = chan.available;
        chan.available = 0;
        this.state = WAITING;
        this.waker = cx.waker;
        if (chan.waiters === NO_WAITERS) chan.waiters = new WaitList();
        chan.waiters.push(this as SlotFuture<T, unknown>);
        return PENDING;
      }
      case WAITING:
        this.waker = cx.waker;
        return PENDING;
      case GRANTED:
        chan.reserved -= this.need;
        return this.complete();
      case CLOSED:
        return this.fail();
      default:
        throw new Error(
          `mpsc ${this.mode === SEND ? "send" : "reserve"} future polled after it completed; call ${this.mode === SEND ? "send()" : "reserve()"} again for a new one.`,
        );
    }
  }

  private complete(): R {
    this.state = DONE;
    if (this.mode === SEND) {
      const value = this.value as T;
      this.value = undefined;
      this.chan.enqueue(value);
      if (this.tx !== null) this.tx.spare = this as SlotFuture<T, unknown> as SlotFuture<T, void>;
      return undefined as R;
    }
    this.chan.reserved += this.need;
    if (this.mode === RESERVE_MANY) return new PermitIterator(this.chan, this.need) as R;
    return new Permit(this.chan) as R;
  }

  private fail(): never {
    this.state = DONE;
    const value = this.value;
    this.value = undefined;
    throw new SendError(value);
  }

  override cancel(): void {
    const state = this.state;
    this.state = DONE;
    this.value = undefined;
    const chan = this.chan;
    if (state === WAITING) {
      chan.waiters.remove(this as SlotFuture<T, unknown>);
      this.waker = null;
      // Slots collected so far go on to the next waiters.
      const assigned = this.assigned;
      this.assigned = 0;
      chan.releaseSlots(assigned);
      chan.wakeReceiverIfDone();
    } else if (state === GRANTED) {
      // Granted but never observed: nothing was sent; pass the slots on.
      chan.reserved -= this.need;
      chan.releaseSlots(this.need);
      chan.wakeReceiverIfDone();
    }
  }

  override describe(): string {
    return `mpsc Sender.${this.mode === SEND ? "send" : "reserve"}() on ${describeChan(this.chan)}`;
  }
}

/**
 * The future returned by {@link Sender.sendTimeout}: a send that gives up after `ms`, throwing
 * {@link SendTimeoutError} with the value. The timer starts at the first poll and is only armed
 * when the channel is full.
 *
 * @example
 * const f: SendTimeout<Job> = tx.sendTimeout(job, 50);
 */
export class SendTimeout<T> extends FutureBase<void> {
  private timer: Sleep | null = null;
  private done = false;

  /** @internal use {@link Sender.sendTimeout}. */
  constructor(
    private readonly send: SlotFuture<T, void>,
    private readonly ms: number,
  ) {
    super();
  }

  poll(cx: Context): Poll<void> {
    if (this.done)
      throw new Error("mpsc sendTimeout future polled after it completed; call sendTimeout() again.");
    let out: Poll<void>;
    try {
      out = this.send.poll(cx);
    } catch (e) {
      this.finish();
      throw e;
    }
    if (out !== PENDING) {
      this.finish();
      return out;
    }
    if (this.send.state === INIT) return PENDING; // budget spent before it could look
    let t = this.timer;
    if (t === null) t = this.timer = sleep(this.ms);
    if (t.poll(cx) === PENDING) return PENDING;
    const value = this.send.value as T;
    this.send.cancel();
    this.finish();
    throw new SendTimeoutError(value, this.ms);
  }

  private finish(): void {
    this.done = true;
    this.timer?.cancel();
  }

  override cancel(): void {
    if (this.done) return;
    this.done = true;
    this.send.cancel();
    this.timer?.cancel();
  }

  override describe(): string {
    return `mpsc Sender.sendTimeout(${this.ms} ms): ${this.send.describe()}`;
  }
}

class RecvFuture<T> extends FutureBase<T | End> {
  constructor(
    private readonly chan: Chan<T>,
    private readonly rx: Receiver<T>,
  ) {
    super();
  }

  poll(cx: Context): Poll<T | End> {
    const chan = this.chan;
    if (chan.buf.length > 0) {
      if (!pollProceed(cx)) return PENDING;
      if (chan.rxWaiter === this) {
        chan.rxWaiter = null;
        chan.rxWaker = null;
      }
      const value = chan.buf.shift();
      chan.releaseSlot();
      this.rx.spare = this;
      return value;
    }
    if (chan.drained()) {
      if (chan.rxWaiter === this) {
        chan.rxWaiter = null;
        chan.rxWaker = null;
      }
      return END;
    }
    if (chan.rxWaiter !== this) {
      if (chan.rxWaiter !== null) throw twoReceivers();
      chan.rxWaiter = this;
    }
    chan.rxWaker = cx.waker;
    return PENDING;
  }

  override cancel(): void {
    const chan = this.chan;
    if (chan.rxWaiter === this) {
      chan.rxWaiter = null;
      chan.rxWaker = null;
    }
  }

  override describe(): string {
    return `mpsc Receiver.recv() on ${describeChan(this.chan)}`;
  }
}

/**
 * @internal `channel #2 — 0 of 8 queued, 3 senders waiting, 1 sender alive`: which channel and
 * its state, for the task dump and deadlock reports. Computed only when asked.
 */
export function describeChan(chan: Chan<unknown>): string {
  const waiting = chan.waiters.length;
  return (
    `${instanceLabel(chan, "channel")} — ${chan.buf.length} of ${chan.capacity} queued` +
    (waiting > 0 ? `, ${waiting} sender${waiting === 1 ? "" : "s"} waiting` : "") +
    `, ${aliveSenders(chan.senders)}${chan.rxClosed ? ", receiver closed" : ""}`
  );
}

/** @internal `1 sender alive`, `no sender alive`. */
export function aliveSenders(n: number): string {
  return n === 0 ? "no sender alive" : `${n} sender${n === 1 ? "" : "s"} alive`;
}

/** @internal shared with the unbounded channel. */
export function twoReceivers(): Error {
  return new Error(
    "an mpsc Receiver is awaited by two recv() futures at once; a channel has ONE consumer. To share a " +
      "work queue between tasks, use mpmc.channel(capacity) or mpmc.unbounded() and clone() the receiver for each worker.",
  );
}

function closedHandle(what: string): Error {
  return new Error(
    `${what} on a Sender handle that was closed. close() ends this handle; clone() the sender first ` +
      "if another part of the program still needs to send.",
  );
}

/**
 * The sending half of a bounded {@link channel}. Clone it for each producer; each clone must be
 * closed (or disposed) for the receiver to see the end of the stream.
 *
 * @example
 * const [tx, rx] = mpsc.channel<number>(16);
 * spawn(function* () {
 *   using producer = tx; // closed at scope exit, even on cancellation
 *   for (let i = 0; i < 100; i++) yield* producer.send(i);
 * });
 */
export class Sender<T> {
  private open = true;
  /** @internal */
  spare: SlotFuture<T, void> | null = null;

  /** @internal use {@link channel}. */
  constructor(private readonly chan: Chan<T>) {}

  /**
   * Send `value`, waiting for a free slot while the channel is full. Waiting senders are served in
   * the order they started waiting. Throws {@link SendError} (carrying the value) if the receiver
   * closed the channel.
   *
   * Cancel safety: if the future is cancelled before it completes, the value was NOT sent (and is
   * dropped); the sender also loses its place in the queue. Use {@link Sender.reserve} first when
   * the value must not be lost.
   *
   * Cost: one small future; with room in the buffer it completes on its first poll (one ring push
   * and at most one wake). Spends one unit of coop budget when it sends without waiting.
   *
   * @example
   * yield* tx.send({ id: 1 });
   */
  send(value: T): FutureBase<void> {
    if (!this.open) throw closedHandle("send()");
    const f = this.spare;
    if (f !== null) {
      this.spare = null;
      f.state = INIT;
      f.value = value;
      return f;
    }
    return new SlotFuture<T, void>(this.chan, value, SEND, this);
  }

  /**
   * Send `value`, waiting at most `ms` for a free slot (Tokio's `send_timeout`). Throws
   * {@link SendTimeoutError} carrying the value when the time runs out, {@link SendError} when
   * the receiver closed the channel. The timer starts at the first poll.
   *
   * Cancel safety: as `send`: cancelled before it completes, the value was not sent.
   *
   * Cost: `send`'s future plus one wrapper; a timer only when the channel is full.
   *
   * @throws RangeError for a negative, NaN or infinite `ms`.
   * @example
   * try { yield* tx.sendTimeout(frame, 100); }
   * catch (e) { if (e instanceof SendTimeoutError) dropSlowClient(); else throw e; }
   */
  sendTimeout(value: T, ms: number): SendTimeout<T> {
    if (!this.open) throw closedHandle("sendTimeout()");
    checkDuration(ms, "Sender.sendTimeout(value, ms)");
    return new SendTimeout(new SlotFuture<T, void>(this.chan, value, SEND, null), ms);
  }

  /**
   * A future that completes once the receiver is gone (closed or disposed), at once if it already
   * is (Tokio's `Sender::closed`). Select on it to stop producing for a consumer that left: a
   * streaming response whose client disconnected.
   *
   * Cancel safety: cancel-safe; it only waits.
   *
   * Cost: one small future; registering and cancelling are O(1).
   *
   * @example
   * const r = yield* select({ gone: tx.closed(), chunk: render.next() });
   * if (r.key === "gone") return; // nobody reads the response any more
   */
  closed(): Closed {
    const chan = this.chan;
    chan.closedSignal = lazySignal(chan.closedSignal, chan.rxClosed);
    return new Closed(chan.closedSignal);
  }

  /**
   * A {@link WeakSender} for this channel: it does not keep the channel open (the receiver sees
   * the end once every strong sender is closed) and can be upgraded back while one is open.
   *
   * @example
   * const weak = tx.downgrade(); // e.g. held by a registry that must not keep the stream alive
   */
  downgrade(): WeakSender<T> {
    return new WeakSender(this.chan);
  }

  /**
   * True when `other` sends into the same channel as this sender.
   *
   * @example
   * if (tx.sameChannel(registered)) return;
   */
  sameChannel(other: Sender<T> | WeakSender<T>): boolean {
    return other.chanOf() === this.chan;
  }

  /** @internal */
  chanOf(): Chan<T> {
    return this.chan;
  }

  /**
   * Send `value` now if a slot is free. Returns false when the channel is full (or senders are
   * queued ahead); throws {@link SendError} when the receiver closed the channel.
   *
   * When to use: producers that would rather drop or retry than wait (load shedding).
   *
   * @example
   * if (!tx.trySend(sample)) dropped++;
   */
  trySend(value: T): boolean {
    if (!this.open) throw closedHandle("trySend()");
    const chan = this.chan;
    if (chan.rxClosed) throw new SendError(value);
    if (chan.available === 0) return false;
    chan.available--;
    chan.enqueue(value);
    return true;
  }

  /**
   * Wait for a free slot and hold it as a {@link Permit}: `permit.send(v)` then sends without
   * waiting and cannot fail. Throws {@link SendError} (with value undefined) if the receiver closed
   * the channel.
   *
   * When to use: to build the value only once there is room, or to send from code that cannot wait.
   * Cancel safety: cancel-safe in the sense that no slot leaks: a slot granted to a cancelled
   * `reserve()` is handed to the next waiter. The queue position is lost.
   *
   * Cost: the future plus one Permit object.
   *
   * @example
   * using permit = yield* tx.reserve();
   * permit.send(expensiveToBuild());
   */
  reserve(): FutureBase<Permit<T>> {
    if (!this.open) throw closedHandle("reserve()");
    return new SlotFuture<T, Permit<T>>(this.chan, undefined, RESERVE, null);
  }

  /**
   * Wait for `n` free slots at once and hold them as a {@link PermitIterator} of `n` permits
   * (Tokio's `reserve_many`). The request keeps its place in the queue and collects freed slots
   * until it has all `n`. Throws {@link SendError} if the receiver closed the channel.
   *
   * Cancel safety: no slot leaks: slots collected by a cancelled request go to the next waiters.
   *
   * Cost: one future and one iterator; one `Permit` object per permit taken from it.
   *
   * @throws RangeError when `n` is not a whole number from 1 to the channel's capacity.
   * @example
   * using permits = yield* tx.reserveMany(batch.length);
   * for (const item of batch) permits.send(item);
   */
  reserveMany(n: number): FutureBase<PermitIterator<T>> {
    if (!this.open) throw closedHandle("reserveMany()");
    checkCount(
      "Sender.reserveMany(n): n",
      n,
      1,
      `The channel holds ${this.chan.capacity} messages at most, so ask for 1 to ${this.chan.capacity}.`,
    );
    if (n > this.chan.capacity) {
      throw new RangeError(
        `Sender.reserveMany(n): n must be at most the channel's capacity ${this.chan.capacity}; got ${n}. ` +
          "More could never be free at once.",
      );
    }
    const f = new SlotFuture<T, PermitIterator<T>>(this.chan, undefined, RESERVE_MANY, null);
    f.need = n;
    return f;
  }

  /**
   * Take a free slot now as a {@link Permit}, or return undefined when the channel is full. Throws
   * {@link SendError} if the receiver closed the channel.
   *
   * @example
   * const permit = tx.tryReserve();
   * if (permit !== undefined) permit.send(build());
   */
  tryReserve(): Permit<T> | undefined {
    if (!this.open) throw closedHandle("tryReserve()");
    const chan = this.chan;
    if (chan.rxClosed) throw new SendError(undefined);
    if (chan.available === 0) return undefined;
    chan.available--;
    chan.reserved++;
    return new Permit(chan);
  }

  /**
   * Another sender for the same channel. The receiver sees the end of the stream only when every
   * sender is closed.
   *
   * @example
   * for (let i = 0; i < 4; i++) spawn(producer(tx.clone()));
   * tx.close();
   */
  clone(): Sender<T> {
    if (!this.open) throw closedHandle("clone()");
    this.chan.senders++;
    return new Sender(this.chan);
  }

  /**
   * Close this handle (Rust's `drop`). When the last one is closed, the receiver drains the buffer
   * and then gets `END`. Idempotent; `using tx = ...` calls it at scope exit.
   *
   * @example
   * tx.close();
   */
  close(): void {
    if (!this.open) return;
    this.open = false;
    const chan = this.chan;
    chan.senders--;
    if (chan.senders === 0) chan.wakeReceiverIfDone();
  }

  /** Same as {@link Sender.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * True once the receiver closed the channel: every later send fails.
   *
   * @example
   * while (!tx.isClosed()) yield* tx.send(next());
   */
  isClosed(): boolean {
    return this.chan.rxClosed;
  }

  /** Slots free right now (0 while senders wait). */
  get capacity(): number {
    return this.chan.available;
  }

  /** The capacity the channel was created with. */
  get maxCapacity(): number {
    return this.chan.capacity;
  }
}

/**
 * A slot reserved in a bounded channel by {@link Sender.reserve}: `send(v)` delivers without
 * waiting. Releasing (or disposing) an unused permit returns the slot to the next waiting sender.
 * A permit stays valid after the receiver closes the channel: the receiver still drains its value.
 *
 * @example
 * using permit = yield* tx.reserve();
 * permit.send(value); // synchronous; the later dispose is a no-op
 */
export class Permit<T> {
  private chan: Chan<T> | null;

  /** @internal */
  constructor(chan: Chan<T>) {
    this.chan = chan;
  }

  /**
   * Deliver `value` into the reserved slot. Synchronous and infallible; a permit sends once.
   *
   * Cost: a ring push and at most one wake.
   *
   * @example
   * permit.send(value);
   */
  send(value: T): void {
    const chan = this.chan;
    if (chan === null) {
      throw new Error("Permit.send() on a permit that was already used or released; reserve() a new one.");
    }
    this.chan = null;
    chan.reserved--;
    chan.enqueue(value);
  }

  /**
   * Give the slot back without sending. Idempotent; a no-op after `send`.
   *
   * @example
   * const permit = yield* tx.reserve();
   * if (!ready) permit.release();
   */
  release(): void {
    const chan = this.chan;
    if (chan === null) return;
    this.chan = null;
    chan.reserved--;
    chan.releaseSlot();
    chan.wakeReceiverIfDone();
  }

  /** Same as {@link Permit.release}, for `using`. */
  [Symbol.dispose](): void {
    this.release();
  }
}

/**
 * Permits for several slots, from {@link Sender.reserveMany}: iterate to take them one
 * {@link Permit} at a time, or `send(v)` straight into the next slot. Releasing (or disposing)
 * returns the slots not used yet. Tokio's `PermitIterator`.
 *
 * @example
 * using permits = yield* tx.reserveMany(3);
 * permits.send("a");
 * for (const p of permits) p.send("more"); // the two left
 */
export class PermitIterator<T> implements Iterable<Permit<T>>, Disposable {
  private chan: Chan<T> | null;
  private left: number;

  /** @internal use {@link Sender.reserveMany}. */
  constructor(chan: Chan<T>, n: number) {
    this.chan = chan;
    this.left = n;
  }

  /** Permits not used yet. */
  get length(): number {
    return this.left;
  }

  /**
   * Send `value` into the next reserved slot: synchronous and infallible. Throws when none is left.
   *
   * @example
   * permits.send(row);
   */
  send(value: T): void {
    const chan = this.chan;
    if (chan === null || this.left === 0) {
      throw new Error("PermitIterator.send(): no reserved slot left; reserveMany() more.");
    }
    this.left--;
    if (this.left === 0) this.chan = null;
    chan.reserved--;
    chan.enqueue(value);
  }

  /** Take the next permit as a {@link Permit}; done once all are taken. */
  next(): IteratorResult<Permit<T>> {
    const chan = this.chan;
    if (chan === null || this.left === 0) return { done: true, value: undefined };
    this.left--;
    if (this.left === 0) this.chan = null;
    return { done: false, value: new Permit(chan) };
  }

  [Symbol.iterator](): Iterator<Permit<T>> {
    return this;
  }

  /** Give back the slots not used yet. Idempotent. */
  release(): void {
    const chan = this.chan;
    if (chan === null) return;
    this.chan = null;
    const n = this.left;
    this.left = 0;
    chan.reserved -= n;
    chan.releaseSlots(n);
    chan.wakeReceiverIfDone();
  }

  /** Same as {@link PermitIterator.release}, for `using`. */
  [Symbol.dispose](): void {
    this.release();
  }
}

/**
 * A sender that does not keep the channel open (Tokio's `WeakSender`): the receiver sees the end
 * once every strong {@link Sender} is closed, whatever weak ones remain. `upgrade()` gives a
 * strong sender back while one is still open. Nothing to close.
 *
 * @example
 * const weak = tx.downgrade();
 * const strong = weak.upgrade();
 * if (strong !== undefined) { using s = strong; yield* s.send(msg); }
 */
export class WeakSender<T> {
  /** @internal use {@link Sender.downgrade}. */
  constructor(private readonly chan: Chan<T>) {}

  /**
   * A new strong sender, or undefined once every strong sender is closed (the channel is ending).
   * Close the returned sender as any other.
   *
   * @example
   * const tx = weak.upgrade();
   */
  upgrade(): Sender<T> | undefined {
    const chan = this.chan;
    if (chan.senders === 0) return undefined;
    chan.senders++;
    return new Sender(chan);
  }

  /** True when `other` sends into the same channel. */
  sameChannel(other: Sender<T> | WeakSender<T>): boolean {
    return other.chanOf() === this.chan;
  }

  /** @internal */
  chanOf(): Chan<T> {
    return this.chan;
  }
}

/**
 * The receiving half of a channel. There is one per channel: only one `recv()` may wait at a time.
 *
 * @example
 * for (let msg = yield* rx.recv(); msg !== END; msg = yield* rx.recv()) handle(msg);
 */
export class Receiver<T> {
  /** @internal */
  spare: RecvFuture<T> | null = null;
  /** @internal use {@link channel}. */
  constructor(private readonly chan: Chan<T>) {}

  /**
   * Receive the next message, waiting while the channel is empty. Resolves `END` once every
   * sender is closed (or the receiver closed the channel) and the buffer is drained.
   *
   * Cancel safety: cancel-safe. A message is taken only when the future completes, so cancelling a
   * waiting `recv()` (in `select`, `timeout`, or by aborting the task) loses nothing.
   *
   * Cost: one small future; with a message buffered it completes on its first poll. Spends one
   * unit of coop budget per message, so a consumer that always finds data still lets others run.
   *
   * @example
   * const msg = yield* rx.recv();
   * if (msg === END) return; // all senders gone
   */
  recv(): FutureBase<T | End> {
    const f = this.spare;
    if (f !== null) {
      this.spare = null;
      return f;
    }
    return new RecvFuture(this.chan, this);
  }

  /**
   * Wait for at least one message, then move up to `limit` buffered messages onto the end of
   * `buffer` and resolve how many were moved; `END` once the channel is closed and drained
   * (Tokio's `recv_many`, with `END` where it returns 0). Drains in batches: one wake and one unit
   * of coop budget per batch instead of per message.
   *
   * Cancel safety: cancel-safe: messages are moved only when the future completes.
   *
   * Cost: one small future per call; no allocation per message beyond `buffer`'s growth.
   *
   * @throws RangeError when `limit` is not a whole number ≥ 1.
   * @example
   * const batch: Row[] = [];
   * while ((yield* rx.recvMany(batch, 500)) !== END) {
   *   yield* db.insert(batch);
   *   batch.length = 0;
   * }
   */
  recvMany(buffer: T[], limit: number): RecvMany<T> {
    checkRecvLimit(buffer, limit);
    return new RecvMany(this.chan, buffer, limit);
  }

  /**
   * True when `other` sends into this receiver's channel.
   *
   * @example
   * if (rx.sameChannel(tx)) console.log("paired");
   */
  sameChannel(other: Sender<T> | WeakSender<T>): boolean {
    return other.chanOf() === this.chan;
  }

  /**
   * Take the next buffered message without waiting: `EMPTY` when none is buffered but one may
   * still arrive, `END` when the channel is closed and drained (what `recv()` would resolve).
   *
   * @example
   * const batch = [];
   * for (let m = rx.tryRecv(); m !== EMPTY && m !== END; m = rx.tryRecv()) {
   *   batch.push(m);
   *   if (batch.length === 64) break;
   * }
   */
  tryRecv(): T | Empty | End {
    const chan = this.chan;
    if (chan.buf.length === 0) return chan.drained() ? END : EMPTY;
    const value = chan.buf.shift();
    chan.releaseSlot();
    return value;
  }

  /**
   * This receiver as a stream (tokio-stream's `ReceiverStream`), so the stream adapters apply:
   * `rx.stream().chunksTimeout(100, 5)` batches by size or time. The stream owns the receiver:
   * cancelling it (or `using`) closes the receiver. Ends when the channel is closed and drained.
   *
   * Cancel safety: dropping a `next()` of the stream loses no message.
   *
   * @example
   * const batches = rx.stream().chunksTimeout(100, 5); // up to 100 per batch, at most 5 ms late
   * for (let b = yield* batches.next(); b !== END; b = yield* batches.next()) yield* store(b);
   */
  stream(): RecvStream<T> {
    return new RecvStream(this);
  }

  /**
   * Stop new sends: queued and later sends throw {@link SendError}; messages already buffered (and
   * ones from outstanding permits) can still be received, then `recv()` resolves `END`.
   * Idempotent; `using rx = ...` calls it at scope exit.
   *
   * @example
   * rx.close();
   * for (let m = yield* rx.recv(); m !== END; m = yield* rx.recv()) flush(m);
   */
  close(): void {
    this.chan.closeReceiver();
  }

  /** Same as {@link Receiver.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * True when no new message can be sent: every sender closed, or the receiver closed the
   * channel. Buffered messages may remain.
   */
  isClosed(): boolean {
    return this.chan.rxClosed || this.chan.senders === 0;
  }

  /** Messages buffered right now. */
  get length(): number {
    return this.chan.buf.length;
  }
}

/**
 * Create a bounded multi-producer, single-consumer channel holding at most `capacity` messages.
 * `send` waits while it is full (backpressure); waiting senders are served first come, first served.
 *
 * When to use: to pass work or results between tasks with a bound on memory. Use
 * `mpsc.unbounded()` only when the producer cannot wait and the rate is bounded elsewhere.
 *
 * Cost: two handle objects and a ring buffer that grows to at most `capacity` slots (rounded up to
 * a power of two). Each message costs a ring push, a ring shift and at most one wake, no allocation.
 *
 * @throws RangeError when `capacity` is not an integer ≥ 1.
 * @example
 * const [tx, rx] = mpsc.channel<string>(100);
 * spawn(function* () {
 *   yield* tx.send("hello");
 *   tx.close();
 * });
 * console.log(yield* rx.recv()); // "hello"
 * console.log(yield* rx.recv()); // END: closed and drained
 */
export function channel<T>(capacity: number): [Sender<T>, Receiver<T>] {
  checkCount(
    "mpsc.channel(capacity): capacity",
    capacity,
    1,
    "A channel needs room for at least one message; for no bound at all use mpsc.unbounded().",
  );
  const chan = new Chan<T>(capacity);
  return [new Sender(chan), new Receiver(chan)];
}

// Map anchors (see runtime/map-anchors.ts): a send and a receive that completed at once, and a
// sender and a receiver that each waited and were woken.
anchorWork("mpsc-bounded", (keep, cx) => {
  const [tx, rx] = channel<number>(1);
  pollReady(tx.send(1), cx);
  const blocked = tx.send(2);
  blocked.poll(cx);
  const first = rx.recv();
  pollReady(first, cx);
  pollReady(blocked, cx);
  pollReady(rx.recv(), cx);
  const waiting = rx.recv();
  waiting.poll(cx);
  pollReady(tx.send(3), cx);
  pollReady(waiting, cx);
  tx.close();
  pollReady(rx.recv(), cx);
  keep(tx, rx, blocked, first, waiting);
});
