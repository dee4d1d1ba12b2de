/**
 * `taskLocal`: values scoped to a future's execution (Tokio's `task_local!`).
 *
 * How, without touching the scheduler: `key.scope(value, fut)` is a future that stores `value` in
 * the key around each poll of `fut` (and around its cancellation) and restores the previous value
 * afterwards. JavaScript runs one poll at a time and a poll never runs another task's code, so the
 * value is visible exactly while `fut` (and whatever it awaits) runs, and nowhere else: not in
 * other tasks, not in tasks `fut` spawns (they are polled later, outside the scope), not in
 * sibling branches of a `join`.
 */
import { childFuture } from "../future/child-waker.js";
import { current } from "../future/current.js";
import { describeFuture, type Future, FutureBase, isFuture } from "../future/future.js";
import type { IntoFuture } from "../future/into-future.js";
import type { Context, Poll } from "../future/poll.js";

const UNSET: unique symbol = Symbol("pollux.taskLocal.unset");
const noopContext: Context = { waker: { wake() {} } };

/**
 * A key for a value scoped to a future: set with `scope(value, fut)`, read with `get()` from
 * anywhere `fut` runs (including async fns it calls, however deep). Made by {@link taskLocal}.
 *
 * Cost: reading is a field read; a scope costs two field writes per poll.
 *
 * @example
 * const user: TaskLocal<string> = taskLocal("user");
 * yield* user.scope("ada", function* () { console.log(user.get()); });
 */
export class TaskLocal<T> {
  /** @internal the value while a scope's future is being polled. */
  value: T | typeof UNSET = UNSET;

  constructor(readonly name: string) {}

  /**
   * A future that runs `future` with this key set to `value`. Nested scopes of the same key
   * shadow the outer value and restore it. Accepts anything `intoFuture` does.
   *
   * Cost: two field writes per poll of `future`.
   *
   * @example
   * yield* requestId.scope(crypto.randomUUID(), handle(req));
   */
  scope<U>(value: T, future: IntoFuture<U>): TaskLocalScope<T, U> {
    const f = isFuture(future) ? future : childFuture(future, `${this.name}.scope()`);
    return new TaskLocalScope(this, value, f as Future<U>);
  }

  /**
   * The value of the innermost enclosing scope. Throws when called outside any scope of this key.
   *
   * @example
   * log(`[${requestId.get()}] done`);
   */
  get(): T {
    const v = this.value;
    if (v === UNSET) {
      throw new Error(
        `task-local "${this.name}" was read outside its scope. Run the code inside ` +
          `${this.name}.scope(value, future), or use tryGet() when the value is optional.`,
      );
    }
    return v;
  }

  /** The value of the innermost enclosing scope, or `undefined` outside any scope. */
  tryGet(): T | undefined {
    const v = this.value;
    return v === UNSET ? undefined : v;
  }
}

/**
 * Create a task-local key. Define keys once, at module level. The value is set per future with
 * `key.scope(value, fut)`; it is never inherited by spawned tasks (pass it explicitly: wrap the
 * spawned future in its own `scope`).
 *
 * Cost: one small object per key.
 *
 * @example
 * const requestId = taskLocal<string>("requestId");
 *
 * const handle = asyncFn(function* (req: Request) {
 *   log(`[${requestId.get()}] start`);
 *   yield* spawn(requestId.scope(requestId.get(), audit(req))); // pass it on explicitly
 * });
 *
 * yield* requestId.scope("r-42", handle(req));
 */
export function taskLocal<T>(name = "taskLocal"): TaskLocal<T> {
  if (typeof name !== "string")
    throw new TypeError(`taskLocal(name) expects a string name; got ${typeof name}.`);
  return new TaskLocal<T>(name);
}

/**
 * The future returned by `key.scope(value, future)`: polls `future` with the key set, and
 * cancels it with the key set, so `finally` blocks can read it.
 *
 * Cost: two field writes per poll; no allocation.
 *
 * @example
 * const scoped: TaskLocalScope<string, void> = requestId.scope("r-1", handle(req));
 */
export class TaskLocalScope<T, U> extends FutureBase<U> {
  constructor(
    private readonly key: TaskLocal<T>,
    private readonly value: T,
    private readonly future: Future<U>,
  ) {
    super();
  }

  poll(cx: Context): Poll<U> {
    const key = this.key;
    const prev = key.value;
    key.value = this.value;
    try {
      return this.future.poll(cx);
    } finally {
      key.value = prev;
    }
  }

  /** Cancel the inner future with the value still set, so its `finally` blocks can read it. */
  pollCancel(cx: Context): boolean {
    const key = this.key;
    const prev = key.value;
    key.value = this.value;
    try {
      const f = this.future;
      if (f.pollCancel !== undefined) return f.pollCancel(cx);
      f.cancel?.();
      return true;
    } finally {
      key.value = prev;
    }
  }

  /**
   * Synchronous drop. Async cleanup continues on a detached task that polls this scope, so the
   * value stays visible to the inner `finally` blocks until they finish.
   */
  override cancel(): void {
    if (this.future.pollCancel === undefined) {
      this.pollCancel(noopContext);
      return;
    }
    let finished: boolean;
    try {
      finished = this.pollCancel(current.cx ?? noopContext);
    } catch (error) {
      reportCleanup(error);
      return;
    }
    if (finished) return;
    const rt = current.runtime;
    if (rt !== null) rt.spawnCleanup(this);
    else
      reportCleanup(
        new Error(`a ${this.key.name} scope was cancelled outside a runtime and its cleanup awaits`),
      );
  }

  override describe(): string {
    return `${this.key.name}.scope(${describeFuture(this.future)})`;
  }
}

function reportCleanup(error: unknown): void {
  const rt = current.runtime;
  if (rt !== null) rt.reportError(error, "a `finally` block of a cancelled task-local scope threw");
  else console.error("pollux: a `finally` block of a cancelled task-local scope threw:", error);
}
