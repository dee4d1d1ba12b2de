/**
 * The reducing futures of a stream: `fold`, `all`, `any`. Each polls the stream in a loop within
 * one poll while items are ready; the stream's own leaf futures stop the loop when the task's coop
 * budget is spent, so a long stream cannot hog the thread.
 *
 * This file imports only types from the stream classes, so `base.ts` can build these futures
 * directly without the registry.
 */
import { describeFuture, FutureBase } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { END, type Stream } from "./poll-next.js";

/**
 * The future returned by `stream.fold(init, fn)`: the folded value once the stream ends.
 * Cancelling it cancels the stream (fold consumes the stream).
 *
 * @example
 * const total: Fold<number> = sizes.fold(0, (a, n) => a + n);
 */
export class Fold<A> extends FutureBase<A> {
  // The item type is erased here (`never`): a field of type `(acc, item: T) => A` would make
  // `StreamBase<T>` invariant in `T` through the return type of `fold()`.
  private readonly fn: (acc: A, item: never) => A;

  /** @internal use `stream.fold()`. */
  constructor(
    private readonly stream: Stream<unknown>,
    private acc: A,
    fn: (acc: A, item: never) => A,
  ) {
    super();
    this.fn = fn;
  }

  poll(cx: Context): Poll<A> {
    const stream = this.stream;
    const fn = this.fn;
    for (;;) {
      const item = stream.pollNext(cx);
      if (item === PENDING) return PENDING;
      if (item === END) return this.acc;
      this.acc = fn(this.acc, item as never);
    }
  }

  override cancel(): void {
    this.stream.cancel?.();
  }

  override describe(): string {
    return `${describeFuture(this.stream)}.fold()`;
  }
}

/**
 * `all` and `any`: poll items until one gives `predicate(item) === decisive` (the answer is then
 * `decisive`) or the stream ends (the answer is `!decisive`). Cancelling leaves the stream alone,
 * as Tokio's versions borrow it.
 */
abstract class Quantifier extends FutureBase<boolean> {
  constructor(
    private readonly stream: Stream<unknown>,
    private readonly predicate: (item: never) => boolean,
    private readonly decisive: boolean,
    private readonly name: string,
  ) {
    super();
  }

  poll(cx: Context): Poll<boolean> {
    const stream = this.stream;
    for (;;) {
      const item = stream.pollNext(cx);
      if (item === PENDING) return PENDING;
      if (item === END) return !this.decisive;
      if (this.predicate(item as never) === this.decisive) return this.decisive;
    }
  }

  override describe(): string {
    return `${describeFuture(this.stream)}.${this.name}()`;
  }
}

/**
 * The future returned by `stream.all(predicate)`: true unless an item fails the predicate. Stops
 * at the first failure; cancelling it leaves the stream alone (as Tokio's `all` borrows it).
 *
 * @example
 * const ok: All = codes.all((c) => c === 0);
 */
export class All extends Quantifier {
  /** @internal use `stream.all()`. */
  constructor(stream: Stream<unknown>, predicate: (item: never) => boolean) {
    super(stream, predicate, false, "all");
  }
}

/**
 * The future returned by `stream.any(predicate)`: true once an item passes the predicate. Stops at
 * the first match; cancelling it leaves the stream alone (as Tokio's `any` borrows it).
 *
 * @example
 * const failed: Any = results.any((r) => !r.ok);
 */
export class Any extends Quantifier {
  /** @internal use `stream.any()`. */
  constructor(stream: Stream<unknown>, predicate: (item: never) => boolean) {
    super(stream, predicate, true, "any");
  }
}
