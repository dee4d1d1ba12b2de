/**
 * `Peekable`: a stream with a one-item look-ahead slot. `peek()` fills the slot without taking the
 * item; `next()` takes the slot first. The slot is in the stream, not in the `peek()` future, so
 * dropping either future loses nothing.
 */
import { EMPTY, type Empty } from "../future/end.js";
import { describeFuture, FutureBase } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { StreamBase } from "./base.js";
import { END, type End, type Stream } from "./poll-next.js";
import { adapters } from "./registry.js";

const NONE: unique symbol = Symbol("peekable.none");

/**
 * A stream whose next item can be looked at without taking it. Made by `stream.peekable()`.
 *
 * Cost: one slot; `peek()` is one small future. Cancel-safe: a dropped `peek()` or `next()` loses
 * nothing.
 *
 * @example
 * const p = fromIterable([1, 2, 3]).peekable();
 * yield* p.peek(); // 1
 * yield* p.next(); // 1
 * p.nextIf((n) => n > 5); // EMPTY: 2 stays
 */
export class Peekable<T> extends StreamBase<T> {
  private slot: T | End | typeof NONE = NONE;

  /** @internal use `stream.peekable()`. */
  constructor(private readonly up: Stream<T>) {
    super();
  }

  pollNext(cx: Context): Poll<T | End> {
    const slot = this.slot;
    if (slot !== NONE) {
      if (slot !== END) this.slot = NONE;
      return slot;
    }
    return this.up.pollNext(cx);
  }

  /** Poll for the next item without taking it (the `Stream` form of {@link Peekable.peek}). */
  pollPeek(cx: Context): Poll<T | End> {
    const slot = this.slot;
    if (slot !== NONE) return slot;
    const item = this.up.pollNext(cx);
    if (item === PENDING) return PENDING;
    this.slot = item;
    return item;
  }

  /**
   * A future of the next item, or `END`, without taking it: the following `next()` returns the
   * same item.
   *
   * @example
   * if ((yield* p.peek()) === END) return;
   */
  peek(): Peek<T> {
    return new Peek(this);
  }

  /**
   * Take the next item only if it is already here (peeked or ready now) and `predicate` accepts
   * it; otherwise leave it and return `EMPTY` (or `END` at the end). Does not wait.
   *
   * @example
   * while (p.nextIf((t) => t === " ") !== EMPTY) {} // skip spaces that are already here
   */
  nextIf(predicate: (item: T) => boolean): T | Empty | End {
    const item = this.tryNext();
    if (item === END || item === EMPTY) return item;
    if (predicate(item)) return item;
    this.slot = item;
    return EMPTY;
  }

  override cancel(): void {
    this.slot = END;
    this.up.cancel?.();
  }

  override describe(): string {
    return `${describeFuture(this.up)}.peekable()`;
  }
}

/**
 * The future returned by {@link Peekable.peek}.
 *
 * @example
 * const first: Peek<number> = p.peek();
 */
export class Peek<T> extends FutureBase<T | End> {
  constructor(private readonly stream: Peekable<T>) {
    super();
  }

  poll(cx: Context): Poll<T | End> {
    return this.stream.pollPeek(cx);
  }

  override describe(): string {
    return `${describeFuture(this.stream)}.peek()`;
  }
}

adapters.peekable = (up) => new Peekable(up);
