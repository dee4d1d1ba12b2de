/**
 * `ClosedSignal`: the "the other side is gone" event behind `Sender.closed()` of `mpsc` and
 * `broadcast` (Tokio's `Sender::closed`). It fires once, when the channel's receiving side is
 * closed; every `closed()` future then completes, including ones created later.
 *
 * HOW: a flag and a `WaitList` of the waiting futures (intrusive nodes: registering and
 * deregistering allocate nothing and cost O(1)), drained once when the signal fires.
 */
import { FutureBase } from "../future/future.js";
import { type Context, PENDING, type Poll, type Waker } from "../future/poll.js";
import { WaitList } from "./wait-list.js";

/** @internal */
export class ClosedSignal {
  fired = false;
  readonly waiters = new WaitList<Closed>();

  /** The receiving side is back (a broadcast sender subscribed again): later `closed()` waits. */
  reset(): void {
    this.fired = false;
  }

  fire(): void {
    if (this.fired) return;
    this.fired = true;
    for (let n = this.waiters.takeAll(); n !== null; ) {
      const next = n.qNext;
      n.qPrev = null;
      n.qNext = null;
      n.queued = false;
      const w = n.waker;
      n.waker = null;
      w?.wake();
      n = next;
    }
  }
}

/**
 * The future returned by a sender's `closed()`: completes once every receiver of the channel is
 * gone (closed or disposed), at once if they already are. Cancel-safe and reusable in a `select`
 * loop: cancelling only deregisters it.
 *
 * Cost: one small object; waiting is O(1) to register and to cancel.
 *
 * @example
 * const gone: Closed = tx.closed();
 * yield* select({ gone, work: produce(tx) }); // stop producing when the client left
 */
export class Closed extends FutureBase<void> {
  /** @internal */ qPrev: Closed | null = null;
  /** @internal */ qNext: Closed | null = null;
  /** @internal */ waker: Waker | null = null;
  /** @internal */ queued = false;

  /** @internal use a sender's `closed()`. */
  constructor(private readonly signal: ClosedSignal) {
    super();
  }

  poll(cx: Context): Poll<void> {
    const signal = this.signal;
    if (signal.fired) return;
    this.waker = cx.waker;
    if (!this.queued) {
      this.queued = true;
      signal.waiters.push(this);
    }
    return PENDING;
  }

  override cancel(): void {
    this.waker = null;
    if (this.queued) {
      this.queued = false;
      this.signal.waiters.remove(this);
    }
  }

  override describe(): string {
    return "Sender.closed() (a receiver is still open)";
  }
}

/**
 * The signal of a channel whose `closed()` futures are rare: created on the first `closed()` call
 * (fired at once if the receiver is already gone), so a channel nobody asks pays nothing.
 */
export function lazySignal(existing: ClosedSignal | null, receiverClosed: boolean): ClosedSignal {
  if (existing !== null) return existing;
  const signal = new ClosedSignal();
  if (receiverClosed) signal.fire();
  return signal;
}
