/**
 * `toAsyncIterable`: hand a pollux stream to promise-based code (`for await`, `Readable.from`).
 *
 * Each `next()` spawns a small task that polls the stream until it yields, on the runtime that was
 * current when `toAsyncIterable` was called, or, when called outside any runtime, on a private
 * runtime created at the first `next()` and shut down when iteration ends. The step task is not
 * a `run()`: the stream may be fed from another runtime, which a deadlock check of this one could
 * not see.
 */

import { describeValue } from "../future/async-fn.js";
import { FutureBase } from "../future/future.js";
import type { Context, Poll } from "../future/poll.js";
import { currentRuntime, Runtime } from "../runtime/runtime.js";
import { FAILED, OK, type Task } from "../task/task.js";
import { END, type End, type Stream } from "./poll-next.js";
import { isStream } from "./stream.js";

class PollNextOnce<T> extends FutureBase<T | End> {
  constructor(private readonly stream: Stream<T>) {
    super();
  }
  poll(cx: Context): Poll<T | End> {
    return this.stream.pollNext(cx);
  }
  override describe(): string {
    return "toAsyncIterable: next item";
  }
}

class CancelStream extends FutureBase<void> {
  constructor(private readonly stream: Stream<unknown>) {
    super();
  }
  poll(): Poll<void> {
    this.stream.cancel?.();
  }
}

/**
 * Spawn `future` on `rt` and get a promise of its output (its own error, not a JoinError). A
 * runtime that has shut down makes the promise reject instead of throwing synchronously.
 */
function spawnPromise<T>(rt: Runtime, future: FutureBase<T>): Promise<T> {
  let task: Task<T>;
  try {
    task = rt.spawn(future, { name: "toAsyncIterable" }) as Task<T>;
  } catch (error) {
    return Promise.reject(error);
  }
  task.markObserved();
  return new Promise<T>((resolve, reject) => {
    task.joinWaker = {
      wake() {
        if (task.outcome === OK) resolve(task.result as T);
        else if (task.outcome === FAILED) reject(task.result);
        else reject(task.joinError());
      },
    };
  });
}

const DONE_RESULT: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

class StreamAsyncIterator<T> implements AsyncIterableIterator<T> {
  private runtime: Runtime | null;
  private own = false;
  private done = false;
  /** The step in progress: `next()` calls made without awaiting run one after the other. */
  private last: Promise<unknown> | null = null;

  constructor(private readonly stream: Stream<T>) {
    this.runtime = currentRuntime();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    const prev = this.last;
    const step = prev === null ? this.step() : prev.then(this.stepAfter, this.stepAfter);
    this.last = step;
    return step;
  }

  private readonly stepAfter = (): Promise<IteratorResult<T, undefined>> => this.step();

  private step(): Promise<IteratorResult<T, undefined>> {
    if (this.done) return Promise.resolve(DONE_RESULT);
    let rt = this.runtime;
    if (rt === null) {
      rt = this.runtime = new Runtime();
      this.own = true;
    }
    return spawnPromise(rt, new PollNextOnce(this.stream)).then(
      (item): IteratorResult<T, undefined> | Promise<IteratorResult<T, undefined>> =>
        item === END ? this.finish() : { done: false, value: item as T },
      (error: unknown) => this.finish().then(() => Promise.reject(error)),
    );
  }

  private finish(): Promise<IteratorReturnResult<undefined>> {
    this.done = true;
    const rt = this.runtime;
    if (!this.own || rt === null) return Promise.resolve(DONE_RESULT);
    this.own = false;
    return rt.shutdown().then(() => DONE_RESULT);
  }

  /** `break` out of `for await`: cancel the stream (inside the runtime), then end. */
  return(): Promise<IteratorResult<T, undefined>> {
    if (this.done) return Promise.resolve(DONE_RESULT);
    this.done = true;
    const rt = this.runtime;
    if (rt === null) {
      this.stream.cancel?.();
      return Promise.resolve(DONE_RESULT);
    }
    return spawnPromise(rt, new CancelStream(this.stream)).then(
      () => this.finish(),
      () => {
        this.stream.cancel?.(); // the runtime is gone: cancel here, as a last resort
        return this.finish();
      },
    );
  }
}

/**
 * Expose a stream as an async iterable, so `for await` and promise-based APIs (`Readable.from`,
 * `pipeline`) can consume it: the edge between pollux and promise code. Breaking out of the loop
 * cancels the stream.
 *
 * Inside a runtime (called from a task), items are pulled by tasks of that runtime; outside any
 * runtime, by a private runtime that is shut down when the iteration ends.
 *
 * Cost: a task and a promise per item. Inside pollux code, prefer `yield* stream.next()`.
 *
 * @example
 * for await (const line of toAsyncIterable(lines)) console.log(line);
 */
export function toAsyncIterable<T>(stream: Stream<T>): AsyncIterableIterator<T> {
  if (!isStream(stream)) {
    throw new TypeError(
      `toAsyncIterable() expects a pollux stream (with pollNext); got ${describeValue(stream)}.`,
    );
  }
  return new StreamAsyncIterator(stream);
}
