/** `chain(other)`: this stream, then `other`; `other` is not polled before the first has ended. */
import { describeFuture } from "../future/future.js";
import type { Context, Poll } from "../future/poll.js";
import { StreamBase } from "./base.js";
import { END, type End, type Stream } from "./poll-next.js";
import { adapters } from "./registry.js";

class ChainStream<T, U> extends StreamBase<T | U> {
  private firstDone = false;

  constructor(
    private readonly first: Stream<T>,
    private readonly second: Stream<U>,
  ) {
    super();
  }

  pollNext(cx: Context): Poll<T | U | End> {
    if (!this.firstDone) {
      const item = this.first.pollNext(cx);
      if (item !== END) return item;
      this.firstDone = true;
    }
    return this.second.pollNext(cx);
  }

  override cancel(): void {
    if (!this.firstDone) {
      this.firstDone = true;
      this.first.cancel?.();
    }
    this.second.cancel?.();
  }

  override describe(): string {
    return `${describeFuture(this.first)}.chain(${describeFuture(this.second)})`;
  }
}

adapters.chain = (first, second) => new ChainStream(first, second);
