/**
 * Per-thread "where am I" state, the equivalent of Tokio's thread-local runtime context.
 *
 * JavaScript runs one poll at a time, so one mutable record is enough: the runtime whose task is
 * being polled, the context leaf futures must register with, the cooperative budget left in this
 * task poll, and two scratch slots the generator driver reads right after a generator suspends.
 * Drivers save and restore `cx` around nested polls (a combinator polling a child async fn).
 */
import type { Future } from "./future.js";
import type { Context, Waker } from "./poll.js";

/** Information about a task, passed to `onTaskError`. */
export interface TaskInfo {
  readonly id: number;
  readonly name: string | undefined;
}

/**
 * What the future layer needs of the runtime it runs on. The executor (`pollux/runtime`'s
 * `Runtime`) implements it; declaring it here keeps imports pointing down the layers
 * (future ← task ← runtime) instead of making the contract depend on the executor.
 */
export interface AmbientRuntime {
  /** Always-on counters; the future layer bumps `budgetYields`. */
  readonly counters: { budgetYields: number };
  /** Wake sources that can still fire (pending promises, IO registrations). */
  sources: number;
  /** Report an error nobody else will see (through `onTaskError`). */
  reportError(error: unknown, context: TaskInfo | string): void;
  /** Spawn a task that drives a cancelled future's async cleanup to completion. */
  spawnCleanup(future: Future<unknown>): void;
  /** Wake a waker that may be user code, reporting what it throws. */
  wakeGuarded(waker: Waker): void;
  /** The task being polled, if any: named in errors about what its generator did. */
  readonly running: TaskInfo | null;
}

export interface Current {
  /** Runtime whose task is being polled (or whose drain loop is running). */
  runtime: AmbientRuntime | null;
  /** Context of the future being polled; `yield*` on a leaf future polls with it. */
  cx: Context | null;
  /** Units of work left before leaf futures must yield (see `task/coop.ts`). */
  budget: number;
  /**
   * Generators of async fns that were started inline and suspended, innermost first. The driver
   * that resumed the outer generator moves them onto its frame stack (see `future/async-fn.ts`).
   */
  frames: Generator<unknown, unknown, unknown>[];
  /** Outermost future that returned PENDING during this poll: what the task is waiting on. */
  lastPending: object | null;
  /**
   * Set when a poll reads a waker (`cx.waker` of a task or of a combinator's child). Full
   * instrumentation reads it after a poll that returned PENDING: a poll that never looked at its
   * waker and did not wake itself left nothing that can wake the task (a lost waker).
   */
  wakerRead: boolean;
  /** Set when an iterator's `return()` suspended: the driver must resume with `return()` again. */
  returnPending: boolean;
}

/**
 * The budget outside any task poll: effectively unlimited, so a future polled by plain code (a
 * test, a hand-written executor) is never told to yield because of what the last task left.
 */
export const UNCONSTRAINED_BUDGET = 2 ** 30;

export const current: Current = {
  runtime: null,
  cx: null,
  budget: UNCONSTRAINED_BUDGET,
  frames: [],
  lastPending: null,
  wakerRead: false,
  returnPending: false,
};

/** The error thrown by APIs that need a running task. */
export function outsideRuntime(what: string): Error {
  return new Error(
    `${what} was called outside a pollux runtime. Call it inside a task: run(function* () { ... ${what} ... }), ` +
      "or use runtime.spawn(...) from plain JavaScript code.",
  );
}
