/**
 * `OnceCell<T>`: a value set at most once, with async initialization that runs once.
 *
 * HOW: three states, EMPTY -> INITIALIZING -> SET. `getOrInit` on an EMPTY cell makes the caller
 * the initializer: it awaits its own `init()` inside a `try/finally`. Callers arriving meanwhile
 * wait in a `WaitList`. On success the value is stored and every waiter wakes and returns it. If
 * the initializer throws or is cancelled, the `finally` puts the cell back to EMPTY and wakes the
 * waiters, and the first of them to run becomes the next initializer with its own `init`. So a
 * failed or abandoned initialization never leaves the cell stuck.
 */
import { AsyncFnFuture } from "../future/async-fn.js";
import { type Future, FutureBase, isFuture, type Suspend } from "../future/future.js";
import { isGenerator } from "../future/into-future.js";
import { type Context, PENDING, type Poll, type Waker } from "../future/poll.js";
import { Ready } from "../future/ready.js";
import { describe } from "./validate.js";
import { WaitList } from "./wait-list.js";

const EMPTY = 0;
const INITIALIZING = 1;
const SET = 2;

class CellWait<T> extends FutureBase<void> {
  qPrev: CellWait<T> | null = null;
  qNext: CellWait<T> | null = null;
  waker: Waker | null = null;
  queued = false;

  constructor(
    private readonly cell: OnceCell<T>,
    /** true: wait until set; false: wait until nobody is initializing. */
    private readonly untilSet: boolean,
  ) {
    super();
  }

  poll(cx: Context): Poll<void> {
    const state = this.cell.state;
    if (this.untilSet ? state === SET : state !== INITIALIZING) {
      this.leave();
      return;
    }
    this.waker = cx.waker;
    if (!this.queued) {
      this.queued = true;
      this.cell.waiters.push(this);
    }
    return PENDING;
  }

  private leave(): void {
    if (this.queued) {
      this.queued = false;
      this.cell.waiters.remove(this);
    }
    this.waker = null;
  }

  override cancel(): void {
    this.leave();
  }

  override describe(): string {
    return this.untilSet ? "OnceCell.wait()" : "OnceCell.getOrInit() (another task is initializing)";
  }
}

/**
 * A cell written at most once. `getOrInit(init)` returns the value, running `init` only if the
 * cell is empty and nobody else is already initializing it; concurrent callers wait for that one
 * initialization instead of starting their own.
 *
 * When to use: lazy singletons that need async set-up (a connection, a loaded config) shared by
 * many tasks.
 *
 * Cost: reading a set cell is a field read (`get()`), or one small ready future (`getOrInit`).
 *
 * @example
 * const db = new OnceCell<Db>();
 * function* handler(req: Request) {
 *   const conn = yield* db.getOrInit(function* () { return yield* connect(url); });
 *   return yield* conn.query(req.sql);
 * }
 */
export class OnceCell<T> {
  /** @internal */
  state = EMPTY;
  private value: T | undefined = undefined;
  /** @internal */
  readonly waiters = new WaitList<CellWait<T>>();

  /**
   * The value, or undefined while the cell is not set.
   *
   * @example
   * const cfg = cell.get() ?? defaults;
   */
  get(): T | undefined {
    return this.value;
  }

  /**
   * Take the value out, leaving the cell empty (Tokio's `take`): the value, or undefined when the
   * cell holds none, as {@link OnceCell.get}. The next `set` or `getOrInit` fills it again. While
   * someone's `getOrInit` is initializing the cell, `take` returns undefined and leaves that
   * initialization alone (Tokio's `take` needs `&mut self`, so it can never meet one).
   *
   * Cost: O(1).
   *
   * @example
   * const old = tokenCell.take(); // expire the cached token; the next getOrInit fetches a new one
   */
  take(): T | undefined {
    if (this.state !== SET) return undefined;
    const value = this.value;
    this.value = undefined;
    this.state = EMPTY;
    return value;
  }

  /** True once a value is stored. */
  isInitialized(): boolean {
    return this.state === SET;
  }

  /**
   * Store `value` if the cell is empty and nobody is initializing it. Returns false (and stores
   * nothing) otherwise. Waiters of `wait()` and `getOrInit()` wake.
   *
   * @example
   * if (!cell.set(config)) console.warn("config was already loaded");
   */
  set(value: T): boolean {
    if (this.state !== EMPTY) return false;
    this.value = value;
    this.state = SET;
    this.wakeAll();
    return true;
  }

  /**
   * The value, initializing it with `init` if the cell is empty. `init` is a generator function
   * (or a function returning a future, or a plain value) and runs only in the caller that found
   * the cell empty; callers arriving during initialization wait for its result. If `init` throws
   * or the initializing caller is cancelled, the error goes to that caller only, and the next
   * waiter runs ITS `init`.
   *
   * Cancel safety: cancelling a waiting caller is harmless; cancelling the initializing caller
   * cancels `init` (its `finally` blocks run) and hands initialization to the next caller.
   *
   * Cost: one async fn future while the cell is empty; a small ready future once set.
   *
   * @example
   * const client = yield* cell.getOrInit(function* () {
   *   return yield* connect(url);
   * });
   */
  getOrInit(init: () => T | Future<T> | Generator<Suspend, T, unknown>): Future<T> {
    if (typeof init !== "function") {
      throw new TypeError(
        `OnceCell.getOrInit expects an initializer function, e.g. function* () { return yield* connect(); }; got ${describe(init)}.`,
      );
    }
    if (this.state === SET) return new Ready(this.value as T);
    return new AsyncFnFuture<T>(getOrInitBody(this, init));
  }

  /**
   * Wait until the cell is set (by `set` or by someone's `getOrInit`), and return the value.
   *
   * Cancel safety: cancel-safe; it only waits.
   *
   * @example
   * const cfg = yield* configCell.wait();
   */
  wait(): Future<T> {
    if (this.state === SET) return new Ready(this.value as T);
    return new AsyncFnFuture<T>(waitBody(this));
  }

  /** @internal */
  store(value: T): void {
    this.value = value;
    this.state = SET;
  }

  /** @internal */
  wakeAll(): void {
    for (let n = this.waiters.takeAll(); n !== null; ) {
      const next = n.qNext;
      n.qPrev = null;
      n.qNext = null;
      n.queued = false;
      const w = n.waker!;
      n.waker = null;
      w.wake();
      n = next;
    }
  }

  /** @internal */
  waitFor(untilSet: boolean): CellWait<T> {
    return new CellWait(this, untilSet);
  }
}

function* getOrInitBody<T>(
  cell: OnceCell<T>,
  init: () => T | Future<T> | Generator<Suspend, T, unknown>,
): Generator<Suspend, T, unknown> {
  for (;;) {
    if (cell.state === SET) return cell.get() as T;
    if (cell.state === EMPTY) {
      cell.state = INITIALIZING;
      let stored = false;
      try {
        const out = init();
        let value: T;
        if (isGenerator(out)) value = yield* new AsyncFnFuture<T>(out as Generator<Suspend, T, unknown>);
        else if (isFuture(out)) value = yield* out as Future<T>;
        else value = out as T;
        cell.store(value);
        stored = true;
        return value;
      } finally {
        if (!stored) cell.state = EMPTY;
        cell.wakeAll();
      }
    }
    yield* cell.waitFor(false);
  }
}

function* waitBody<T>(cell: OnceCell<T>): Generator<Suspend, T, unknown> {
  yield* cell.waitFor(true);
  return cell.get() as T;
}
