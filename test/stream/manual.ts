/** Test tool for streams: a stream fed by hand. */
import { type Context, PENDING, type Poll } from "../../src/future/index.js";
import { END, type End, StreamBase } from "../../src/stream/index.js";

/** A stream fed by hand: `send(v)`, `close()`; counts polls and cancels. */
export class Manual<T> extends StreamBase<T> {
  items: T[] = [];
  closed = false;
  polls = 0;
  cancelled = 0;
  private waker: { wake(): void } | null = null;
  pollNext(cx: Context): Poll<T | End> {
    this.polls++;
    if (this.items.length > 0) return this.items.shift()!;
    if (this.closed) return END;
    this.waker = cx.waker;
    return PENDING;
  }
  send(v: T): void {
    this.items.push(v);
    this.wake();
  }
  close(): void {
    this.closed = true;
    this.wake();
  }
  private wake(): void {
    const w = this.waker;
    this.waker = null;
    w?.wake();
  }
  override cancel(): void {
    this.cancelled++;
  }
}
