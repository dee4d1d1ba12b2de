/**
 * `RecvStream`: a channel receiver as a stream (tokio-stream's `ReceiverStream`), so the stream
 * adapters apply to channels: `rx.stream().chunksTimeout(64, 10)` batches what producers send.
 * The channels' `stream()` methods make one; this module knows receivers only by their shape, so
 * pollux/stream does not depend on pollux/sync.
 */
import type { End } from "../future/end.js";
import { describeFuture, type Future } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { StreamBase } from "./stream.js";

/** A receiver with a cancel-safe `recv()` that resolves `END` once closed and drained. */
export interface Receiving<T> {
  recv(): Future<T | End>;
  close(): void;
}

/**
 * The stream of what a receiver receives, ending when the channel is closed and drained. It owns
 * the receiver: cancelling the stream (or `using`) closes the receiver, as dropping Tokio's
 * `ReceiverStream` drops it.
 *
 * Cancel safety: dropping a `next()` loses no message (the `recv()` it was polling is kept and
 * resumed by the next `next()`). Cost: the receiver's `recv()` per item, no other allocation.
 */
export class RecvStream<T> extends StreamBase<T> {
  /** The `recv()` in flight, kept across polls so that a dropped `next()` loses nothing. */
  private pending: Future<T | End> | null = null;

  /** @internal use the receiver's `stream()`. */
  constructor(private readonly rx: Receiving<T>) {
    super();
  }

  pollNext(cx: Context): Poll<T | End> {
    let recv = this.pending;
    if (recv === null) recv = this.pending = this.rx.recv();
    const out = recv.poll(cx);
    if (out === PENDING) return PENDING;
    this.pending = null;
    return out;
  }

  /** Release the waiting `recv()` and close the receiver. */
  override cancel(): void {
    const recv = this.pending;
    this.pending = null;
    recv?.cancel?.();
    this.rx.close();
  }

  override describe(): string {
    return this.pending === null ? "receiver stream" : `stream of ${describeFuture(this.pending)}`;
  }
}
