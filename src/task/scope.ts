/**
 * `scope`: structured concurrency. Children spawned through a scope's handle cannot outlive it.
 *
 * How it works, with the pieces pollux already has:
 * - the children live in a `JoinSet`, so their completions arrive in O(1) through its ready queue;
 * - while the body runs, `select.biased` races it against a watcher of that queue: a child's
 *   failure wins the race, which cancels the body (its `finally` runs) exactly as any `select`
 *   loser is cancelled;
 * - once the body has returned, the same watcher waits for the set to empty;
 * - the generator's `finally` aborts whatever is left and waits for it (`JoinSet.shutdown()`), on
 *   every path: success (nothing left), a failure, or the scope's own cancellation. A `finally`
 *   may await during cancellation (pollux drives async cleanup to the end), so the scope reports
 *   done only after every child's `finally` has run.
 */
import { AsyncFnFuture, describeValue, isGeneratorFunction } from "../future/async-fn.js";
import type { Gen } from "../future/frames.js";
import { type Future, FutureBase } from "../future/future.js";
import { type IntoFuture, intoFuture } from "../future/into-future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { select } from "../future/select.js";
import type { AbortHandle } from "./abort-handle.js";
import type { SpawnOptions } from "./executor.js";
import { JoinSet } from "./join-set.js";
import { CANCELLED, FAILED } from "./task.js";

const OPEN = 0;
const CLOSING = 1;
const CLOSED = 2;

/**
 * The handle a `scope` body receives: spawn children into the scope with it. Pass it to children
 * so they can spawn siblings (and grandchildren) that the same scope owns.
 *
 * @example
 * yield* scope(function* (s) {
 *   s.spawn(producer(tx));
 *   s.spawn(consumer(rx, s)); // consumer may call s.spawn(...) too
 * });
 */
export class Scope {
  /** @internal the children. */
  readonly set = new JoinSet<unknown>();
  /** @internal OPEN, CLOSING (cancelling the children) or CLOSED. */
  state = OPEN;

  /**
   * Spawn a task owned by this scope: the scope waits for it, a failure of it cancels the scope's
   * other children and its body and is thrown from the scope, and cancelling the scope cancels it.
   * Returns a handle that can abort it; its output is discarded (return results through the body,
   * a channel or a shared variable). A child aborted through its handle is not a failure.
   * Spawning while the scope is cancelling its children starts the task already aborted (only
   * its `finally` blocks run); spawning after the scope has finished throws.
   *
   * Cost: one task, as `spawn`, plus one node.
   *
   * @example
   * const h = s.spawn(worker(rx), { name: "worker" });
   */
  spawn(future: IntoFuture<unknown>, options?: SpawnOptions): AbortHandle {
    if (this.state === CLOSED) {
      throw new Error(
        "Scope.spawn(): this scope has finished, so nothing can be spawned into it any more. " +
          "Spawn from inside the scope's body or its children while the scope is running, or use spawn() for a detached task.",
      );
    }
    const handle = this.set.spawn(future, options);
    if (this.state === CLOSING) handle.abort();
    return handle;
  }

  /** Children still running or finished and not yet collected by the scope. */
  get size(): number {
    return this.set.size;
  }
}

/** The failure a child reported (boxed: a thrown value may be anything, `undefined` included). */
interface ChildFailure {
  readonly error: unknown;
}

/** Returned by the watcher when the set is empty and it was asked to wait for that. */
const EMPTY: unique symbol = Symbol("pollux.scopeEmpty");

/**
 * Collects finished children: resolves with the first failure, or (with `untilEmpty`) with
 * `EMPTY` once no child is left. Successful children and children aborted through their handle
 * are dropped as they finish, so a long-lived scope does not accumulate them.
 */
class ScopeWatch extends FutureBase<ChildFailure | typeof EMPTY> {
  constructor(
    private readonly scope: Scope,
    private readonly untilEmpty: boolean,
  ) {
    super();
  }

  poll(cx: Context): Poll<ChildFailure | typeof EMPTY> {
    const set = this.scope.set;
    set.q.waker = cx.waker;
    for (let task = set.popFinished(); task !== null; task = set.popFinished()) {
      const outcome = task.outcome;
      if (outcome === FAILED) return { error: task.result };
      // Cancelled with a cleanup that threw: a failure, named like any JoinError.
      if (outcome > CANCELLED) return { error: task.joinError() };
    }
    return this.untilEmpty && set.size === 0 ? EMPTY : PENDING;
  }

  override describe(): string {
    return `scope (${this.scope.set.size} children)`;
  }
}

/**
 * A body that is a plain function returning a future, called at the first poll to stay lazy.
 * Awaited through `yield*`, so cancelling it drives the future's async cleanup like any await.
 */
function* lazyBody<T>(body: (s: Scope) => IntoFuture<T>, s: Scope): Gen {
  return yield* intoFuture(body(s), "scope() body");
}

function* runScope<T>(s: Scope, body: Future<T>): Gen {
  try {
    const first = yield* select.biased({ body, failed: new ScopeWatch(s, false) });
    if (first.key === "failed") throw (first.value as ChildFailure).error;
    const late = yield* new ScopeWatch(s, true);
    if (late !== EMPTY) throw late.error;
    return first.value as T;
  } finally {
    // Every path: abort what is left and wait until each child's `finally` has run. A failure of
    // a sibling while it is being cancelled goes to the runtime's onTaskError (the first failure
    // is the one thrown).
    s.state = CLOSING;
    if (!s.set.isEmpty()) yield* s.set.shutdown();
    s.state = CLOSED;
  }
}

/**
 * Run `body` with a {@link Scope} handle and return its result once every child spawned into
 * the scope has finished: no child outlives the scope (structured concurrency, as Trio's
 * nursery, Kotlin's `coroutineScope` or effection's `scope`).
 *
 * - The scope waits for every child, including children spawned by children through the handle.
 * - The first failure (of the body or of a child) cancels the body and every other child (their
 *   `finally` blocks run, async ones to completion) and is thrown from the scope, as thrown: a
 *   child's error is not wrapped in a `JoinError`. Later failures during that cancellation go to
 *   the runtime's `onTaskError`.
 * - Cancelling the scope (aborting its task, a `timeout`, losing a `select`) cancels every child
 *   and completes once their cleanup has run.
 * - The result is the body's return value, typed.
 *
 * Use it instead of `spawn` when tasks belong to one piece of work: nothing leaks when that work
 * fails or is cancelled. Lazy, like every future: nothing runs until it is awaited.
 *
 * Cost: a `JoinSet` and a `select` of two branches; each child costs a task, as `spawn`.
 *
 * Cancel safety: cancelling is the point; the future completes cancellation only after every
 * child has finished.
 *
 * @example
 * const total = yield* scope(function* (s) {
 *   const [tx, rx] = mpsc.channel<number>(16);
 *   s.spawn(produce(tx));
 *   s.spawn(produce(tx.clone()));
 *   return yield* sum(rx); // if a producer throws, sum is cancelled and the error thrown here
 * });
 */
export function scope<T>(body: (s: Scope) => IntoFuture<T>): Future<T> {
  if (typeof body !== "function") {
    throw new TypeError(
      `scope() expects a function taking the scope handle, e.g. scope(function* (s) { s.spawn(work()); }); got ${describeValue(body)}.`,
    );
  }
  const s = new Scope();
  // Lazy: the body is called at the first poll, like an async fn's body.
  const bodyFuture = new AsyncFnFuture<T>(
    isGeneratorFunction(body) ? (body as (s: Scope) => Gen)(s) : lazyBody(body, s),
  );
  return new AsyncFnFuture<T>(runScope(s, bodyFuture));
}
