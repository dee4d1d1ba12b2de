/** `skip(n)` and `skipWhile(predicate)`: drop a prefix of the stream, then pass everything through. */
import { describeFuture } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { StreamBase } from "./base.js";
import { END, type End, type Stream } from "./poll-next.js";
import { adapters } from "./registry.js";

class SkipStream<T> extends StreamBase<T> {
  constructor(
    private readonly up: Stream<T>,
    private left: number,
  ) {
    super();
  }

  pollNext(cx: Context): Poll<T | End> {
    const up = this.up;
    while (this.left > 0) {
      const item = up.pollNext(cx);
      if (item === PENDING || item === END) return item;
      this.left--;
    }
    return up.pollNext(cx);
  }

  override cancel(): void {
    this.up.cancel?.();
  }

  override describe(): string {
    return `${describeFuture(this.up)}.skip()`;
  }
}

class SkipWhileStream<T> extends StreamBase<T> {
  private skipping = true;

  constructor(
    private readonly up: Stream<T>,
    private readonly predicate: (item: T) => boolean,
  ) {
    super();
  }

  pollNext(cx: Context): Poll<T | End> {
    const up = this.up;
    if (!this.skipping) return up.pollNext(cx);
    for (;;) {
      const item = up.pollNext(cx);
      if (item === PENDING || item === END) return item;
      if (!this.predicate(item)) {
        this.skipping = false;
        return item;
      }
    }
  }

  override cancel(): void {
    this.up.cancel?.();
  }

  override describe(): string {
    return `${describeFuture(this.up)}.skipWhile()`;
  }
}

adapters.skip = (up, n) => new SkipStream(up, n);
adapters.skipWhile = (up, predicate) => new SkipWhileStream(up, predicate);
