/**
 * Streams from JavaScript iterables: `fromIterable` (synchronous, free per item) and
 * `fromAsyncIterable` (one promise per item: the bridge from Node streams, async generators and
 * other promise-based sequences).
 */
import { describeValue } from "../future/async-fn.js";
import { reportDropped } from "../future/child-waker.js";
import { type Context, PENDING, type Poll, type Waker } from "../future/poll.js";
import { currentRuntime, type Runtime } from "../runtime/runtime.js";
import { END, type End } from "./poll-next.js";
import { StreamBase } from "./stream.js";

class IterableStream<T> extends StreamBase<T> {
  private it: Iterator<T> | null = null;
  private done = false;

  constructor(private readonly iterable: Iterable<T>) {
    super();
  }

  pollNext(): Poll<T | End> {
    if (this.done) return END;
    let it = this.it;
    if (it === null) it = this.it = this.iterable[Symbol.iterator]();
    let r: IteratorResult<T>;
    try {
      r = it.next();
    } catch (e) {
      this.done = true;
      this.it = null;
      throw e;
    }
    if (r.done === true) {
      this.done = true;
      this.it = null;
      return END;
    }
    return r.value;
  }

  override cancel(): void {
    if (this.done) return;
    this.done = true;
    const it = this.it;
    this.it = null;
    it?.return?.();
  }

  override describe(): string {
    return "fromIterable(...)";
  }
}

/**
 * A stream over a synchronous iterable (an array, a Set, a generator of values). Lazy: the
 * iterator is created at the first poll. Every item is ready at once; items cost no budget and no
 * allocation beyond the iterator's own.
 *
 * @example
 * const total = (yield* fromIterable([1, 2, 3]).collect()).reduce((a, b) => a + b, 0);
 */
export function fromIterable<T>(iterable: Iterable<T>): StreamBase<T> {
  if (
    iterable === null ||
    (typeof iterable !== "object" && typeof iterable !== "string") ||
    typeof (iterable as Iterable<T>)[Symbol.iterator] !== "function"
  ) {
    const hint =
      typeof (iterable as unknown as AsyncIterable<T> | null)?.[Symbol.asyncIterator] === "function"
        ? " It is an async iterable: use fromAsyncIterable()."
        : "";
    throw new TypeError(
      `fromIterable() expects an iterable (array, Set, generator...); got ${describeValue(iterable)}.${hint}`,
    );
  }
  return new IterableStream(iterable);
}

const IDLE = 0;
const WAITING = 1;
const HAVE = 2;
const FAILED = 3;
const ENDED = 4;

class AsyncIterableStream<T> extends StreamBase<T> {
  private it: AsyncIterator<T> | null = null;
  private state = IDLE;
  private value: unknown = undefined;
  private waker: Waker | null = null;
  private runtime: Runtime | null = null;

  constructor(private readonly iterable: AsyncIterable<T>) {
    super();
  }

  pollNext(cx: Context): Poll<T | End> {
    switch (this.state) {
      case HAVE: {
        this.state = IDLE;
        const v = this.value;
        this.value = undefined;
        return v as T;
      }
      case WAITING:
        this.waker = cx.waker;
        return PENDING;
      case FAILED: {
        this.state = ENDED;
        const e = this.value;
        this.value = undefined;
        throw e;
      }
      case ENDED:
        return END;
    }
    let it = this.it;
    let p: Promise<IteratorResult<T>>;
    try {
      if (it === null) it = this.it = this.iterable[Symbol.asyncIterator]();
      p = it.next();
    } catch (e) {
      this.state = ENDED;
      throw e;
    }
    this.state = WAITING;
    this.waker = cx.waker;
    const rt = currentRuntime();
    this.runtime = rt;
    // A pending promise is a wake source: without this the task would look deadlocked.
    if (rt !== null) rt.sources++;
    Promise.resolve(p).then(this.onResult, this.onError);
    return PENDING;
  }

  private readonly onResult = (r: IteratorResult<T>): void => {
    if (r.done === true) this.settle(ENDED, undefined);
    else this.settle(HAVE, r.value);
  };

  private readonly onError = (e: unknown): void => {
    this.settle(FAILED, e);
  };

  private settle(state: number, value: unknown): void {
    if (this.state !== WAITING) return;
    if (this.runtime !== null) this.runtime.sources--;
    this.runtime = null;
    this.state = state;
    this.value = value;
    if (state === ENDED) this.it = null;
    const w = this.waker;
    this.waker = null;
    w?.wake();
  }

  override cancel(): void {
    if (this.state === ENDED) return;
    if (this.state === WAITING && this.runtime !== null) this.runtime.sources--;
    this.runtime = null;
    this.state = ENDED;
    this.value = undefined;
    this.waker = null;
    const it = this.it;
    this.it = null;
    if (it?.return === undefined) return;
    try {
      Promise.resolve(it.return()).catch((e: unknown) =>
        reportDropped(e, "fromAsyncIterable: the iterator's return() rejected"),
      );
    } catch (e) {
      reportDropped(e, "fromAsyncIterable: the iterator's return() threw");
    }
  }

  override describe(): string {
    return "fromAsyncIterable(...)";
  }
}

/**
 * A stream over an async iterable: an async generator, a Node `Readable`, `events.on(...)`, a
 * `ReadableStream`. Lazy: the iterator is created at the first poll, and one item is requested at
 * a time, when the stream is polled (backpressure). Cancelling the stream calls the iterator's
 * `return()`, which closes a Node stream or runs an async generator's `finally`.
 *
 * Cost: one promise round trip per item (the async iterator protocol's own cost).
 *
 * @example
 * const lines = fromAsyncIterable(readline.createInterface({ input: fs.createReadStream(path) }));
 * for (let line = yield* lines.next(); line !== END; line = yield* lines.next()) count++;
 */
export function fromAsyncIterable<T>(iterable: AsyncIterable<T>): StreamBase<T> {
  if (
    iterable === null ||
    typeof iterable !== "object" ||
    typeof (iterable as AsyncIterable<T>)[Symbol.asyncIterator] !== "function"
  ) {
    const hint =
      typeof (iterable as unknown as Iterable<T> | null)?.[Symbol.iterator] === "function"
        ? " It is a synchronous iterable: use fromIterable()."
        : "";
    throw new TypeError(
      `fromAsyncIterable() expects an async iterable (async generator, Node Readable, ...); got ${describeValue(iterable)}.${hint}`,
    );
  }
  return new AsyncIterableStream(iterable);
}
