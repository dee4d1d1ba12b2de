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

import { current } from "../future/current.js";
import { FrameDriver, type Gen, NO_ERROR } from "../future/frames.js";
import type { Future } from "../future/future.js";
import { type Context, PENDING, type Poll, type Waker } from "../future/poll.js";
import { type AbortHandle, TaskAbortHandle } from "./abort-handle.js";
import { pollProceed } from "./coop.js";
import type { Executor } from "./executor.js";
import { JoinError, label } from "./join-error.js";

export const IDLE = 0;
export const SCHEDULED = 1;
export const RUNNING = 2;
export const COMPLETE = 3;

export const OK = 0;
export const FAILED = 1;
export const CANCELLED = 2;
/** Cancelled, and a `finally` run by the cancellation threw (`result` is what it threw, even `undefined`). */
export const CANCELLED_CLEANUP_FAILED = 3;

// `bits` packs, to keep a task small (Node has no pointer compression: every field is 8 bytes):
// state in bits 0-1, outcome in bits 2-3, flags above.
const STATE = 3;
const OUTCOME_SHIFT = 2;
const NOTIFIED = 16;
const ABORT = 32;
const CANCELLING = 64;
/** Someone awaits (or awaited) the JoinHandle, so a failure is not reported as unobserved. */
export const OBSERVED = 128;
/** The outcome was handed to an awaiter (returned or thrown by `poll`). */
const DELIVERED = 256;
/** The task polls a root future (kept in `top`) instead of driving generator frames. */
const ROOT_FUTURE = 512;

/**
 * Awaitable handle to a spawned task. `yield* handle` returns the task's output or throws a
 * {@link JoinError}. Forgetting a handle detaches the task: it keeps running.
 *
 * @example
 * const h = spawn(work(), { name: "work" });
 * if (tooSlow) h.abort();
 * const out = yield* h; // throws JoinError with cancelled === true after an abort
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
  /**
   * A handle that can abort this task but not await it (Tokio's `JoinHandle::abort_handle`):
   * hand it to code that may cancel the task while this handle stays the one awaiter. Aborting
   * through it after the task finished does nothing. Cost: one small object per call.
   *
   * @example
   * const h = spawn(serve(conn));
   * registry.set(connId, h.abortHandle()); // a shutdown path may cancel it
   * yield* h;
   */
  abortHandle(): AbortHandle;
}

export class Task<T> extends FrameDriver<T> implements JoinHandle<T>, Waker, Context {
  /**
   * Once complete: the output, the error, or the cleanup error, depending on `outcome`. While
   * live: the outermost future that returned PENDING in the last poll (what the task awaits),
   * sharing the field to keep tasks small.
   */
  result: unknown = null;
  joinWaker: Waker | null = null;
  prevLive: Task<unknown> | null = null;
  nextLive: Task<unknown> | null = null;

  /**
   * A task runs either a generator's frames (`generator`) or a root future (`future`, for futures
   * that are not async fns). The root future lives in the frame driver's `top` slot, flagged by
   * ROOT_FUTURE: a task is ~120 bytes and spawn cost is mostly GC, so every field counts.
   */
  constructor(
    readonly runtime: Executor,
    readonly id: number,
    readonly name: string | undefined,
    future: Future<T> | null,
    generator: Gen | null,
  ) {
    super(
      generator ?? (future as unknown as Gen | null),
      future !== null ? SCHEDULED | ROOT_FUTURE : SCHEDULED,
    );
  }

  /** The root future, or null when the task drives a generator's frames itself (or is complete). */
  private get rootFuture(): Future<T> | null {
    return (this.bits & ROOT_FUTURE) !== 0 ? (this.top as unknown as Future<T> | null) : null;
  }

  /**
   * What the task runs: its root future, or its bottom generator frame; null once complete. Blocking
   * detection reads it before a poll to find the task's spawn site (by the function's identity).
   */
  get root(): object | null {
    return (this.bits & ROOT_FUTURE) !== 0 ? this.top : this.bottom;
  }

  /** What the task is suspended on (for deadlock reports and the console); null once complete. */
  get awaiting(): object | null {
    return (this.bits & STATE) === COMPLETE ? null : (this.result as object | null);
  }

  get state(): number {
    return this.bits & STATE;
  }

  get outcome(): number {
    return (this.bits >> OUTCOME_SHIFT) & 3;
  }

  /** Context: a task is its own waker. */
  get waker(): Waker {
    current.wakerRead = true;
    return this;
  }

  wake(): void {
    const state = this.bits & STATE;
    const rt = this.runtime;
    if (state === IDLE) {
      if (rt.running !== null) rt.counters.wakesInside++;
      else rt.counters.wakesOutside++;
      this.bits = (this.bits & ~STATE) | SCHEDULED;
      rt.schedule(this as Task<unknown>);
    } else if (state === RUNNING) {
      rt.counters.selfWakes++;
      this.bits |= NOTIFIED;
    }
    // SCHEDULED: already queued. COMPLETE: nothing to do.
  }

  /** Poll the task once. Called by the runtime's drain loop only. */
  run(): void {
    const rt = this.runtime;
    this.bits = (this.bits & ~STATE) | RUNNING;
    current.cx = this;
    current.budget = rt.budget;
    current.lastPending = null;
    current.wakerRead = false;
    let out: unknown;
    try {
      if ((this.bits & ABORT) !== 0) out = this.pollCancellation();
      else if ((this.bits & ROOT_FUTURE) === 0) out = this.driveFrames();
      else out = (this.top as unknown as Future<T>).poll(this);
    } catch (error) {
      current.cx = null;
      this.complete((this.bits & CANCELLING) !== 0 ? CANCELLED_CLEANUP_FAILED : FAILED, error);
      return;
    }
    current.cx = null;
    if (out !== PENDING) {
      if ((this.bits & CANCELLING) !== 0) this.complete(CANCELLED, undefined);
      else this.complete(OK, out);
      return;
    }
    // A root future polled directly (not through `yield*`) did not record itself.
    this.result = current.lastPending ?? this.rootFuture;
    // An abort requested during this poll takes effect now, at the suspension.
    if ((this.bits & (ABORT | CANCELLING)) === ABORT) this.bits |= NOTIFIED;
    if ((this.bits & NOTIFIED) !== 0) {
      this.bits = (this.bits & ~(STATE | NOTIFIED)) | SCHEDULED;
      rt.requeue(this as Task<unknown>);
    } else {
      this.bits &= ~STATE; // IDLE
    }
  }

  /** Drive cancellation; PENDING while async cleanup (a `finally` that awaits) is in progress. */
  private pollCancellation(): unknown {
    const fut = this.rootFuture;
    if ((this.bits & CANCELLING) === 0) {
      this.bits |= CANCELLING;
      if (fut === null && this.beginUnwind()) return undefined;
    }
    if (fut === null) {
      if (this.driveFrames() === PENDING) return PENDING;
      const error = this.takeCleanupError();
      if (error !== NO_ERROR) throw error;
      return undefined;
    }
    if (fut.pollCancel !== undefined) return fut.pollCancel(this) ? undefined : PENDING;
    fut.cancel?.();
    return undefined;
  }

  complete(outcome: number, result: unknown): void {
    this.bits = (this.bits & ~(STATE | (3 << OUTCOME_SHIFT))) | COMPLETE | (outcome << OUTCOME_SHIFT);
    this.result = result;
    this.top = null; // the generator or root future: free it, the handle may be held long after
    this.runtime.taskCompleted(this as Task<unknown>);
    const waker = this.joinWaker;
    if (waker !== null) {
      this.joinWaker = null;
      // The awaiter's waker may be user code (a hand-written combinator): contain what it throws.
      this.runtime.wakeGuarded(waker, this);
    }
  }

  abort(): void {
    if ((this.bits & STATE) === COMPLETE || (this.bits & ABORT) !== 0) return;
    this.bits |= ABORT;
    if ((this.bits & STATE) === IDLE) this.wake();
  }

  isFinished(): boolean {
    return (this.bits & STATE) === COMPLETE;
  }

  abortHandle(): AbortHandle {
    return new TaskAbortHandle(this as Task<unknown>);
  }

  get observed(): boolean {
    return (this.bits & OBSERVED) !== 0;
  }

  /** True when the task was cancelled, whether or not its cleanup threw. */
  get cancelled(): boolean {
    return this.outcome >= CANCELLED;
  }

  markObserved(): void {
    this.bits |= OBSERVED;
  }

  // --- JoinHandle: awaiting the task ---

  poll(cx: Context): Poll<T> {
    if ((this.bits & STATE) === COMPLETE) {
      // A completed task spends budget like any ready resource: a loop awaiting finished
      // handles must not starve the scheduler.
      if (!pollProceed(cx)) return PENDING;
      if ((this.bits & OBSERVED) === 0) this.runtime.claimFailure(this as Task<unknown>);
      this.bits |= OBSERVED | DELIVERED;
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
    this.bits |= OBSERVED;
    this.joinWaker = cx.waker;
    return PENDING;
  }

  /**
   * The awaiting future was dropped: stop waking it. A later failure is reported only if the
   * handle is never awaited again (see `Runtime.taskCompleted`).
   */
  override cancel(): void {
    if ((this.bits & STATE) !== COMPLETE) {
      this.joinWaker = null;
      this.bits &= ~OBSERVED;
      return;
    }
    // Completed, and the awaiter is dropped before it read the outcome (it was woken, then
    // aborted): nobody has seen a failure yet.
    if ((this.bits & DELIVERED) === 0 && this.outcome !== OK && this.outcome !== CANCELLED) {
      this.bits &= ~OBSERVED;
      this.runtime.trackUnobserved(this as Task<unknown>);
    }
  }

  joinError(): JoinError {
    const outcome = this.outcome;
    return new JoinError(
      outcome >= CANCELLED,
      this.result,
      this.id,
      this.name,
      outcome === CANCELLED_CLEANUP_FAILED,
    );
  }

  override describe(): string {
    return `JoinHandle(task ${label(this.id, this.name)})`;
  }

  /** `#3 "name"` */
  get label(): string {
    return label(this.id, this.name);
  }
}
