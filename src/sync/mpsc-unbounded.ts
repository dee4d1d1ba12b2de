/**
 * The unbounded multi-producer, single-consumer channel: `mpsc.unbounded()`.
 *
 * HOW: the bounded channel without slots. `send` is synchronous: it pushes onto a growable ring
 * buffer and wakes the receiver's single waker slot. Nothing ever waits on the sending side, so
 * there is no sender queue. Memory is bounded only by how fast the receiver drains. A completed
 * recv future is reused by the next `recv()`, as in the bounded channel.
 */

import { EMPTY, type Empty, END, type End } from "../future/end.js";
import { FutureBase } from "../future/future.js";
import { instanceLabel } from "../future/instance-id.js";
import { type Context, PENDING, type Poll, type Waker } from "../future/poll.js";
import { anchorWork, pollReady } from "../runtime/map-anchors.js";
import { Ring } from "../runtime/ring.js";
import { RecvStream } from "../stream/recv-stream.js";
import { pollProceed } from "../task/coop.js";
import { growthWatched, watchGrowth } from "../task/growth-watch.js";
import { Closed, type ClosedSignal, lazySignal } from "./closed-signal.js";
import { SendError } from "./errors.js";
import { aliveSenders, twoReceivers } from "./mpsc-bounded.js";
import { checkRecvLimit, RecvMany } from "./recv-many.js";

/** @internal state shared by the senders and the receiver of one unbounded channel. */
export class UChan<T> {
  readonly buf = new Ring<T>(16);
  senders = 1;
  rxClosed = false;
  rxWaker: Waker | null = null;
  rxWaiter: object | null = null;
  /** Fires when the receiver closes: `UnboundedSender.closed()`. Created by the first `closed()`. */
  closedSignal: ClosedSignal | null = null;

  drained(): boolean {
    return this.buf.length === 0 && (this.senders === 0 || this.rxClosed);
  }

  releaseSlots(): void {}

  wakeReceiver(): void {
    const w = this.rxWaker;
    if (w !== null) {
      this.rxWaker = null;
      w.wake();
    }
  }
}

class URecvFuture<T> extends FutureBase<T | End> {
  constructor(
    private readonly chan: UChan<T>,
    private readonly rx: UnboundedReceiver<T>,
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
      this.rx.spare = this;
      return chan.buf.shift();
    }
    if (chan.senders === 0 || chan.rxClosed) {
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
    const chan = this.chan;
    return (
      `mpsc UnboundedReceiver.recv() on ${instanceLabel(chan, "channel")} — ${chan.buf.length} queued, ` +
      aliveSenders(chan.senders)
    );
  }
}

function closedHandle(what: string): Error {
  return new Error(
    `${what} on an UnboundedSender handle that was closed. close() ends this handle; clone() the sender ` +
      "first if another part of the program still needs to send.",
  );
}

/**
 * The sending half of an {@link unbounded} channel. `send` never waits.
 *
 * @example
 * const [tx, rx] = mpsc.unbounded<string>();
 * tx.send("log line"); // synchronous
 */
export class UnboundedSender<T> {
  private open = true;

  /** @internal use {@link unbounded}. */
  constructor(private readonly chan: UChan<T>) {}

  /**
   * Send `value` now. Synchronous: usable from plain callbacks (event emitters, timers). Throws
   * {@link SendError} (carrying the value) if the receiver closed the channel.
   *
   * Cost: a ring push (the ring doubles when full) and at most one wake; no allocation once the
   * ring has grown to the channel's peak depth.
   *
   * @example
   * socket.on("data", (chunk) => tx.send(chunk));
   */
  send(value: T): void {
    if (!this.open) throw closedHandle("send()");
    const chan = this.chan;
    if (chan.rxClosed) throw new SendError(value);
    chan.buf.push(value);
    const w = chan.rxWaker;
    if (w !== null) {
      chan.rxWaker = null;
      w.wake();
    }
  }

  /**
   * Another sender for the same channel; the receiver sees the end only when all are closed.
   *
   * @example
   * const logTx = tx.clone();
   */
  clone(): UnboundedSender<T> {
    if (!this.open) throw closedHandle("clone()");
    this.chan.senders++;
    return new UnboundedSender(this.chan);
  }

  /**
   * Close this handle. When the last one closes, the receiver drains the buffer, then gets
   * `END`. Idempotent.
   *
   * @example
   * tx.close();
   */
  close(): void {
    if (!this.open) return;
    this.open = false;
    const chan = this.chan;
    if (--chan.senders === 0) chan.wakeReceiver();
  }

  /** Same as {@link UnboundedSender.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** True once the receiver closed the channel: every later send throws. */
  isClosed(): boolean {
    return this.chan.rxClosed;
  }

  /**
   * A future that completes once the receiver is gone (closed or disposed), at once if it already
   * is (Tokio's `UnboundedSender::closed`). Cancel-safe; O(1) to register and cancel.
   *
   * @example
   * spawn(function* () { yield* tx.closed(); unsubscribe(); }); // stop the feed when nobody reads
   */
  closed(): Closed {
    const chan = this.chan;
    chan.closedSignal = lazySignal(chan.closedSignal, chan.rxClosed);
    return new Closed(chan.closedSignal);
  }

  /**
   * A {@link WeakUnboundedSender}: does not keep the channel open; `upgrade()` gives a sender back
   * while a strong one is open.
   *
   * @example
   * const weak = tx.downgrade();
   */
  downgrade(): WeakUnboundedSender<T> {
    return new WeakUnboundedSender(this.chan);
  }

  /** True when `other` sends into the same channel. */
  sameChannel(other: UnboundedSender<T> | WeakUnboundedSender<T>): boolean {
    return other.chanOf() === this.chan;
  }

  /** @internal */
  chanOf(): UChan<T> {
    return this.chan;
  }
}

/**
 * An unbounded sender that does not keep the channel open (Tokio's `WeakUnboundedSender`); see
 * the bounded {@link WeakSender}.
 *
 * @example
 * const tx = weak.upgrade();
 * if (tx !== undefined) { tx.send(event); tx.close(); }
 */
export class WeakUnboundedSender<T> {
  /** @internal use {@link UnboundedSender.downgrade}. */
  constructor(private readonly chan: UChan<T>) {}

  /**
   * A new strong sender, or undefined once every strong sender is closed.
   *
   * @example
   * const tx = weak.upgrade();
   */
  upgrade(): UnboundedSender<T> | undefined {
    const chan = this.chan;
    if (chan.senders === 0) return undefined;
    chan.senders++;
    return new UnboundedSender(chan);
  }

  /** True when `other` sends into the same channel. */
  sameChannel(other: UnboundedSender<T> | WeakUnboundedSender<T>): boolean {
    return other.chanOf() === this.chan;
  }

  /** @internal */
  chanOf(): UChan<T> {
    return this.chan;
  }
}

/**
 * The receiving half of an {@link unbounded} channel; one consumer.
 *
 * @example
 * for (let line = yield* rx.recv(); line !== END; line = yield* rx.recv()) write(line);
 */
export class UnboundedReceiver<T> {
  /** @internal a completed recv future, reused by the next `recv()` (see mpsc-bounded.ts). */
  spare: URecvFuture<T> | null = null;

  /** @internal use {@link unbounded}. */
  constructor(private readonly chan: UChan<T>) {}

  /**
   * Receive the next message, waiting while none is buffered. Resolves `END` once every
   * sender is closed (or the receiver closed the channel) and the buffer is drained.
   *
   * Cancel safety: cancel-safe; a message is taken only when the future completes.
   *
   * Cost: one small future; spends one unit of coop budget per message.
   *
   * @example
   * const line = yield* rx.recv();
   */
  recv(): FutureBase<T | End> {
    const f = this.spare;
    if (f !== null) {
      this.spare = null;
      return f;
    }
    return new URecvFuture(this.chan, this);
  }

  /**
   * Wait for at least one message, then move up to `limit` buffered ones onto the end of `buffer`
   * and resolve how many; `END` once closed and drained (Tokio's `recv_many`). Cancel-safe.
   *
   * Cost: one small future per batch; one unit of coop budget per batch.
   *
   * @throws RangeError when `limit` is not a whole number ≥ 1.
   * @example
   * const lines: string[] = [];
   * while ((yield* rx.recvMany(lines, 256)) !== END) { flush(lines); lines.length = 0; }
   */
  recvMany(buffer: T[], limit: number): RecvMany<T> {
    checkRecvLimit(buffer, limit);
    return new RecvMany(this.chan, buffer, limit);
  }

  /** True when `other` sends into this receiver's channel. */
  sameChannel(other: UnboundedSender<T> | WeakUnboundedSender<T>): boolean {
    return other.chanOf() === this.chan;
  }

  /**
   * Take the next buffered message without waiting: `EMPTY` when none is buffered but one may
   * still arrive, `END` when the channel is closed and drained (what `recv()` would resolve).
   *
   * @example
   * const next = rx.tryRecv();
   * if (next !== EMPTY && next !== END) use(next);
   */
  tryRecv(): T | Empty | End {
    const chan = this.chan;
    if (chan.buf.length > 0) return chan.buf.shift();
    return chan.senders === 0 || chan.rxClosed ? END : EMPTY;
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
   * Stop new sends (they throw {@link SendError}); buffered messages can still be received.
   * Idempotent.
   *
   * @example
   * rx.close();
   */
  close(): void {
    const chan = this.chan;
    if (chan.rxClosed) return;
    chan.rxClosed = true;
    chan.closedSignal?.fire();
    if (chan.buf.length === 0) chan.wakeReceiver();
  }

  /** Same as {@link UnboundedReceiver.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** True when no new message can be sent (all senders closed, or the receiver closed). */
  isClosed(): boolean {
    return this.chan.rxClosed || this.chan.senders === 0;
  }

  /** Messages buffered right now. */
  get length(): number {
    return this.chan.buf.length;
  }
}

/**
 * Create an unbounded multi-producer, single-consumer channel: `send` is synchronous and never
 * waits, so it also works from plain callbacks.
 *
 * When to use: bridging callbacks into tasks, or when the producer's rate is bounded by something
 * else. With no bound, a slow consumer lets the buffer (and memory) grow without limit; prefer
 * `mpsc.channel(capacity)` otherwise.
 *
 * Cost: two handles and a ring buffer that doubles as needed; a message costs a ring push, a ring
 * shift and at most one wake.
 *
 * @example
 * const [tx, rx] = mpsc.unbounded<Buffer>();
 * stream.on("data", (chunk) => tx.send(chunk));
 * stream.on("end", () => tx.close());
 * for (let c = yield* rx.recv(); c !== END; c = yield* rx.recv()) parse(c);
 */
export function unbounded<T>(): [UnboundedSender<T>, UnboundedReceiver<T>] {
  const chan = new UChan<T>();
  if (growthWatched()) watchGrowth(chan, "mpsc.unbounded() channel", (c) => c.buf.length);
  return [new UnboundedSender(chan), new UnboundedReceiver(chan)];
}

// Map anchors (see runtime/map-anchors.ts): a value received at once, and a receiver that waited
// and was woken.
anchorWork("mpsc-unbounded", (keep, cx) => {
  const [tx, rx] = unbounded<number>();
  tx.send(1);
  const recv = rx.recv();
  pollReady(recv, cx);
  const waiting = rx.recv();
  waiting.poll(cx);
  tx.send(2);
  pollReady(waiting, cx);
  tx.close();
  pollReady(rx.recv(), cx);
  keep(tx, rx, recv, waiting);
});
