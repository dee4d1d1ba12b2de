/**
 * `oneshot()`: a channel for exactly one value, from one sender to one receiver.
 *
 * HOW: the receiver object holds the whole state (value, state, both wakers), and the sender is a
 * thin handle pointing at it, so a pair costs two small objects. `send` is synchronous: it stores
 * the value and wakes the receiver's task. The receiver IS a future: `yield* rx` waits for the value.
 */

import { FutureBase } from "../future/future.js";
import { instanceLabel } from "../future/instance-id.js";
import { type Context, PENDING, type Poll, type Waker } from "../future/poll.js";
import { anchorWork, pollReady } from "../runtime/map-anchors.js";
import { pollProceed } from "../task/coop.js";
import { RecvError } from "./errors.js";

// Receiver states.
const EMPTY = 0;
const FULL = 1;
/** The value was taken by the receiver. */
const TAKEN = 2;
/** The sender closed without sending. */
const ABANDONED = 3;

/**
 * The sending half of a {@link oneshot}. `send` once, or `close` to tell the receiver no value
 * will come.
 *
 * @example
 * const [tx, rx] = oneshot<number>();
 * spawn(function* () { tx.send(42); });
 * console.log(yield* rx); // 42
 */
export class OneshotSender<T> {
  private used = false;

  /** @internal use {@link oneshot}. */
  constructor(private readonly rx: OneshotReceiver<T>) {}

  /**
   * Deliver `value` and wake the receiver. Synchronous. Returns false (and drops the value) when
   * the receiver was closed: nobody will ever read it. A sender sends once.
   *
   * Cost: a field write and at most one wake.
   *
   * @example
   * if (!reply.send(result)) console.log("the requester gave up");
   */
  send(value: T): boolean {
    if (this.used) {
      throw new Error(
        "OneshotSender.send() called twice (or after close()); a oneshot carries one value. Use an mpsc channel for a stream.",
      );
    }
    this.used = true;
    return this.rx.deliver(value);
  }

  /**
   * Close without sending: the receiver's `yield* rx` throws {@link RecvError}. Idempotent, and a
   * no-op after `send`. `using tx = ...` calls it at scope exit, so a task that fails before
   * replying still releases its requester.
   *
   * @example
   * try { reply.send(compute()); } finally { reply.close(); }
   */
  close(): void {
    if (this.used) return;
    this.used = true;
    this.rx.abandon();
  }

  /** Same as {@link OneshotSender.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * True once the receiver was closed: a value sent now would be dropped.
   *
   * @example
   * if (reply.isClosed()) return; // nobody waits for the answer any more
   */
  isClosed(): boolean {
    return this.rx.isReceiverClosed();
  }

  /**
   * A future that completes when the receiver is closed, so a worker can stop computing an answer
   * nobody will read (`select` it against the work).
   *
   * Cancel safety: cancel-safe; it only observes.
   *
   * @example
   * const r = yield* select({ done: work(), gone: reply.closed() });
   */
  closed(): FutureBase<void> {
    return new SenderClosed(this.rx);
  }
}

class SenderClosed<T> extends FutureBase<void> {
  constructor(private readonly rx: OneshotReceiver<T>) {
    super();
  }
  poll(cx: Context): Poll<void> {
    return this.rx.pollClosed(cx) ? undefined : PENDING;
  }
  override cancel(): void {
    this.rx.dropClosedWaker();
  }
  override describe(): string {
    return "OneshotSender.closed()";
  }
}

/**
 * The receiving half of a {@link oneshot}. It is a future: `yield* rx` evaluates to the value, or
 * throws {@link RecvError} if the sender closed without sending.
 *
 * Cancel safety: awaiting it is cancel-safe. The value is taken only when the await completes; a
 * later `yield* rx` or `tryRecv()` still gets it.
 *
 * @example
 * const [tx, rx] = oneshot<string>();
 * jobs.trySend({ input, reply: tx });
 * const answer = yield* rx;
 */
export class OneshotReceiver<T> extends FutureBase<T> {
  private state = EMPTY;
  private rxClosed = false;
  private value: T | undefined = undefined;
  private waker: Waker | null = null;
  private txWaker: Waker | null = null;

  /** @internal */
  deliver(value: T): boolean {
    if (this.rxClosed) return false;
    this.value = value;
    this.state = FULL;
    const w = this.waker;
    if (w !== null) {
      this.waker = null;
      w.wake();
    }
    return true;
  }

  /** @internal */
  abandon(): void {
    if (this.state !== EMPTY) return;
    this.state = ABANDONED;
    const w = this.waker;
    if (w !== null) {
      this.waker = null;
      w.wake();
    }
  }

  /** @internal */
  isReceiverClosed(): boolean {
    return this.rxClosed;
  }

  /** @internal */
  pollClosed(cx: Context): boolean {
    if (this.rxClosed) return true;
    this.txWaker = cx.waker;
    return false;
  }

  /** @internal */
  dropClosedWaker(): void {
    this.txWaker = null;
  }

  poll(cx: Context): Poll<T> {
    switch (this.state) {
      case FULL: {
        if (!pollProceed(cx)) return PENDING;
        this.waker = null;
        return this.take();
      }
      case EMPTY:
        if (this.rxClosed) throw new RecvError("oneshot receiver was closed before a value was sent");
        this.waker = cx.waker;
        return PENDING;
      case ABANDONED:
        this.waker = null;
        throw new RecvError();
      default:
        throw new Error(
          "oneshot receiver awaited again after it produced its value; a oneshot carries one value.",
        );
    }
  }

  override cancel(): void {
    this.waker = null;
  }

  /**
   * Take the value without waiting: the value if it was sent, undefined if not yet. Throws
   * {@link RecvError} if the sender closed without sending, or the value was already taken.
   *
   * @example
   * const v = rx.tryRecv();
   * if (v !== undefined) use(v);
   */
  tryRecv(): T | undefined {
    if (this.state === FULL) return this.take();
    if (this.state === EMPTY) return undefined;
    throw new RecvError(
      this.state === TAKEN
        ? "oneshot value was already received"
        : "the oneshot sender closed without sending",
    );
  }

  /**
   * Refuse the value: a later `send` returns false. A value sent before `close` can still be read
   * with `tryRecv()` (or `yield* rx`). Idempotent. `using rx = ...` calls it at scope exit.
   *
   * @example
   * rx.close(); // the worker's reply.isClosed() is now true
   */
  close(): void {
    if (this.rxClosed) return;
    this.rxClosed = true;
    const w = this.txWaker;
    if (w !== null) {
      this.txWaker = null;
      w.wake();
    }
  }

  /** Same as {@link OneshotReceiver.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  override describe(): string {
    return `oneshot Receiver on ${instanceLabel(this, "oneshot")} — no value sent yet, sender alive`;
  }

  private take(): T {
    const value = this.value as T;
    this.value = undefined;
    this.state = TAKEN;
    return value;
  }
}

/**
 * Create a channel for exactly one value: `[sender, receiver]`. `sender.send(v)` is synchronous;
 * `yield* receiver` waits for the value, or throws {@link RecvError} when the sender closed (or
 * was disposed) without sending.
 *
 * When to use: the reply half of a request, the result of a spawned job handed to one waiter, a
 * "ready" signal carrying data.
 *
 * Cost: two small objects; `send` is a field write plus at most one wake.
 *
 * @example
 * const [replyTx, replyRx] = oneshot<User>();
 * yield* requests.send({ id: 7, reply: replyTx });
 * const user = yield* replyRx;
 */
export function oneshot<T>(): [OneshotSender<T>, OneshotReceiver<T>] {
  const rx = new OneshotReceiver<T>();
  return [new OneshotSender(rx), rx];
}

// Map anchors (see runtime/map-anchors.ts): a oneshot whose receiver waited for its value.
anchorWork("oneshot", (keep, cx) => {
  const [tx, rx] = oneshot<number>();
  rx.poll(cx);
  tx.send(1);
  pollReady(rx, cx);
  keep(tx, rx);
});
