/**
 * `AbortHandle`: the right to cancel a task without the right to await it (Tokio's
 * `task::AbortHandle`).
 *
 * `JoinHandle.abortHandle()` wraps the task in a small object instead of returning the task
 * itself, so the abort handle cannot be awaited (`yield*`) or used to steal the join: a task has
 * one awaiter, and that stays its `JoinHandle`. Like Tokio's, it keeps the task object reachable;
 * it keeps nothing else (the task drops its future when it completes).
 */
import type { Task } from "./task.js";

/**
 * A handle that can abort a task but not await it: returned by `JoinHandle.abortHandle()`,
 * `JoinSet.spawn` and `Scope.spawn`. Keep one to cancel a task whose output someone else awaits
 * (a `JoinSet`, another task holding the `JoinHandle`).
 *
 * @example
 * const h = set.spawn(poll(feed));
 * if (tooSlow) h.abort();
 */
export interface AbortHandle {
  /** Task id, unique within its runtime. */
  readonly id: number;
  /** The name given at spawn, if any. */
  readonly name: string | undefined;
  /**
   * Request cancellation of the task; its `finally` blocks run. Idempotent; does nothing once the
   * task has finished (its result is kept for whoever awaits it).
   */
  abort(): void;
  /** True once the task completed, failed or finished cancelling. */
  isFinished(): boolean;
}

/** @internal the object `JoinHandle.abortHandle()` returns. */
export class TaskAbortHandle implements AbortHandle {
  constructor(private readonly task: Task<unknown>) {}

  get id(): number {
    return this.task.id;
  }

  get name(): string | undefined {
    return this.task.name;
  }

  abort(): void {
    this.task.abort();
  }

  isFinished(): boolean {
    return this.task.isFinished();
  }

  toString(): string {
    return `AbortHandle(task ${this.task.label})`;
  }
}
