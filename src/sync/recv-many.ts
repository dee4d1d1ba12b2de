/**
 * `recvMany(buffer, limit)` for the mpsc channels (Tokio's `recv_many`): wait for at least one
 * message, then move up to `limit` of the buffered ones into the caller's array in one go. One
 * future class serves the bounded and the unbounded channel through the small `RecvSource` shape
 * they share, and it takes the receiver's single waker slot exactly as `recv()` does, so a
 * `recv()` and a `recvMany()` waiting at once are reported as two receivers.
 */
import { END, type End } from "../future/end.js";
import { FutureBase } from "../future/future.js";
import { instanceLabel } from "../future/instance-id.js";
import { type Context, PENDING, type Poll, type Waker } from "../future/poll.js";
import type { Ring } from "../runtime/ring.js";
import { pollProceed } from "../task/coop.js";
import { checkCount, describe } from "./validate.js";

/** @internal what `RecvMany` needs of a channel. */
export interface RecvSource<T> {
  readonly buf: Ring<T>;
  rxWaiter: object | null;
  rxWaker: Waker | null;
  /** Nothing buffered and nothing can arrive. */
  drained(): boolean;
  /** The receiver took `n` messages: free their slots (bounded channel). */
  releaseSlots(n: number): void;
}

/** @internal check `recvMany`'s arguments, naming the bad one and the fix. */
export function checkRecvLimit(buffer: unknown, limit: unknown): void {
  if (!Array.isArray(buffer)) {
    throw new TypeError(
      `recvMany(buffer, limit): buffer must be an array to append the messages to; got ${describe(buffer)}.`,
    );
  }
  checkCount("recvMany(buffer, limit): limit", limit, 1, "Pass how many messages to take at most, e.g. 64.");
}

/**
 * The future returned by `recvMany(buffer, limit)`: how many messages it appended to `buffer`
 * (at least one), or `END` once the channel is closed and drained.
 *
 * @example
 * const n: RecvMany<string> = rx.recvMany(lines, 100);
 */
export class RecvMany<T> extends FutureBase<number | End> {
  /** @internal use a receiver's `recvMany`. */
  constructor(
    private readonly chan: RecvSource<T>,
    private readonly buffer: T[],
    private readonly limit: number,
  ) {
    super();
  }

  poll(cx: Context): Poll<number | End> {
    const chan = this.chan;
    const buf = chan.buf;
    if (buf.length > 0) {
      if (!pollProceed(cx)) return PENDING;
      this.leave();
      const n = buf.length < this.limit ? buf.length : this.limit;
      const out = this.buffer;
      for (let i = 0; i < n; i++) out.push(buf.shift() as T);
      chan.releaseSlots(n);
      return n;
    }
    if (chan.drained()) {
      this.leave();
      return END;
    }
    if (chan.rxWaiter !== this) {
      if (chan.rxWaiter !== null) {
        throw new Error(
          "an mpsc Receiver is awaited by two futures at once (recv() or recvMany()); a channel has ONE consumer. " +
            "To share a work queue between tasks, use mpmc.channel(capacity) and clone() the receiver for each worker.",
        );
      }
      chan.rxWaiter = this;
    }
    chan.rxWaker = cx.waker;
    return PENDING;
  }

  private leave(): void {
    const chan = this.chan;
    if (chan.rxWaiter === this) {
      chan.rxWaiter = null;
      chan.rxWaker = null;
    }
  }

  override cancel(): void {
    this.leave();
  }

  override describe(): string {
    return `mpsc Receiver.recvMany() on ${instanceLabel(this.chan, "channel")} — channel empty`;
  }
}
