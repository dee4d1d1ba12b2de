/** `filterMap`: map, dropping the `undefined` results (Rust's `filter_map`). */
import { describeFuture } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { StreamBase } from "./base.js";
import { END, type End, type Stream } from "./poll-next.js";
import { adapters } from "./registry.js";

class FilterMapStream<T, U> extends StreamBase<U> {
  constructor(
    private readonly up: Stream<T>,
    private readonly fn: (item: T) => U | undefined,
  ) {
    super();
  }

  pollNext(cx: Context): Poll<U | End> {
    const up = this.up;
    for (;;) {
      const item = up.pollNext(cx);
      if (item === PENDING) return PENDING;
      if (item === END) return END;
      const out = this.fn(item);
      if (out !== undefined) return out;
    }
  }

  override cancel(): void {
    this.up.cancel?.();
  }

  override describe(): string {
    return `${describeFuture(this.up)}.filterMap()`;
  }
}

adapters.filterMap = (up, fn) => new FilterMapStream(up, fn);
