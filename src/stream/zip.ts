/**
 * `zip(other)`: pairs in step. An item taken from one side while the other side is pending is
 * kept in the adapter, so a dropped `next()` loses nothing. Ends as soon as either side ends and
 * cancels the other side then, releasing what it holds.
 */
import { describeFuture } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { StreamBase } from "./base.js";
import { END, type End, type Stream } from "./poll-next.js";
import { adapters } from "./registry.js";

const NONE: unique symbol = Symbol("zip.none");

class ZipStream<T, U> extends StreamBase<[T, U]> {
  private left: T | typeof NONE = NONE;
  private right: U | typeof NONE = NONE;
  private done = false;

  constructor(
    private readonly a: Stream<T>,
    private readonly b: Stream<U>,
  ) {
    super();
  }

  pollNext(cx: Context): Poll<[T, U] | End> {
    if (this.done) return END;
    if (this.left === NONE) {
      const x = this.a.pollNext(cx);
      if (x === END) return this.finish(this.b);
      if (x !== PENDING) this.left = x;
    }
    if (this.right === NONE) {
      const y = this.b.pollNext(cx);
      if (y === END) return this.finish(this.a);
      if (y !== PENDING) this.right = y;
    }
    const left = this.left;
    const right = this.right;
    if (left === NONE || right === NONE) return PENDING;
    this.left = NONE;
    this.right = NONE;
    return [left, right];
  }

  /** One side ended: the zip ends and the other side is cancelled. */
  private finish(other: Stream<unknown>): End {
    this.done = true;
    this.left = NONE;
    this.right = NONE;
    other.cancel?.();
    return END;
  }

  override cancel(): void {
    if (this.done) return;
    this.done = true;
    this.left = NONE;
    this.right = NONE;
    this.a.cancel?.();
    this.b.cancel?.();
  }

  override describe(): string {
    return `${describeFuture(this.a)}.zip(${describeFuture(this.b)})`;
  }
}

adapters.zip = (a, b) => new ZipStream(a, b);
