/**
 * `StreamBase`: the base class of pollux streams, with `next()` and the adapters (Rust's
 * `StreamExt`), and the first adapter classes themselves.
 *
 * Each adapter is a `StreamBase` (so calls chain: `s.map(f).filter(g).take(3)`) and each
 * `StreamBase` method builds an adapter. The adapters below live in this file; the later ones
 * (`then`, `zip`, `chunksTimeout`...) have a file each and are reached through `registry.ts`,
 * which breaks the import cycle (see that file). Import `StreamBase` from `stream.ts`, never from
 * here: `stream.ts` is what loads the adapter modules.
 *
 * Adapters pull: nothing happens until the outermost stream is polled. `map`, `filter`, `take` and
 * `chunks` pass the caller's context through to the stream they wrap. `buffered`,
 * `bufferUnordered` and `merge` own several children and give each its own waker (see
 * `future/child-waker.ts`), so a wake costs O(1) and only woken children are polled.
 */
import { describeValue } from "../future/async-fn.js";
import {
  budgetSpent,
  Child,
  childFuture,
  DONE,
  enqueueQuiet,
  LIVE,
  putBack,
  ReadyQueue,
  reportDropped,
  yieldRest,
} from "../future/child-waker.js";
import { EMPTY, type Empty } from "../future/end.js";
import { describeFuture, type Future, FutureBase, isFuture } from "../future/future.js";
import type { IntoFuture, IntoOutput } from "../future/into-future.js";
import { type Context, PENDING, type Poll, type Waker } from "../future/poll.js";
import { All, Any, Fold } from "./fold.js";
import { ForEachConcurrent } from "./for-each-concurrent.js";
import type { Peekable } from "./peekable.js";
import { END, type End, type Stream, type StreamItem } from "./poll-next.js";
import { adapters } from "./registry.js";
import { UnorderedSet } from "./unordered-set.js";

const noopWaker: Waker = { wake() {} };
const noopContext: Context = { waker: noopWaker };

/** @internal shared by the adapter modules. */
export function positiveInt(what: string, value: unknown, zeroOk: boolean): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < (zeroOk ? 0 : 1)) {
    throw new RangeError(
      `${what} expects ${zeroOk ? "a non-negative" : "a positive"} integer; got ${typeof value === "number" ? value : typeof value}.`,
    );
  }
  return value;
}

/** @internal shared by the adapter modules. */
export function checkFn(what: string, fn: unknown): void {
  if (typeof fn !== "function")
    throw new TypeError(`${what} expects a function; got ${fn === null ? "null" : typeof fn}.`);
}

/** @internal a stream argument, or a TypeError naming what was passed and the fix. */
export function checkStream<S>(what: string, value: S): S {
  if (!isStream(value)) {
    throw new TypeError(
      `${what} expects a stream (an object with pollNext); got ${describeValue(value)}. ` +
        "Wrap arrays and other iterables with fromIterable(), async iterables with fromAsyncIterable().",
    );
  }
  return value;
}

/**
 * True when `value` implements the stream contract (has a `pollNext` method). Use it to accept
 * streams from other libraries or to validate input.
 *
 * Cost: one property read.
 *
 * @example
 * if (!isStream(source)) source = fromIterable(source);
 */
export function isStream(value: unknown): value is Stream<unknown> {
  return (
    typeof value === "object" && value !== null && typeof (value as Stream<unknown>).pollNext === "function"
  );
}

/**
 * Base class for streams: implement `pollNext(cx)` (and `cancel()` when the stream holds
 * registrations); get `next()`, the adapters and `Symbol.dispose`.
 *
 * Streams are lazy and single-consumer: adapters take ownership of the stream they wrap.
 * `cancel()` is the drop: it releases the stream and, through adapters, everything upstream.
 *
 * @example
 * class Countdown extends StreamBase<number> {
 *   constructor(private n: number) { super(); }
 *   pollNext(): Poll<number | End> {
 *     return this.n > 0 ? this.n-- : END;
 *   }
 * }
 * const evens = yield* new Countdown(10).filter((n) => n % 2 === 0).collect(); // [10, 8, 6, 4, 2]
 */
export abstract class StreamBase<T> implements Stream<T> {
  abstract pollNext(cx: Context): Poll<T | End>;

  /** Release registrations and cancel in-flight work. Default: nothing to release. */
  cancel(): void {}

  /** `using s = ...` cancels the stream at scope exit. */
  [Symbol.dispose](): void {
    this.cancel();
  }

  /** A short description for deadlock reports. */
  describe(): string {
    return this.constructor.name;
  }

  /**
   * A future of the next item, or `END` once the stream has ended (a unique symbol, never an item,
   * so streams of `undefined` work). Cancel-safe: dropping the future (a `select` branch that
   * lost) loses no item.
   *
   * Cost: one small future per call.
   *
   * @example
   * for (let v = yield* s.next(); v !== END; v = yield* s.next()) console.log(v); // v: T in the body
   */
  next(): Next<T> {
    return new Next(this);
  }

  /**
   * Apply `fn` to each item. For async work per item, return a future from `fn` and follow with
   * `buffered(n)` or `bufferUnordered(n)`.
   *
   * Cost: one call per item.
   *
   * @example
   * const doubled = fromIterable([1, 2, 3]).map((n) => n * 2); // 2, 4, 6
   */
  map<U>(fn: (item: T) => U): StreamBase<U> {
    checkFn("map()", fn);
    return new MapStream(this, fn);
  }

  /**
   * Keep the items for which `predicate` returns true. A type guard narrows the item type.
   *
   * Cost: one call per item; rejected items are skipped in the same poll.
   *
   * @example
   * const odd = fromIterable([1, 2, 3]).filter((n) => n % 2 === 1); // 1, 3
   */
  filter<S extends T>(predicate: (item: T) => item is S): StreamBase<S>;
  filter(predicate: (item: T) => boolean): StreamBase<T>;
  filter(predicate: (item: T) => boolean): StreamBase<T> {
    checkFn("filter()", predicate);
    return new FilterStream(this, predicate);
  }

  /**
   * The first `n` items, then the end. The wrapped stream is cancelled as soon as the `n`th item
   * is delivered, releasing whatever it holds (timers, channel slots).
   *
   * @example
   * const firstThree = ticks.take(3);
   */
  take(n: number): StreamBase<T> {
    return new TakeStream(this, positiveInt("take(n)", n, true));
  }

  /**
   * Group items into arrays of `size`; the last array may be shorter. Waits for a full chunk (or
   * the end of the stream) before yielding one.
   *
   * Cost: one array per chunk.
   *
   * @example
   * const batches = fromIterable([1, 2, 3, 4, 5]).chunks(2); // [1, 2], [3, 4], [5]
   */
  chunks(size: number): StreamBase<T[]> {
    return new ChunksStream(this, positiveInt("chunks(size)", size, false));
  }

  /**
   * For a stream of futures: run up to `limit` of them concurrently, on the consuming task, and
   * yield their outputs in the stream's order. A future that throws makes `next()` throw when its
   * turn comes. Nothing is spawned.
   *
   * Cost: one node per future in flight; O(1) per wake.
   *
   * @example
   * const pages = fromIterable(urls).map((u) => fetchPage(u)).buffered(8);
   */
  buffered(this: StreamBase<IntoFuture<unknown>>, limit: number): StreamBase<IntoOutput<T>> {
    return new Buffered<IntoOutput<T>>(this, positiveInt("buffered(limit)", limit, false));
  }

  /**
   * For a stream of futures: run up to `limit` of them concurrently, on the consuming task, and
   * yield their outputs in completion order. A future that throws makes `next()` throw at once;
   * the others keep running.
   *
   * Cost: one node per future in flight; O(1) per wake.
   *
   * @example
   * const results = fromIterable(jobs).map((j) => runJob(j)).bufferUnordered(16);
   */
  bufferUnordered(this: StreamBase<IntoFuture<unknown>>, limit: number): StreamBase<IntoOutput<T>> {
    return new BufferUnordered<IntoOutput<T>>(this, positiveInt("bufferUnordered(limit)", limit, false));
  }

  /**
   * Interleave this stream with others: items come in the order they are ready, streams served
   * round-robin when several are. Ends when all have ended.
   *
   * Cost: one node per stream; O(1) per wake.
   *
   * @example
   * const events = clicks.merge(keys, ticks);
   */
  merge<U>(...others: Stream<U>[]): StreamBase<T | U> {
    return merge<Stream<T | U>[]>(this, ...others);
  }

  /**
   * A future of all remaining items, as an array, once the stream ends. Cancelling the future
   * cancels the stream.
   *
   * @example
   * const all = yield* fromIterable([1, 2, 3]).map(String).collect(); // ["1", "2", "3"]
   */
  collect(): Collect<T> {
    return new Collect(this);
  }

  /**
   * For each item, call `fn` and await the future it returns, one at a time; yield the outputs in
   * order. This is futures' `StreamExt::then` (and `TryStreamExt::and_then`, since pollux streams
   * carry errors as exceptions). It is not called `then`: a `then` method would make every stream
   * a thenable, and `await` or a promise resolved with a stream would call it and never settle.
   * For several at once, use `map(fn).buffered(n)`.
   *
   * Cancel safety: dropping a `next()` loses nothing (the in-flight future stays in the adapter
   * and the next `next()` resumes it); cancelling the stream cancels that future and upstream.
   *
   * Cost: one call and one future per item (the future `fn` makes); nothing else.
   *
   * @example
   * const bodies = fromIterable(urls).andThen((url) => fetchPage(url)); // one request at a time
   */
  andThen<F extends IntoFuture<unknown>>(fn: (item: T) => F): StreamBase<IntoOutput<F>> {
    checkFn("andThen()", fn);
    return adapters.andThen(this, fn);
  }

  /**
   * Map each item with `fn` and keep the results that are not `undefined` (Rust's `filter_map`,
   * with `undefined` for `None`). A stream that must carry `undefined` items uses `filter` + `map`.
   *
   * Cost: one call per item; skipped items are passed over in the same poll. Cancel-safe.
   *
   * @example
   * const ports = fromIterable(["80", "x", "443"]).filterMap((s) => (/^\d+$/.test(s) ? Number(s) : undefined)); // 80, 443
   */
  filterMap<U>(fn: (item: T) => U | undefined): StreamBase<U> {
    checkFn("filterMap()", fn);
    return adapters.filterMap(this, fn);
  }

  /**
   * Drop the first `n` items, then pass the rest through.
   *
   * Cost: nothing per item after the first `n`. Cancel-safe.
   *
   * @example
   * const body = lines.skip(1); // without the header line
   */
  skip(n: number): StreamBase<T> {
    return adapters.skip(this, positiveInt("skip(n)", n, true));
  }

  /**
   * Drop items while `predicate` returns true; from the first item for which it returns false,
   * pass everything through (the predicate is not called again).
   *
   * Cost: one call per item until the first pass, then nothing. Cancel-safe.
   *
   * @example
   * const payload = lines.skipWhile((l) => l.startsWith("#")); // without leading comments
   */
  skipWhile(predicate: (item: T) => boolean): StreamBase<T> {
    checkFn("skipWhile()", predicate);
    return adapters.skipWhile(this, predicate);
  }

  /**
   * Pass items through while `predicate` returns true; end at the first item for which it returns
   * false (that item is dropped). The wrapped stream is cancelled at that point, releasing what it
   * holds.
   *
   * Cost: one call per item. Cancel-safe.
   *
   * @example
   * const warmup = samples.takeWhile((s) => s.t < 1_000);
   */
  takeWhile(predicate: (item: T) => boolean): StreamBase<T> {
    checkFn("takeWhile()", predicate);
    return adapters.takeWhile(this, predicate);
  }

  /**
   * Map items with `fn` while it returns a value; end when it returns `END` (Rust's `map_while`,
   * with `END` for `None`, so `undefined` is an ordinary value). The wrapped stream is cancelled
   * at that point.
   *
   * Cost: one call per item. Cancel-safe.
   *
   * @example
   * const numbers = words.mapWhile((w) => (/^\d+$/.test(w) ? Number(w) : END)); // up to the first non-number
   */
  mapWhile<U>(fn: (item: T) => U | End): StreamBase<U> {
    checkFn("mapWhile()", fn);
    return adapters.mapWhile(this, fn);
  }

  /**
   * All items of this stream, then all items of `other`. `other` is not polled before this stream
   * has ended; cancelling the chain cancels both.
   *
   * Cost: nothing per item. Cancel-safe.
   *
   * @example
   * const all = cached.chain(fetched);
   */
  chain<U>(other: Stream<U>): StreamBase<T | U> {
    return adapters.chain(this, checkStream("chain()", other));
  }

  /**
   * Pairs `[a, b]` of this stream's items and `other`'s, in step; ends as soon as either ends (the
   * other is then cancelled). An item already taken from one side while the other is pending is
   * kept for the next pair, so dropping a `next()` loses nothing.
   *
   * Cost: one pair (the output) per item. Cancel-safe.
   *
   * @example
   * const numbered = lines.zip(counter); // [line, n]
   */
  zip<U>(other: Stream<U>): StreamBase<[T, U]> {
    return adapters.zip(this, checkStream("zip()", other));
  }

  /**
   * For a stream of streams: the items of each inner stream in turn, the next inner stream taken
   * only when the current one has ended. An item that is not a stream makes `next()` throw a
   * `TypeError` (wrap arrays with `fromIterable`).
   *
   * Cost: nothing per item. Cancel-safe; cancelling cancels the current inner stream and the outer.
   *
   * @example
   * const lines = files.map((f) => linesOf(f)).flatten();
   */
  flatten<U>(this: StreamBase<Stream<U>>): StreamBase<U> {
    return adapters.flatten(this);
  }

  /**
   * A stream whose next item can be looked at without taking it: `yield* s.peek()`.
   *
   * Cost: one slot for the peeked item. Cancel-safe.
   *
   * @example
   * const p = tokens.peekable();
   * if ((yield* p.peek()) === "(") yield* p.next();
   */
  peekable(): Peekable<T> {
    return adapters.peekable(this) as Peekable<T>;
  }

  /**
   * Per-item time limit (tokio-stream's `timeout`): if no item arrives within `ms` of the previous
   * one (of the first poll, for the first item), `next()` throws `Elapsed` once; the stream stays
   * usable, and the next `next()` waits for an item with no limit until one arrives, which starts
   * the limit again. Use it to drop idle clients. An item that is ready always wins over the timer.
   *
   * Throws a `RangeError` for a negative, NaN or infinite `ms`. Needs a runtime when polled.
   *
   * Cost: one clock read per item and one timer, reused: moving it allocates nothing. Cancel-safe.
   *
   * @example
   * for (;;) {
   *   let msg;
   *   try { msg = yield* requests.next(); } catch (e) { if (e instanceof Elapsed) break; throw e; } // idle 30 s
   *   if (msg === END) break;
   *   yield* handle(msg);
   * }
   * // with: const requests = conn.requests().timeout(30_000);
   */
  timeout(ms: number): StreamBase<T> {
    return adapters.timeout(this, ms);
  }

  /**
   * At most one item per `ms`: after yielding an item, the stream is not polled again until `ms`
   * has passed (tokio-stream's `throttle`). The first item passes at once; items are delayed, never
   * dropped. `throttle(0)` passes everything through.
   *
   * Throws a `RangeError` for a negative, NaN or infinite `ms`. Needs a runtime when polled.
   *
   * Cost: one clock read per item and one reused timer. Cancel-safe.
   *
   * @example
   * const paced = fromIterable(requests).throttle(100); // 10 per second at most
   */
  throttle(ms: number): StreamBase<T> {
    return adapters.throttle(this, ms);
  }

  /**
   * Batch items into arrays of up to `max`, yielding a batch when it is full or when `ms` has
   * passed since its first item arrived, whichever comes first (tokio-stream's `chunks_timeout`):
   * the batching writer's staple. No empty batch is ever yielded; the last, partial batch comes
   * when the stream ends.
   *
   * Throws a `RangeError` for a `max` that is not a positive integer, and for a negative, NaN or
   * infinite `ms`. Needs a runtime when polled.
   *
   * Cancel safety: dropping a `next()` loses nothing (the partial batch stays in the adapter);
   * cancelling the stream drops the partial batch and cancels upstream.
   *
   * Cost: one array per batch (the output) and one clock read per batch. The timer is armed only
   * when the stream would otherwise wait with a partial batch, so batches that fill at once never
   * touch the timer wheel.
   *
   * @example
   * const batches = rows.chunksTimeout(500, 10); // rows: any stream; up to 500 per batch, at most 10 ms late
   * for (let rows = yield* batches.next(); rows !== END; rows = yield* batches.next()) yield* db.insert(rows);
   */
  chunksTimeout(max: number, ms: number): StreamBase<T[]> {
    return adapters.chunksTimeout(this, positiveInt("chunksTimeout(max, ms): max", max, false), ms);
  }

  /**
   * A future that folds the items into one value with `fn`, starting from `init`, and resolves to
   * it when the stream ends (tokio-stream's `fold`). Consumes the stream: cancelling the future
   * cancels it.
   *
   * Cost: one call per item.
   *
   * @example
   * const total = yield* sizes.fold(0, (sum, n) => sum + n);
   */
  fold<A>(init: A, fn: (acc: A, item: T) => A): Fold<A> {
    checkFn("fold()", fn);
    return new Fold(this, init, fn);
  }

  /**
   * A future: true if `predicate` holds for every item (true for an empty stream). Stops at the
   * first item that fails, leaving the rest of the stream unread and usable; cancelling the future
   * does not cancel the stream (Tokio's `all` borrows it).
   *
   * Cost: one call per item read.
   *
   * @example
   * const ok = yield* responses.all((r) => r.status < 500);
   */
  all(predicate: (item: T) => boolean): All {
    checkFn("all()", predicate);
    return new All(this, predicate);
  }

  /**
   * A future: true if `predicate` holds for some item (false for an empty stream). Stops at the
   * first match, leaving the rest of the stream unread and usable; cancelling the future does not
   * cancel the stream.
   *
   * Cost: one call per item read.
   *
   * @example
   * const failed = yield* results.any((r) => r instanceof Error);
   */
  any(predicate: (item: T) => boolean): Any {
    checkFn("any()", predicate);
    return new Any(this, predicate);
  }

  /**
   * The next item if one is ready now, without waiting: the item, `EMPTY` when none is ready yet,
   * or `END` once the stream has ended (the `tryRecv` of streams). futures' `try_next` unwraps
   * streams of `Result`; pollux streams throw errors from `next()` instead, so that is `next()`.
   * Errors the stream throws are thrown here.
   *
   * Cost: one poll with a no-op waker (a later `next()` registers the real one).
   *
   * @example
   * for (let v = s.tryNext(); v !== EMPTY && v !== END; v = s.tryNext()) batch.push(v);
   */
  tryNext(): T | Empty | End {
    const out = this.pollNext(noopContext);
    return out === PENDING ? EMPTY : out;
  }

  /**
   * A future that calls `fn` on each item and runs the futures it returns, up to `limit` at a
   * time, on the current task (futures' `for_each_concurrent`; nothing is spawned). Resolves once
   * the stream has ended and every future has finished. If `fn` or one of its futures throws, the
   * others and the stream are cancelled and the error is thrown.
   *
   * Throws a `RangeError` for a `limit` that is not a positive integer (use `Infinity` for no
   * limit).
   *
   * Cancel safety: cancelling the future cancels the futures in flight (their `finally` blocks
   * run) and the stream; items not yet handed to `fn` are lost with the stream.
   *
   * Cost: one call, one future and one small node per item; a wake is O(1) whatever the limit.
   *
   * @example
   * yield* fromIterable(urls).forEachConcurrent(16, (url) => crawl(url));
   */
  forEachConcurrent(limit: number, fn: (item: T) => IntoFuture<unknown>): ForEachConcurrent {
    if (
      limit !== Number.POSITIVE_INFINITY &&
      (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1)
    ) {
      throw new RangeError(
        `forEachConcurrent(limit, fn): limit expects a positive integer, or Infinity for no limit; got ${typeof limit === "number" ? limit : typeof limit}.`,
      );
    }
    checkFn("forEachConcurrent()", fn);
    return new ForEachConcurrent(this, limit, fn);
  }
}

/**
 * The future returned by `stream.next()`: the next item, or `END` once the stream ended (so a
 * stream may carry `undefined` items). Cancel-safe: dropping it loses no item.
 *
 * Cost: one small object; a poll is one `pollNext`.
 *
 * @example
 * const first: Next<number> = numbers.next();
 * const v = yield* first; // number | End
 */
export class Next<T> extends FutureBase<T | End> {
  constructor(private readonly stream: Stream<T>) {
    super();
  }

  poll(cx: Context): Poll<T | End> {
    return this.stream.pollNext(cx);
  }

  override describe(): string {
    return `${describeFuture(this.stream)}.next()`;
  }
}

/**
 * The future returned by `stream.collect()`: every remaining item, once the stream ends.
 * Cancelling it cancels the stream.
 *
 * Cost: one array holding the items.
 *
 * @example
 * const all: Collect<string> = lines.collect();
 */
export class Collect<T> extends FutureBase<T[]> {
  private items: T[] = [];

  constructor(private readonly stream: Stream<T>) {
    super();
  }

  poll(cx: Context): Poll<T[]> {
    const stream = this.stream;
    for (;;) {
      const out = stream.pollNext(cx);
      if (out === PENDING) return PENDING;
      if (out === END) return this.items;
      this.items.push(out);
    }
  }

  override cancel(): void {
    this.stream.cancel?.();
  }

  override describe(): string {
    return `${describeFuture(this.stream)}.collect()`;
  }
}

class MapStream<T, U> extends StreamBase<U> {
  constructor(
    private readonly up: Stream<T>,
    private readonly fn: (item: T) => U,
  ) {
    super();
  }
  pollNext(cx: Context): Poll<U | End> {
    const out = this.up.pollNext(cx);
    if (out === PENDING) return PENDING;
    if (out === END) return END;
    return this.fn(out);
  }
  override cancel(): void {
    this.up.cancel?.();
  }
  override describe(): string {
    return `${describeFuture(this.up)}.map()`;
  }
}

class FilterStream<T> extends StreamBase<T> {
  constructor(
    private readonly up: Stream<T>,
    private readonly predicate: (item: T) => boolean,
  ) {
    super();
  }
  pollNext(cx: Context): Poll<T | End> {
    for (;;) {
      const out = this.up.pollNext(cx);
      if (out === PENDING || out === END) return out;
      if (this.predicate(out)) return out;
    }
  }
  override cancel(): void {
    this.up.cancel?.();
  }
  override describe(): string {
    return `${describeFuture(this.up)}.filter()`;
  }
}

class TakeStream<T> extends StreamBase<T> {
  /** The wrapped stream ended or was cancelled: never poll or cancel it again. */
  private released = false;

  constructor(
    private readonly up: Stream<T>,
    private left: number,
  ) {
    super();
  }
  pollNext(cx: Context): Poll<T | End> {
    if (this.left === 0) {
      this.release();
      return END;
    }
    const out = this.up.pollNext(cx);
    if (out === PENDING) return PENDING;
    if (out === END) {
      this.left = 0;
      this.released = true;
      return END;
    }
    if (--this.left === 0) this.release();
    return out;
  }
  private release(): void {
    if (this.released) return;
    this.released = true;
    this.up.cancel?.();
  }
  override cancel(): void {
    this.left = 0;
    this.release();
  }
  override describe(): string {
    return `${describeFuture(this.up)}.take()`;
  }
}

class ChunksStream<T> extends StreamBase<T[]> {
  private buf: T[] = [];
  private ended = false;

  constructor(
    private readonly up: Stream<T>,
    private readonly size: number,
  ) {
    super();
  }
  pollNext(cx: Context): Poll<T[] | End> {
    if (this.ended) return this.flush();
    const up = this.up;
    for (;;) {
      const out = up.pollNext(cx);
      if (out === PENDING) return PENDING;
      if (out === END) {
        this.ended = true;
        return this.flush();
      }
      const buf = this.buf;
      buf.push(out);
      if (buf.length === this.size) {
        this.buf = [];
        return buf;
      }
    }
  }
  private flush(): T[] | End {
    const buf = this.buf;
    if (buf.length === 0) return END;
    this.buf = [];
    return buf;
  }
  override cancel(): void {
    this.ended = true;
    this.buf = [];
    this.up.cancel?.();
  }
  override describe(): string {
    return `${describeFuture(this.up)}.chunks()`;
  }
}

/** A stream item that must be a future (`buffered`, `bufferUnordered`). */
function itemFuture(item: unknown, where: string): Future<unknown> {
  return isFuture(item) ? item : childFuture(item, where);
}

/** Cancel a child's future, reporting (not throwing) an error: this is a drop. */
function dropChild(node: Child, where: string): void {
  const f = node.future;
  node.state = DONE;
  node.future = null;
  if (f === null) return;
  try {
    f.cancel?.();
  } catch (e) {
    reportDropped(e, `${where}: cancelling an in-flight future threw`);
  }
}

/**
 * Ordered buffering: in-flight futures sit in a ring in stream order; a finished one keeps its
 * output in its node until it reaches the head of the ring.
 */
class Buffered<T> extends StreamBase<T> {
  private readonly q = new ReadyQueue();
  private readonly ring: (KeptChild | null)[];
  private head = 0;
  private count = 0;
  private ended = false;

  constructor(
    private readonly up: Stream<unknown>,
    private readonly limit: number,
  ) {
    super();
    this.ring = new Array<KeptChild | null>(limit).fill(null);
  }

  pollNext(cx: Context): Poll<T | End> {
    const q = this.q;
    q.waker = cx.waker;
    // 1. Poll the in-flight futures that were woken.
    const tail = q.tail;
    let node = q.detach();
    while (node !== null) {
      if (budgetSpent()) {
        yieldRest(q, node, tail, cx);
        break;
      }
      const next = node.unlinkReady();
      if (node.state === LIVE) pollKeep(node as KeptChild);
      node = next;
    }
    // 2. Start more, up to the limit; each is polled once right away.
    const ring = this.ring;
    const limit = this.limit;
    while (!this.ended && this.count < limit) {
      const item = this.up.pollNext(cx);
      if (item === PENDING) break;
      if (item === END) {
        this.ended = true;
        break;
      }
      const child = new KeptChild(q, itemFuture(item, "buffered(): a stream item"), 0);
      let at = this.head + this.count;
      if (at >= limit) at -= limit;
      ring[at] = child;
      this.count++;
      pollKeep(child);
    }
    // 3. Deliver the head if it finished.
    if (this.count === 0) return this.ended ? END : PENDING;
    const first = ring[this.head]!;
    if (first.state !== DONE) return PENDING;
    ring[this.head] = null;
    if (++this.head === limit) this.head = 0;
    this.count--;
    const value = first.value;
    first.value = undefined;
    if (first.failed) throw value;
    return value as T;
  }

  override cancel(): void {
    this.ended = true;
    const ring = this.ring;
    for (let i = 0; i < ring.length; i++) {
      const node = ring[i];
      if (node != null) dropChild(node, "buffered");
      ring[i] = null;
    }
    this.count = 0;
    this.up.cancel?.();
  }

  override describe(): string {
    return `${describeFuture(this.up)}.buffered(${this.count} in flight)`;
  }
}

/** A child that keeps its output (or error) until it is delivered in order. */
class KeptChild extends Child {
  value: unknown = undefined;
  failed = false;
}

/** Poll a child and keep its output (or error) in the node. */
function pollKeep(node: KeptChild): void {
  let out: unknown;
  try {
    out = node.future!.poll(node);
  } catch (e) {
    node.state = DONE;
    node.future = null;
    node.failed = true;
    node.value = e;
    return;
  }
  if (out !== PENDING) {
    node.state = DONE;
    node.future = null;
    node.value = out;
  }
}

class BufferUnordered<T> extends StreamBase<T> {
  private readonly set = new UnorderedSet<T>();
  private ended = false;

  constructor(
    private readonly up: Stream<unknown>,
    private readonly limit: number,
  ) {
    super();
  }

  pollNext(cx: Context): Poll<T | End> {
    const set = this.set;
    while (!this.ended && set.size < this.limit) {
      const item = this.up.pollNext(cx);
      if (item === PENDING) break;
      if (item === END) {
        this.ended = true;
        break;
      }
      set.pushQuiet(itemFuture(item, "bufferUnordered(): a stream item") as Future<T>);
    }
    const out = set.pollNext(cx);
    if (out === END) return this.ended ? END : PENDING;
    return out;
  }

  override cancel(): void {
    this.ended = true;
    this.set.cancelAll();
    this.up.cancel?.();
  }

  override describe(): string {
    return `${describeFuture(this.up)}.bufferUnordered(${this.set.size} in flight)`;
  }
}

/**
 * Merge: each stream has a node; a stream that yielded goes to the back of the ready queue
 * without a wake (the consumer polls again after an item), which serves ready streams round-robin.
 */
class Merge<T> extends StreamBase<T> {
  private readonly q = new ReadyQueue();
  private readonly nodes: Child[];
  private live: number;

  constructor(private readonly streams: Stream<T>[]) {
    super();
    const q = this.q;
    const nodes = new Array<Child>(streams.length);
    for (let i = 0; i < streams.length; i++) {
      const node = new Child(q, null, i);
      nodes[i] = node;
      enqueueQuiet(q, node);
    }
    this.nodes = nodes;
    this.live = streams.length;
  }

  pollNext(cx: Context): Poll<T | End> {
    const q = this.q;
    q.waker = cx.waker;
    if (this.live === 0) return END;
    const streams = this.streams;
    const tail = q.tail;
    let node = q.detach();
    while (node !== null) {
      if (budgetSpent()) {
        yieldRest(q, node, tail, cx);
        return PENDING;
      }
      const next = node.unlinkReady();
      if (node.state === LIVE) {
        let out: unknown;
        try {
          out = streams[node.index]!.pollNext(node);
        } catch (e) {
          putBack(q, next, tail);
          enqueueQuiet(q, node);
          throw e;
        }
        if (out === END) {
          node.state = DONE;
          this.live--;
        } else if (out !== PENDING) {
          putBack(q, next, tail);
          enqueueQuiet(q, node);
          return out as T;
        }
      }
      node = next;
    }
    return this.live === 0 ? END : PENDING;
  }

  override cancel(): void {
    const nodes = this.nodes;
    this.live = 0;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      if (node.state === DONE) continue;
      node.state = DONE;
      try {
        this.streams[i]!.cancel?.();
      } catch (e) {
        reportDropped(e, "merge: cancelling a stream threw");
      }
    }
  }

  override describe(): string {
    return `merge(${this.live} streams)`;
  }
}

/**
 * Interleave several streams into one: items come in the order they are ready, and when several
 * streams are ready they are served round-robin, so a busy stream cannot starve the others. The
 * merged stream ends when all of them have ended; cancelling it cancels them all.
 *
 * Cost: one node per stream; a wake costs O(1) and only woken streams are polled.
 *
 * @example
 * const all = merge(fromIterable([1, 2]), fromIterable(["a", "b"])); // StreamBase<number | string>
 */
export function merge<S extends readonly Stream<unknown>[]>(
  ...streams: S
): StreamBase<StreamItem<S[number]>> {
  for (let i = 0; i < streams.length; i++) {
    if (!isStream(streams[i])) {
      throw new TypeError(
        `merge() argument ${i + 1} is not a stream (no pollNext method); got ${describeValue(streams[i])}. ` +
          "Wrap iterables with fromIterable() or fromAsyncIterable().",
      );
    }
  }
  return new Merge(streams.slice() as Stream<StreamItem<S[number]>>[]);
}
