/** `flatten()`: the items of each inner stream in turn; the next inner stream is taken when one ends. */
import { describeValue } from "../future/async-fn.js";
import { describeFuture } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { isStream, StreamBase } from "./base.js";
import { END, type End, type Stream } from "./poll-next.js";
import { adapters } from "./registry.js";

class FlattenStream<T> extends StreamBase<T> {
  private inner: Stream<T> | null = null;
  private ended = false;

  constructor(private readonly outer: Stream<Stream<T>>) {
    super();
  }

  pollNext(cx: Context): Poll<T | End> {
    for (;;) {
      let inner = this.inner;
      if (inner === null) {
        if (this.ended) return END;
        const next = this.outer.pollNext(cx);
        if (next === PENDING) return PENDING;
        if (next === END) {
          this.ended = true;
          return END;
        }
        if (!isStream(next)) {
          throw new TypeError(
            `flatten(): an item of the outer stream is not a stream (no pollNext method); got ${describeValue(next)}. ` +
              "Map arrays to streams first: .map((xs) => fromIterable(xs)).flatten().",
          );
        }
        inner = this.inner = next as Stream<T>;
      }
      const item = inner.pollNext(cx);
      if (item !== END) return item;
      this.inner = null;
    }
  }

  override cancel(): void {
    this.ended = true;
    const inner = this.inner;
    this.inner = null;
    inner?.cancel?.();
    this.outer.cancel?.();
  }

  override describe(): string {
    const inner = this.inner;
    return `${describeFuture(this.outer)}.flatten(${inner === null ? "" : describeFuture(inner)})`;
  }
}

adapters.flatten = (outer) => new FlattenStream(outer);
