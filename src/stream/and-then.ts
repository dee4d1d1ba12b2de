/**
 * `andThen` (futures' `then`): one future per item, awaited in order, one at a time. The in-flight future lives in the
 * adapter (not in the `next()` future), which is what makes dropping a `next()` lose nothing.
 */
import { childFuture, reportDropped } from "../future/child-waker.js";
import { describeFuture, type Future, isFuture } from "../future/future.js";
import type { IntoFuture, IntoOutput } from "../future/into-future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { StreamBase } from "./base.js";
import { END, type End, type Stream } from "./poll-next.js";
import { adapters } from "./registry.js";

class AndThenStream<T, U> extends StreamBase<U> {
  private inFlight: Future<U> | null = null;
  private ended = false;

  constructor(
    private readonly up: Stream<T>,
    private readonly fn: (item: T) => IntoFuture<U>,
  ) {
    super();
  }

  pollNext(cx: Context): Poll<U | End> {
    let f = this.inFlight;
    if (f === null) {
      if (this.ended) return END;
      const item = this.up.pollNext(cx);
      if (item === PENDING) return PENDING;
      if (item === END) {
        this.ended = true;
        return END;
      }
      const made = this.fn(item);
      f = (isFuture(made) ? made : childFuture(made, "andThen(): the value fn returned")) as Future<U>;
      this.inFlight = f;
    }
    let out: Poll<U>;
    try {
      out = f.poll(cx);
    } catch (e) {
      this.inFlight = null;
      throw e;
    }
    if (out === PENDING) return PENDING;
    this.inFlight = null;
    return out;
  }

  override cancel(): void {
    this.ended = true;
    const f = this.inFlight;
    this.inFlight = null;
    if (f !== null) {
      try {
        f.cancel?.();
      } catch (e) {
        reportDropped(e, "andThen(): cancelling the in-flight future threw");
      }
    }
    this.up.cancel?.();
  }

  override describe(): string {
    const f = this.inFlight;
    return `${describeFuture(this.up)}.andThen(${f === null ? "" : describeFuture(f)})`;
  }
}

adapters.andThen = <T, F extends IntoFuture<unknown>>(up: Stream<T>, fn: (item: T) => F) =>
  new AndThenStream<T, IntoOutput<F>>(up, fn as unknown as (item: T) => IntoFuture<IntoOutput<F>>);
