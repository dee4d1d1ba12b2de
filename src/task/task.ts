/**
 * `Task`: one spawned future, its scheduling state, and its `JoinHandle` (the same object).
 *
 * One object plays four roles so that a task costs one allocation and a wake allocates nothing:
 * - the unit the scheduler queues and polls (`run()`),
 * - the `Waker` and `Context` its futures are polled with (`wake()`, `waker`),
 * - the `JoinHandle` other tasks await (`poll()` from `FutureBase`, `abort()`, `isFinished()`),
 * - a node of the runtime's list of live tasks (deadlock reports and shutdown walk it).
 *
 * States: IDLE (waiting for a wake) -> SCHEDULED (in the run queue or LIFO slot) -> RUNNING (being
 * polled) -> IDLE or COMPLETE. A wake while RUNNING sets NOTIFIED and the task is re-queued behind
 * the others when its poll returns (a self-wake never re-enters the poll).
 */
import { FutureBase, type Future } from "../future/future.js";
import { type Context, PENDING, type Poll, type Waker } from "../future/poll.js";
import { current } from "../runtime/current.js";
import type { Runtime } from "../runtime/runtime.js";
import { pollProceed } from "./coop.js";
import { JoinError, label } from "./join-error.js";

export const IDLE = 0;
export const SCHEDULED = 1;
export const RUNNING = 2;
export const COMPLETE = 3;

const NOTIFIED = 1;
const ABORT = 2;
const CANCELLING = 4;
/** Someone awaits (or awaited) the JoinHandle, so a failure is not reported as unobserved. */
export const OBSERVED = 8;

export const OK = 0;
export const FAILED = 1;
export const CANCELLED = 2;

/**
 * Awaitable handle to a spawned task. `yield* handle` returns the task's output or throws a
 * {@link JoinError}. Forgetting a handle detaches the task: it keeps running.
 */
export interface JoinHandle<T> extends Future<T> {
  /** Task id, unique within its runtime. */
  readonly id: number;
  /** The name given at spawn, if any. */
  readonly name: string | undefined;
  /**
   * Request cancellation. Takes effect at the task's next suspension: its generators get
   * `return()`, so `finally` blocks run (async ones are driven to completion). A task that
   * completes before that keeps its result. Idempotent.
   */
  abort(): void;
  /** True once the task completed, failed or finished cancelling. */
  isFinished(): boolean;
}

export class Task<T> extends FutureBase<T> implements JoinHandle<T>, Waker, Context {
  state = SCHEDULED;
  flags = 0;
  outcome = OK;
  /** Output, error, or cleanup error, depending on `outcome`. */
  result: unknown = undefined;
  future: Future<T> | null;
  joinWaker: Waker | null = null;
  /** The outermost future that returned PENDING in the last poll. */
  awaiting: object | null = null;
  prevLive: Task<unknown> | null = null;
  nextLive: Task<unknown> | null = null;

  constructor(
    readonly runtime: Runtime,
    readonly id: number,
    readonly name: string | undefined,
    future: Future<T>,
  ) {
    super();
    this.future = future;
  }

  /** Context: a task is its own waker. */
  get waker(): Waker {
    return this;
  }

  wake(): void {
    const state = this.state;
    const rt = this.runtime;
    if (state === IDLE) {
      if (rt.running !== null) rt.counters.wakesInside++;
      else rt.counters.wakesOutside++;
      this.state = SCHEDULED;
      rt.schedule(this as Task<unknown>);
    } else if (state === RUNNING) {
      rt.counters.selfWakes++;
      this.flags |= NOTIFIED;
    }
    // SCHEDULED: already queued. COMPLETE: nothing to do.
  }

  /** Poll the task's future once. Called by the runtime's drain loop only. */
  run(): void {
    const rt = this.runtime;
    this.state = RUNNING;
    current.cx = this;
    current.budget = rt.budget;
    current.lastPending = null;
    let out: unknown;
    try {
      out = (this.flags & ABORT) === 0 ? this.future!.poll(this) : this.pollCancellation();
    } catch (error) {
      current.cx = null;
      if ((this.flags & CANCELLING) !== 0) this.complete(CANCELLED, error);
      else this.complete(FAILED, error);
      return;
    }
    current.cx = null;
    if (out !== PENDING) {
      if ((this.flags & CANCELLING) !== 0) this.complete(CANCELLED, undefined);
      else this.complete(OK, out);
      return;
    }
    this.awaiting = current.lastPending;
    // An abort requested during this poll takes effect now, at the suspension.
    if ((this.flags & (ABORT | CANCELLING)) === ABORT) this.flags |= NOTIFIED;
    if ((this.flags & NOTIFIED) !== 0) {
      this.flags &= ~NOTIFIED;
      this.state = SCHEDULED;
      rt.requeue(this as Task<unknown>);
    } else {
      this.state = IDLE;
    }
  }

  /** Drive the future's cancellation; returns PENDING while async cleanup is in progress. */
  private pollCancellation(): unknown {
    this.flags |= CANCELLING;
    const fut = this.future!;
    if (fut.pollCancel !== undefined) return fut.pollCancel(this) ? undefined : PENDING;
    fut.cancel?.();
    return undefined;
  }

  complete(outcome: number, result: unknown): void {
    this.state = COMPLETE;
    this.outcome = outcome;
    this.result = result;
    this.future = null;
    this.awaiting = null;
    this.runtime.taskCompleted(this as Task<unknown>);
    const waker = this.joinWaker;
    if (waker !== null) {
      this.joinWaker = null;
      waker.wake();
    }
  }

  abort(): void {
    if (this.state === COMPLETE || (this.flags & ABORT) !== 0) return;
    this.flags |= ABORT;
    if (this.state === IDLE) this.wake();
  }

  isFinished(): boolean {
    return this.state === COMPLETE;
  }

  get isCancelling(): boolean {
    return (this.flags & CANCELLING) !== 0;
  }

  // --- JoinHandle: awaiting the task ---

  poll(cx: Context): Poll<T> {
    if (this.state === COMPLETE) {
      this.flags |= OBSERVED;
      if (this.outcome === OK) return this.result as T;
      throw this.joinError();
    }
    const waker = this.joinWaker;
    if (waker !== null && waker !== cx.waker) {
      throw new Error(
        `the JoinHandle of task ${label(this.id, this.name)} is already awaited elsewhere; a JoinHandle has ` +
          "one awaiter. Share the result through a oneshot or watch channel instead.",
      );
    }
    if (!pollProceed(cx)) return PENDING;
    this.flags |= OBSERVED;
    this.joinWaker = cx.waker;
    return PENDING;
  }

  /** The awaiting future was dropped: stop waking it, and report a later failure as unobserved. */
  override cancel(): void {
    if (this.state !== COMPLETE) {
      this.joinWaker = null;
      this.flags &= ~OBSERVED;
    }
  }

  joinError(): JoinError {
    return new JoinError(this.outcome === CANCELLED, this.result, this.id, this.name);
  }

  override describe(): string {
    return `JoinHandle(task ${label(this.id, this.name)})`;
  }

  /** `#3 "name"` */
  get label(): string {
    return label(this.id, this.name);
  }
}
