/**
 * The multi-producer, multi-consumer channel: `mpmc.channel(capacity)` and `mpmc.unbounded()`, the
 * work queue of pollux. Any number of cloned receivers drain one queue; each message goes to
 * exactly one of them.
 *
 * HOW: one shared `MChan` holds a ring buffer, a FIFO `WaitList` of waiting receivers and (bounded)
 * a FIFO `WaitList` of senders waiting for room.
 * - Hand-off: a message sent while receivers wait goes straight to the FIRST waiting receiver
 *   (`HANDED`, the value stored in its future) and wakes it; it never touches the buffer. So
 *   waiting receivers are served in arrival order (fair), and a receiver that polls later cannot
 *   overtake one that waits. Invariant: receivers wait only while nothing is buffered.
 * - A receiver cancelled after being handed a message passes it on: to the next waiting receiver,
 *   or to the front of the queue (`front`) for the next `recv()`. A message is lost only with the
 *   channel itself.
 * - Bounded: `send` pushes at once when the buffer has room and no sender waits; otherwise it
 *   queues. A receiver taking a buffered message grants the freed slot to the first queued sender
 *   and wakes it; the sender pushes when polled. A send cancelled before it completes has not sent
 *   its value (a granted slot passes to the next queued sender), as with `mpsc`.
 *
 * WHY not `mpsc` + `Mutex<Receiver>`: the mutex makes every worker queue twice (for the lock, then
 * inside `recv` while holding it), and a worker cancelled between the two loses its turn; here a
 * worker waits once, and the hand-off is one field write and one wake.
 *
 * The "no more messages" value `recv()` and `tryRecv()` return is produced in one place:
 * `NO_MORE` below (with the `Recv<T>` type), so a change of that convention is a one-line edit.
 */
import { EMPTY, type Empty, END, type End } from "../future/end.js";
import { FutureBase } from "../future/future.js";
import { instanceLabel } from "../future/instance-id.js";
import { type Context, PENDING, type Poll, type Waker } from "../future/poll.js";
import { anchorWork, pollReady } from "../runtime/map-anchors.js";
import { Ring } from "../runtime/ring.js";
import { pollProceed } from "../task/coop.js";
import { SendError } from "./errors.js";
import { checkCount } from "./validate.js";
import { WaitList } from "./wait-list.js";

/** What `recv()` resolves to: a message, or `END` once the channel is closed and drained. */
export type Recv<T> = T | End;
/** The one place that says what "closed and drained" is (see the file comment). */
const NO_MORE: End = END;

function closedHandle(what: string, kind: string): Error {
  return new Error(
    `${what} on an mpmc ${kind} handle that was closed. close() ends this handle; clone() it first if another ` +
      "part of the program still needs it.",
  );
}

// Future states.
const INIT = 0;
const WAITING = 1;
/** Receiver: a message was handed to it. Sender: its value moved into the channel. */
const HANDED = 2;
/** Sender: the channel closed while it waited. */
const CLOSED = 3;
const DONE = 4;

/** @internal state shared by every handle of one mpmc channel. */
export class MChan<T> {
  readonly buf: Ring<T>;
  /** Messages passed back by cancelled receivers; taken before `buf` (rare path). */
  readonly front: T[] = [];
  senders = 1;
  receivers = 1;
  /** Slots granted to queued senders that have not pushed yet. */
  reserved = 0;
  /** A receiver closed the channel: no new sends. */
  closed = false;
  readonly rxWaiters = new WaitList<MRecv<T>>();
  readonly txWaiters = new WaitList<MSend<T>>();

  constructor(readonly capacity: number) {
    this.buf = new Ring<T>(Math.min(capacity, 64));
  }

  get length(): number {
    return this.buf.length + this.front.length;
  }

  /** Give `value` to the first waiting receiver, or buffer it. */
  deliver(value: T): void {
    const rx = this.rxWaiters.shift();
    if (rx === null) {
      this.buf.push(value);
      return;
    }
    rx.state = HANDED;
    rx.value = value;
    const w = rx.waker!;
    rx.waker = null;
    w.wake();
  }

  /** Take the next message (the caller checked `length > 0`); the freed slot may go to a sender. */
  take(): T {
    const value = this.front.length > 0 ? this.front.shift()! : this.buf.shift();
    if (this.txWaiters.length > 0) this.grantSlots();
    return value;
  }

  /**
   * Give free slots to the first queued senders (`HANDED`: the slot is theirs; they push when
   * polled). So a later `trySend` cannot overtake a queued sender, and a granted sender that is
   * cancelled has not sent: it passes the slot on (see `MSend.cancel`).
   */
  grantSlots(): void {
    while (this.length + this.reserved < this.capacity) {
      const tx = this.txWaiters.shift();
      if (tx === null) return;
      tx.state = HANDED;
      this.reserved++;
      const w = tx.waker!;
      tx.waker = null;
      w.wake();
    }
  }

  /** True when `recv` must return the end: nothing buffered and nothing can arrive. */
  drained(): boolean {
    return (
      this.length === 0 &&
      this.reserved === 0 &&
      this.txWaiters.length === 0 &&
      (this.senders === 0 || this.closed)
    );
  }

  /** The channel may have just ended: every waiting receiver re-checks (and sees the end). */
  wakeReceiversIfDone(): void {
    if (!this.drained()) return;
    // Each stays queued (and keeps its waker) until its poll sees the end and leaves.
    for (let n = this.rxWaiters.head; n !== null; n = n.qNext) n.waker!.wake();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Queued senders fail with their value; buffered messages stay receivable.
    for (let n = this.txWaiters.takeAll(); n !== null; ) {
      const next = n.qNext;
      n.qPrev = null;
      n.qNext = null;
      n.state = CLOSED;
      const w = n.waker!;
      n.waker = null;
      w.wake();
      n = next;
    }
    this.wakeReceiversIfDone();
  }
}

/** @internal the future of `Receiver.recv()`. */
class MRecv<T> extends FutureBase<Recv<T>> {
  qPrev: MRecv<T> | null = null;
  qNext: MRecv<T> | null = null;
  waker: Waker | null = null;
  state = INIT;
  value: T | undefined = undefined;

  constructor(private readonly chan: MChan<T>) {
    super();
  }

  poll(cx: Context): Poll<Recv<T>> {
    const chan = this.chan;
    const state = this.state;
    if (state === HANDED) {
      const v = this.value as T;
      this.value = undefined;
      this.state = DONE;
      return v;
    }
    if (state === DONE) throw new Error("mpmc recv future polled after it completed; call recv() again.");
    // Receivers wait only while nothing is buffered, so taking here overtakes nobody.
    if (chan.length > 0) {
      if (!pollProceed(cx)) return PENDING;
      if (state === WAITING) chan.rxWaiters.remove(this);
      this.state = DONE;
      return chan.take();
    }
    if (chan.drained()) {
      if (state === WAITING) chan.rxWaiters.remove(this);
      this.state = DONE;
      return NO_MORE;
    }
    if (state === INIT) {
      this.state = WAITING;
      chan.rxWaiters.push(this);
    }
    this.waker = cx.waker;
    return PENDING;
  }

  override cancel(): void {
    const chan = this.chan;
    if (this.state === WAITING) chan.rxWaiters.remove(this);
    else if (this.state === HANDED) {
      // Handed a message and dropped before reading it: pass it on, never lose it.
      const v = this.value as T;
      this.value = undefined;
      const next = chan.rxWaiters.shift();
      if (next === null) chan.front.push(v);
      else {
        next.state = HANDED;
        next.value = v;
        const w = next.waker!;
        next.waker = null;
        w.wake();
      }
    }
    this.state = DONE;
    this.waker = null;
  }

  override describe(): string {
    return `mpmc Receiver.recv() on ${describeMChan(this.chan)}`;
  }
}

/** @internal the future of a bounded `Sender.send()`. */
class MSend<T> extends FutureBase<void> {
  qPrev: MSend<T> | null = null;
  qNext: MSend<T> | null = null;
  waker: Waker | null = null;
  state = INIT;

  constructor(
    private readonly chan: MChan<T>,
    public value: T | undefined,
  ) {
    super();
  }

  poll(cx: Context): Poll<void> {
    const chan = this.chan;
    switch (this.state) {
      case INIT: {
        if (chan.closed) return this.fail();
        if (chan.txWaiters.length === 0 && chan.length + chan.reserved < chan.capacity) {
          if (!pollProceed(cx)) return PENDING;
          const v = this.value as T;
          this.value = undefined;
          this.state = DONE;
          chan.deliver(v);
          return undefined;
        }
        this.state = WAITING;
        this.waker = cx.waker;
        chan.txWaiters.push(this);
        return PENDING;
      }
      case WAITING:
        this.waker = cx.waker;
        return PENDING;
      case HANDED: {
        // The slot granted to this send: fill it now.
        chan.reserved--;
        const v = this.value as T;
        this.value = undefined;
        this.state = DONE;
        chan.deliver(v);
        // Handed straight to a waiting receiver, the value took no slot: the slot is free again.
        if (chan.txWaiters.length > 0) chan.grantSlots();
        return undefined;
      }
      case CLOSED:
        return this.fail();
      default:
        throw new Error("mpmc send future polled after it completed; call send() again.");
    }
  }

  private fail(): never {
    this.state = DONE;
    const value = this.value;
    this.value = undefined;
    throw new SendError(value);
  }

  override cancel(): void {
    const chan = this.chan;
    if (this.state === WAITING) {
      chan.txWaiters.remove(this);
      // A receiver may be waiting for the end, and this was the last thing that could arrive.
      chan.wakeReceiversIfDone();
    } else if (this.state === HANDED) {
      // Granted a slot and dropped before filling it: the value is not sent; the slot goes on.
      chan.reserved--;
      chan.grantSlots();
      chan.wakeReceiversIfDone();
    }
    this.state = DONE;
    this.value = undefined;
    this.waker = null;
  }

  override describe(): string {
    return `mpmc Sender.send() on ${describeMChan(this.chan)}`;
  }
}

/** `channel #1 — 0 of 8 queued, 2 receivers waiting, 1 sender alive`: which channel and its state. */
function describeMChan(chan: MChan<unknown>): string {
  const queued = chan.buf.length + chan.front.length;
  const rx = chan.rxWaiters.length;
  const tx = chan.txWaiters.length;
  return (
    `${instanceLabel(chan, "channel")} — ${queued}${Number.isFinite(chan.capacity) ? ` of ${chan.capacity}` : ""} queued` +
    (rx > 0 ? `, ${rx} receiver${rx === 1 ? "" : "s"} waiting` : "") +
    (tx > 0 ? `, ${tx} sender${tx === 1 ? "" : "s"} waiting` : "") +
    `, ${chan.senders === 0 ? "no sender" : `${chan.senders} sender${chan.senders === 1 ? "" : "s"}`} alive` +
    (chan.closed ? ", closed" : "")
  );
}

/** Shared by both sender kinds: handle bookkeeping. */
abstract class SenderBase<T> {
  protected open = true;

  /** @internal */
  constructor(protected readonly chan: MChan<T>) {}

  protected check(where: string): void {
    if (!this.open) throw closedHandle(where, "Sender");
  }

  /**
   * Close this handle. When the last sender closes, receivers drain the buffer, then get the end.
   * Idempotent.
   *
   * @example
   * tx.close();
   */
  close(): void {
    if (!this.open) return;
    this.open = false;
    const chan = this.chan;
    if (--chan.senders === 0) chan.wakeReceiversIfDone();
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** True once a receiver closed the channel: every later send throws {@link SendError}. */
  isClosed(): boolean {
    return this.chan.closed;
  }
}

/**
 * The sending half of a bounded {@link channel}: `send` waits while the queue is full.
 *
 * @example
 * const [tx, rx] = mpmc.channel<Job>(64);
 * yield* tx.send(job);
 */
export class Sender<T> extends SenderBase<T> {
  /**
   * A future that queues `value`, waiting (FIFO among senders) while the channel is full. Throws
   * {@link SendError} carrying the value if a receiver closed the channel.
   *
   * Cancel safety: cancelled before it completes, the value was not sent (a slot granted to it
   * goes to the next waiting sender); once it completes the value is in the channel.
   *
   * Cost: one small future; a ring push or a hand-off and at most one wake.
   *
   * @example
   * yield* tx.send(job);
   */
  send(value: T): FutureBase<void> {
    this.check("send()");
    return new MSend(this.chan, value);
  }

  /**
   * Queue `value` now if there is room; false when the channel is full. Throws {@link SendError}
   * if a receiver closed the channel.
   *
   * @example
   * if (!tx.trySend(job)) metrics.dropped++;
   */
  trySend(value: T): boolean {
    this.check("trySend()");
    const chan = this.chan;
    if (chan.closed) throw new SendError(value);
    if (chan.txWaiters.length > 0 || chan.length + chan.reserved >= chan.capacity) return false;
    chan.deliver(value);
    return true;
  }

  /**
   * Another sender for the same channel; receivers see the end only when all are closed.
   *
   * @example
   * s.spawn(producer(tx.clone()));
   */
  clone(): Sender<T> {
    if (!this.open) throw closedHandle("clone()", "Sender");
    this.chan.senders++;
    return new Sender(this.chan);
  }

  /** The capacity given at creation. */
  get capacity(): number {
    return this.chan.capacity;
  }
}

/**
 * The sending half of an {@link unbounded} channel: `send` is synchronous and never waits.
 *
 * @example
 * const [tx, rx] = mpmc.unbounded<Job>();
 * tx.send(job);
 */
export class UnboundedSender<T> extends SenderBase<T> {
  /**
   * Queue `value` now (or hand it to the first waiting receiver). Synchronous: usable from plain
   * callbacks. Throws {@link SendError} carrying the value if a receiver closed the channel.
   *
   * Cost: a ring push (or a hand-off) and at most one wake.
   *
   * @example
   * server.on("job", (job) => tx.send(job));
   */
  send(value: T): void {
    this.check("send()");
    const chan = this.chan;
    if (chan.closed) throw new SendError(value);
    chan.deliver(value);
  }

  /**
   * Another sender for the same channel.
   *
   * @example
   * const tx2 = tx.clone();
   */
  clone(): UnboundedSender<T> {
    if (!this.open) throw closedHandle("clone()", "UnboundedSender");
    this.chan.senders++;
    return new UnboundedSender(this.chan);
  }
}

/**
 * A receiving half of an mpmc channel. `clone()` it for each worker: every message goes to
 * exactly one receiver, waiting receivers are served first come, first served.
 *
 * @example
 * function* worker(rx: mpmc.Receiver<Job>) {
 *   for (let job = yield* rx.recv(); job !== END; job = yield* rx.recv()) yield* handle(job);
 * }
 * for (let i = 0; i < 8; i++) s.spawn(worker(rx.clone()));
 */
export class Receiver<T> {
  private open = true;

  /** @internal use {@link channel} or {@link unbounded}. */
  constructor(private readonly chan: MChan<T>) {}

  private check(where: string): void {
    if (!this.open) {
      throw new Error(
        `mpmc Receiver.${where} on a handle that was released (disposed). Keep a clone() for each worker ` +
          "and dispose each only when that worker is done.",
      );
    }
  }

  /**
   * Receive the next message, waiting (in FIFO order with the other receivers) while none is
   * buffered. Resolves `END` once every sender is closed (or a receiver closed the channel)
   * and the buffer is drained. Several `recv()` futures may wait at once, on one handle or many.
   *
   * Cancel safety: cancel-safe. A future cancelled while waiting took nothing; one cancelled after
   * a message was handed to it passes the message on to the next waiting receiver, or back to
   * the front of the queue: no message is lost or received twice.
   *
   * Cost: one small future; a hand-off costs a field write and a wake; spends one unit of coop
   * budget per buffered message.
   *
   * @example
   * const job = yield* rx.recv();
   */
  recv(): FutureBase<Recv<T>> {
    this.check("recv()");
    return new MRecv(this.chan);
  }

  /**
   * Take the next buffered message now: `EMPTY` when none is buffered but more may come, `END`
   * when the channel is closed and drained (what `recv()` would resolve).
   *
   * @example
   * const job = rx.tryRecv();
   */
  tryRecv(): T | Empty | End {
    this.check("tryRecv()");
    const chan = this.chan;
    if (chan.length > 0) return chan.take();
    return chan.drained() ? NO_MORE : EMPTY;
  }

  /**
   * Another receiver of the same queue (for another worker).
   *
   * @example
   * s.spawn(worker(rx.clone()));
   */
  clone(): Receiver<T> {
    this.check("clone()");
    this.chan.receivers++;
    return new Receiver(this.chan);
  }

  /**
   * Close the channel for everyone: new sends throw {@link SendError}, queued bounded sends fail
   * with their value, and receivers still drain what is buffered, then get the end. Idempotent.
   *
   * @example
   * rx.close(); // stop accepting work; workers finish the backlog
   */
  close(): void {
    this.chan.close();
  }

  /**
   * Release this handle (what `using rx = shared.clone()` does at scope exit). Unlike `close()`,
   * it does not stop the other workers: the channel closes only when the last receiver handle is
   * released, as when the last receiver of a Rust channel is dropped. Idempotent.
   *
   * @example
   * function* worker(shared: mpmc.Receiver<Job>) {
   *   using rx = shared.clone();
   *   // ...
   * }
   */
  [Symbol.dispose](): void {
    if (!this.open) return;
    this.open = false;
    if (--this.chan.receivers === 0) this.chan.close();
  }

  /** True when no new message can be sent (all senders closed, or the channel closed). */
  isClosed(): boolean {
    return this.chan.closed || this.chan.senders === 0;
  }

  /** Messages buffered right now. */
  get length(): number {
    return this.chan.length;
  }
}

/**
 * Create a bounded multi-producer, multi-consumer channel: the work queue. `send` waits while
 * `capacity` messages are buffered (backpressure); clone the receiver for each worker.
 *
 * When to use: several workers draining one queue of jobs. For one consumer, `mpsc` is a little
 * cheaper; to give every consumer every message, use `broadcast`.
 *
 * Cost: a ring buffer of up to `capacity` slots; per message a ring push and shift (or a direct
 * hand-off to a waiting receiver) and at most one wake.
 *
 * @example
 * const [tx, rx] = mpmc.channel<Job>(64);
 * yield* scope(function* (s) {
 *   for (let i = 0; i < 4; i++) s.spawn(worker(rx.clone()));
 *   for (const job of jobs) yield* tx.send(job);
 *   tx.close(); // workers drain the queue, then see END and return
 * });
 */
export function channel<T>(capacity: number): [Sender<T>, Receiver<T>] {
  checkCount(
    "mpmc.channel(capacity)",
    capacity,
    1,
    "Pass the queue length at which send() should wait, e.g. 64.",
  );
  const chan = new MChan<T>(capacity);
  return [new Sender(chan), new Receiver(chan)];
}

/**
 * Create an unbounded multi-producer, multi-consumer channel: `send` is synchronous, so it works
 * from plain callbacks; nothing bounds the queue but the workers' pace.
 *
 * Cost: a ring buffer that doubles as needed; per message as {@link channel}.
 *
 * @example
 * const [tx, rx] = mpmc.unbounded<Job>();
 * http.on("job", (j) => tx.send(j));
 */
export function unbounded<T>(): [UnboundedSender<T>, Receiver<T>] {
  const chan = new MChan<T>(Number.POSITIVE_INFINITY);
  return [new UnboundedSender(chan), new Receiver(chan)];
}

// Map anchors (see runtime/map-anchors.ts): a full bounded channel, a woken sender and receiver.
anchorWork("mpmc-channel", (keep, cx) => {
  const [tx, rx] = channel<number>(1);
  const [utx] = unbounded<number>();
  utx.send(0);
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
  keep(tx, rx, utx, blocked, first, waiting);
});
