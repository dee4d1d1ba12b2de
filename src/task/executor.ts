/**
 * `Executor`: what the task layer needs of the runtime that schedules its tasks.
 *
 * `pollux/runtime`'s `Runtime` implements it. Declaring it here, below the runtime, keeps imports
 * pointing down the layers (future ← task ← runtime): a task calls its executor through this
 * interface instead of importing the executor's class.
 */
import type { AmbientRuntime, TaskInfo } from "../future/current.js";
import { current } from "../future/current.js";
import type { IntoFuture } from "../future/into-future.js";
import type { Waker } from "../future/poll.js";
import type { Task } from "./task.js";

/** Options of `spawn`. */
export interface SpawnOptions {
  /** Shown in error reports, deadlock reports and the console. */
  name?: string;
}

export interface Executor extends AmbientRuntime {
  /** Budget units per task poll. */
  readonly budget: number;
  /** The always-on counters a task updates. */
  readonly counters: { budgetYields: number; wakesInside: number; wakesOutside: number; selfWakes: number };
  /** The task being polled, or null. */
  readonly running: Task<unknown> | null;
  /** Size of the blocking pool `spawnBlocking` uses. */
  readonly maxBlockingThreads: number;
  /** How long an idle blocking thread lives. */
  readonly threadKeepAliveMs: number;
  spawn<T>(future: IntoFuture<T>, options?: SpawnOptions): Task<T>;
  /** An idle task was woken. */
  schedule(task: Task<unknown>): void;
  /** A task woke itself during its poll. */
  requeue(task: Task<unknown>): void;
  /** Bookkeeping when a task finishes. */
  taskCompleted(task: Task<unknown>): void;
  /** A failure nobody has seen yet (see `Runtime.trackUnobserved`). */
  trackUnobserved(task: Task<unknown>): void;
  /** An unobserved failure was awaited after all. */
  claimFailure(task: Task<unknown>): void;
  wakeGuarded(waker: Waker, about?: TaskInfo): void;
}

/**
 * The executor whose task is being polled, or null outside a runtime. The ambient runtime is
 * always an `Executor`: only a `Runtime`'s drain loop sets `current.runtime`.
 */
export function currentExecutor(): Executor | null {
  return current.runtime as Executor | null;
}
