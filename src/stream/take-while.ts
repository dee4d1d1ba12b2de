/**
 * `takeWhile(predicate)` and `mapWhile(fn)`: end the stream at the first item that fails. The
 * wrapped stream is cancelled right then (as `take` does), so whatever it holds (a channel, a
 * timer, a socket) is released without waiting for the adapter to be dropped.
 */
import { describeFuture } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { StreamBase } from "./base.js";
import { END, type End, type Stream } from "./poll-next.js";
import { adapters } from "./registry.js";

abstract class EndsEarly<T, U> extends StreamBase<U> {
  /** The wrapped stream ended or was cancelled: never poll or cancel it again. */
  protected done = false;

  constructor(protected readonly up: Stream<T>) {
    super();
  }

  /** End here: cancel the wrapped stream once. */
  protected finish(): End {
    if (!this.done) {
      this.done = true;
      this.up.cancel?.();
    }
    return END;
  }

  override cancel(): void {
    this.finish();
  }
}

class TakeWhileStream<T> extends EndsEarly<T, T> {
  constructor(
    up: Stream<T>,
    private readonly predicate: (item: T) => boolean,
  ) {
    super(up);
  }

  pollNext(cx: Context): Poll<T | End> {
    if (this.done) return END;
    const item = this.up.pollNext(cx);
    if (item === PENDING) return PENDING;
    if (item === END) {
      this.done = true;
      return END;
    }
    let keep: boolean;
    try {
      keep = this.predicate(item);
    } catch (e) {
      this.finish();
      throw e;
    }
    return keep ? item : this.finish();
  }

  override describe(): string {
    return `${describeFuture(this.up)}.takeWhile()`;
  }
}

class MapWhileStream<T, U> extends EndsEarly<T, U> {
  constructor(
    up: Stream<T>,
    private readonly fn: (item: T) => U | End,
  ) {
    super(up);
  }

  pollNext(cx: Context): Poll<U | End> {
    if (this.done) return END;
    const item = this.up.pollNext(cx);
    if (item === PENDING) return PENDING;
    if (item === END) {
      this.done = true;
      return END;
    }
    let out: U | End;
    try {
      out = this.fn(item);
    } catch (e) {
      this.finish();
      throw e;
    }
    return out === END ? this.finish() : out;
  }

  override describe(): string {
    return `${describeFuture(this.up)}.mapWhile()`;
  }
}

adapters.takeWhile = (up, predicate) => new TakeWhileStream(up, predicate);
adapters.mapWhile = (up, fn) => new MapWhileStream(up, fn);
