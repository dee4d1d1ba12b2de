/**
 * `JoinSet`: a set of spawned tasks, joined in completion order (Tokio's `JoinSet`).
 *
 * How completion order is O(1): each task in the set gets a `Child` node (see
 * `future/child-waker.ts`) installed as the task's join waker at spawn. When the task completes it
 * wakes its node, which appends itself to the set's ready queue and wakes whoever awaits
 * `joinNext()`. `joinNext()` pops the head of that queue: no scan over the set, and no poll of
 * tasks that have not finished.
 *
 * Why `Symbol.dispose`: Rust aborts a JoinSet's tasks when the set is dropped. JavaScript has no
 * drop, but a generator's `finally` and its `using` declarations run when the generator is
 * cancelled (`return()`), so `using set = new JoinSet()` aborts the children when the scope exits
 * for any reason, including the owning task being aborted.
 */
import { Child, DONE, ReadyQueue, reportDropped } from "../future/child-waker.js";
import { outsideRuntime } from "../future/current.js";
import { EMPTY, type Empty, END, type End } from "../future/end.js";
import { FutureBase } from "../future/future.js";
import type { IntoFuture } from "../future/into-future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import type { AbortHandle } from "./abort-handle.js";
import { currentExecutor, type SpawnOptions } from "./executor.js";
import { growthWatched, watchGrowth } from "./growth-watch.js";
import { JoinSetJoinAll } from "./join-set-all.js";
import { CANCELLED_CLEANUP_FAILED, FAILED, OK, type Task } from "./task.js";

/** Report the failure of a task nobody will join (a cancellation is not a failure). */
function reportUnjoined(task: Task<unknown>): void {
  if (task.outcome === FAILED)
    reportDropped(task.result, `JoinSet: task ${task.label} failed and was never joined`);
  else if (task.outcome === CANCELLED_CLEANUP_FAILED) {
    reportDropped(task.joinError(), `JoinSet: task ${task.label} was cancelled and its cleanup threw`);
  }
}

/**
 * A set of tasks spawned on the current runtime, awaited in completion order. `joinNext()` gives
 * the output of the next task to finish (throwing its `JoinError` if it failed or was aborted), or
 * `END` when the set is empty (a symbol, so a `JoinSet<void>` loop joins every task).
 *
 * Use it when you need real tasks (work that must keep running while the owner awaits something
 * else, or parallel CPU slices between awaits) but want them owned: `abortAll()`, `shutdown()`, and
 * `using set = new JoinSet()` to abort every task still in the set when the scope exits, including
 * when the owning task is aborted. Without `using` (or a `finally` that calls `abortAll()`), tasks
 * outlive the set, like detached tasks. For concurrency without tasks, prefer `join`,
 * `FuturesUnordered` or `buffered`.
 *
 * While the set exists it observes its tasks: a failure is delivered by `joinNext()`, not reported
 * as unobserved. Once disposed, failures of tasks never joined go to the runtime's `onTaskError`.
 *
 * Cost: a task per `spawn` (see `spawn`), plus one small node; `joinNext()` is O(1).
 *
 * @example
 * function* crawl(urls: string[]) {
 *   using set = new JoinSet<Page>();
 *   for (const url of urls) set.spawn(fetchPage(url));
 *   const pages: Page[] = [];
 *   for (let p = yield* set.joinNext(); p !== END; p = yield* set.joinNext()) pages.push(p);
 *   return pages;
 * }
 */
export class JoinSet<T> {
  /** @internal */
  readonly q = new ReadyQueue();
  private live: Child[] = [];

  constructor() {
    if (growthWatched()) watchGrowth(this, "JoinSet", (s) => s.size);
  }

  /**
   * Spawn a task on the current runtime and add it to the set. Returns a handle that can abort it;
   * its output is delivered by `joinNext()`. Must be called inside a runtime.
   */
  spawn(future: IntoFuture<T>, options?: SpawnOptions): AbortHandle {
    const rt = currentExecutor();
    if (rt === null) throw outsideRuntime("JoinSet.spawn()");
    const task = rt.spawn(future, options);
    task.markObserved();
    const node = new Child(this.q, task, this.live.length);
    task.joinWaker = node;
    this.live.push(node);
    return task;
  }

  /** Tasks in the set: running, or finished and not yet joined. */
  get size(): number {
    return this.live.length;
  }

  /** True when the set holds no task. */
  isEmpty(): boolean {
    return this.live.length === 0;
  }

  /**
   * A future of the output of the next task to finish, in completion order; `END` when the set is
   * empty (never a task's output, so this works for `JoinSet<void>` and `JoinSet<T | undefined>`). Throws the task's `JoinError` when it failed or was aborted; the task leaves the
   * set either way, so a loop may catch and continue. Cancel-safe: dropping the future loses no
   * result. One awaiter at a time.
   *
   * @example
   * for (;;) {
   *   try {
   *     const v = yield* set.joinNext();
   *     if (v === END) break;
   *     use(v);
   *   } catch (e) {
   *     if (!(e instanceof JoinError)) throw e;
   *   }
   * }
   */
  joinNext(): JoinNext<T> {
    return new JoinNext(this);
  }

  /** Abort every task in the set. They stay in the set until joined (as cancelled). */
  abortAll(): void {
    const live = this.live;
    for (let i = 0; i < live.length; i++) (live[i]!.future as Task<unknown>).abort();
  }

  /**
   * A future that aborts every task and waits until all have finished (their `finally` blocks
   * have run), emptying the set. Outputs are discarded; failures other than cancellation go to the
   * runtime's `onTaskError`.
   *
   * @example
   * yield* set.shutdown();
   */
  shutdown(): JoinSetShutdown {
    return new JoinSetShutdown(this as JoinSet<unknown>);
  }

  /**
   * The output of a task that has already finished, without waiting (Tokio's `try_join_next`):
   * `EMPTY` when tasks are in the set but none has finished, `END` when the set is empty. Throws
   * the task's `JoinError` when it failed or was aborted; the task leaves the set either way.
   *
   * Cost: O(1); allocates nothing.
   *
   * @example
   * // Collect what is done, then go back to other work.
   * for (let v = set.tryJoinNext(); v !== EMPTY && v !== END; v = set.tryJoinNext()) done.push(v);
   */
  tryJoinNext(): T | Empty | End {
    const task = this.popFinished();
    if (task === null) return this.live.length === 0 ? END : EMPTY;
    if (task.outcome === OK) return task.result as T;
    throw task.joinError();
  }

  /**
   * Like {@link JoinSet.joinNext}, but resolves `[id, output]` so the caller knows which task
   * finished (Tokio's `join_next_with_id`): the id is the one `spawn` returned on its handle. A
   * failure throws the task's `JoinError`, whose `taskId` names it. `END` when the set is empty.
   * Cancel-safe, as `joinNext()`.
   *
   * @example
   * const names = new Map<number, string>();
   * for (const url of urls) names.set(set.spawn(fetchPage(url)).id, url);
   * for (let r = yield* set.joinNextWithId(); r !== END; r = yield* set.joinNextWithId()) {
   *   const [id, page] = r;
   *   console.log(names.get(id), page.length);
   * }
   */
  joinNextWithId(): JoinNextWithId<T> {
    return new JoinNextWithId(this);
  }

  /**
   * A future of every output, in completion order, once all tasks have finished (Tokio's
   * `join_all`). Like Tokio's, which takes the set by value, it owns the set while it runs: if a
   * task fails or was aborted, the remaining tasks are aborted (their `finally` blocks run in the
   * background), the set is emptied, and the task's `JoinError` is thrown; if the future is
   * cancelled, the remaining tasks are aborted too. Not cancel-safe: outputs already collected are
   * lost when it is cancelled.
   *
   * Cost: one array of outputs; O(1) per finished task.
   *
   * @example
   * for (const id of ids) set.spawn(fetchUser(id));
   * const users = yield* set.joinAll();
   */
  joinAll(): JoinSetJoinAll<T> {
    return new JoinSetJoinAll(this);
  }

  /**
   * Remove every task from the set without aborting it (Tokio's `detach_all`): they keep running,
   * detached, like tasks whose `JoinHandle` was dropped. The set is empty afterwards. Failures of
   * tasks that had finished but were not joined are reported through the runtime's `onTaskError`
   * now; later failures, when nobody can see them any more (see `onTaskError`).
   *
   * Cost: O(size).
   *
   * @example
   * set.detachAll(); // let the in-flight uploads finish on their own
   */
  detachAll(): void {
    this.release(false);
  }

  /**
   * Abort every task still in the set and stop observing them: `using set = new JoinSet()` calls
   * this when the scope exits. Does not wait for them; use `yield* set.shutdown()` for that.
   */
  [Symbol.dispose](): void {
    this.release(true);
  }

  /** Empty the set; `abort`: cancel the tasks still running, else leave them detached. */
  private release(abort: boolean): void {
    const live = this.live;
    this.live = [];
    const q = this.q;
    q.head = q.tail = null;
    q.waker = null;
    for (const node of live) {
      const task = node.future as Task<unknown>;
      node.state = DONE;
      node.future = null;
      node.queued = false;
      node.nextReady = null;
      if (task.isFinished()) {
        reportUnjoined(task);
      } else {
        task.cancel(); // drop the join: a later failure is reported as unobserved
        if (abort) task.abort();
      }
    }
  }

  /** @internal take the next finished task, or null. */
  popFinished(): Task<T> | null {
    const q = this.q;
    const node = q.head;
    if (node === null) return null;
    q.head = node.nextReady;
    if (q.head === null) q.tail = null;
    node.nextReady = null;
    node.queued = false;
    node.state = DONE;
    const task = node.future as Task<T>;
    node.future = null;
    const live = this.live;
    const last = live.pop()!;
    if (last !== node) {
      live[node.index] = last;
      last.index = node.index;
    }
    return task;
  }
}

/**
 * The future returned by `JoinSet.joinNext()`: the next finished task's output (`END` when the
 * set is empty); throws the task's `JoinError` if it failed or was aborted.
 *
 * Cost: O(1) per poll; no allocation beyond the future.
 *
 * @example
 * const next: JoinNext<number> = set.joinNext();
 */
export class JoinNext<T> extends FutureBase<T | End> {
  constructor(private readonly set: JoinSet<T>) {
    super();
  }

  poll(cx: Context): Poll<T | End> {
    const set = this.set;
    set.q.waker = cx.waker;
    const task = set.popFinished();
    if (task === null) return set.size === 0 ? END : PENDING;
    if (task.outcome === OK) return task.result as T;
    throw task.joinError();
  }

  override describe(): string {
    return `JoinSet.joinNext() (${this.set.size} tasks)`;
  }
}

/**
 * The future returned by `JoinSet.joinNextWithId()`: `[id, output]` of the next task to finish
 * (`END` when the set is empty); throws the task's `JoinError` if it failed or was aborted.
 *
 * Cost: O(1) per poll; one two-element array per output.
 *
 * @example
 * const next: JoinNextWithId<number> = set.joinNextWithId();
 */
export class JoinNextWithId<T> extends FutureBase<[id: number, value: T] | End> {
  constructor(private readonly set: JoinSet<T>) {
    super();
  }

  poll(cx: Context): Poll<[id: number, value: T] | End> {
    const set = this.set;
    set.q.waker = cx.waker;
    const task = set.popFinished();
    if (task === null) return set.size === 0 ? END : PENDING;
    if (task.outcome === OK) return [task.id, task.result as T];
    throw task.joinError();
  }

  override describe(): string {
    return `JoinSet.joinNextWithId() (${this.set.size} tasks)`;
  }
}

/**
 * The future returned by `JoinSet.shutdown()`: aborts every task at its first poll, then completes
 * when all have finished.
 *
 * Cost: one abort per task; O(1) per finished task.
 *
 * @example
 * yield* set.shutdown();
 */
export class JoinSetShutdown extends FutureBase<void> {
  private started = false;

  constructor(private readonly set: JoinSet<unknown>) {
    super();
  }

  poll(cx: Context): Poll<void> {
    const set = this.set;
    if (!this.started) {
      this.started = true;
      set.abortAll();
    }
    set.q.waker = cx.waker;
    for (let task = set.popFinished(); task !== null; task = set.popFinished()) reportUnjoined(task);
    return set.size === 0 ? undefined : PENDING;
  }

  override describe(): string {
    return `JoinSet.shutdown() (${this.set.size} tasks left)`;
  }
}
