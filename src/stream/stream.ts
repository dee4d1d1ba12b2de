/**
 * `StreamBase`: the base class of pollux streams, with `next()` and the adapters (Rust's
 * `StreamExt`), and the adapter classes themselves.
 *
 * The adapters live in this file with the base class on purpose: each adapter is a `StreamBase`
 * (so calls chain: `s.map(f).filter(g).take(3)`) and each `StreamBase` method builds an adapter, so
 * splitting them into modules would make an import cycle in which a class extends a binding that
 * is not initialized yet.
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
import { describeFuture, type Future, FutureBase, isFuture } from "../future/future.js";
import type { IntoFuture, IntoOutput } from "../future/into-future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { END, type End, type Stream, type StreamItem } from "./poll-next.js";
import { UnorderedSet } from "./unordered-set.js";

function positiveInt(what: string, value: unknown, zeroOk: boolean): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < (zeroOk ? 0 : 1)) {
    throw new RangeError(
      `${what} expects ${zeroOk ? "a non-negative" : "a positive"} integer; got ${typeof value === "number" ? value : typeof value}.`,
    );
  }
  return value;
}

function checkFn(what: string, fn: unknown): void {
  if (typeof fn !== "function")
    throw new TypeError(`${what} expects a function; got ${fn === null ? "null" : typeof fn}.`);
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
