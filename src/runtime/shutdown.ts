/**
 * Bounded shutdown: `runtime.shutdown({ timeout })` (Tokio's `Runtime::shutdown_timeout`).
 *
 * Shutdown cancels every task; a cancelled task's `finally` blocks run, and the async ones (a
 * `finally` that awaits: flushing a buffer, saying goodbye on a socket) are driven to completion.
 * That cleanup may never end (it awaits a peer that is gone). With a timeout, the wait is bounded:
 * when the deadline passes, the runtime abandons the tasks whose cleanup is still running and
 * resolves with a report naming them.
 *
 * What happens to the abandoned tasks: as in Tokio, which leaks what it could not shut down in
 * time, they are never polled again. Their generators stay suspended where they were (the rest of
 * their `finally` blocks, and the disposal of their `using` declarations below that point, never
 * run) and are garbage-collected; their JoinHandles report a cancellation (`JoinError.cancelled`);
 * the runtime releases its Node handles and is closed.
 *
 * The deadline is measured on the runtime's clock: with `clock: "paused"` it is a timer in the
 * runtime's wheel like any `sleep`, so auto-advance reaches it when nothing else can run (tests
 * need no real waiting). `pollux/time` installs that timer when it loads; a program that never
 * loaded `pollux/time` has no pollux timer at all, and the deadline is a plain Node timer.
 */
import { cappedList } from "./capped-list.js";
/** Options of `Runtime.shutdown`. */
export interface ShutdownOptions {
  /**
   * Wait at most this many milliseconds (of the runtime's clock) for the cancelled tasks' cleanup;
   * then abandon the tasks still cleaning up and resolve with a report naming them. Default: wait
   * for all of them, however long.
   */
  timeout?: number;
}

/** A task whose cancellation cleanup had not finished when a bounded shutdown gave up on it. */
export interface UnfinishedTask {
  /** The task's id. */
  readonly id: number;
  /** The name given at spawn, if any (`"cleanup"`: the async cleanup of a dropped future). */
  readonly name: string | undefined;
  /** `#3 "name"`, as in every other report. */
  readonly label: string;
  /** What its cleanup was awaiting when it was abandoned. */
  readonly awaits: string;
  /** Where it was spawned, when blocking detection (`instrument`) recorded it. */
  readonly spawnSite: string | undefined;
}

/** What `Runtime.shutdown()` resolves with. */
export interface ShutdownReport {
  /** True when the timeout passed before every task finished its cleanup. */
  readonly timedOut: boolean;
  /** The tasks abandoned at the timeout, oldest first; empty when the shutdown completed. */
  readonly unfinished: readonly UnfinishedTask[];
  /** One line describing the outcome, naming the abandoned tasks, for logs. */
  readonly message: string;
}

/** @internal a live task, as the abandoning runtime sees it. */
export interface AbandonedTask {
  readonly id: number;
  readonly name: string | undefined;
  readonly label: string;
  readonly awaits: string;
  readonly spawnSite: string | undefined;
}

export const COMPLETED_REPORT: ShutdownReport = Object.freeze({
  timedOut: false,
  unfinished: Object.freeze([]) as readonly UnfinishedTask[],
  message: "pollux: runtime shut down; every task finished its cleanup",
});

/** @internal the report of a shutdown that abandoned `tasks` after `timeout` ms. */
export function timedOutReport(timeout: number, tasks: readonly AbandonedTask[]): ShutdownReport {
  const unfinished = tasks.map((t) => ({
    id: t.id,
    name: t.name,
    label: t.label,
    awaits: t.awaits,
    spawnSite: t.spawnSite,
  }));
  const list = cappedList(
    unfinished.length,
    (i) => {
      const t = unfinished[i]!;
      return `task ${t.label} (awaits ${t.awaits}${t.spawnSite === undefined ? "" : `, spawned at ${t.spawnSite}`})`;
    },
    "; ",
    "the report's unfinished list",
  );
  const message =
    unfinished.length === 0
      ? `pollux: runtime shut down; every task finished its cleanup within ${timeout} ms`
      : `pollux: shutdown timed out after ${timeout} ms; abandoned ${unfinished.length} task` +
        `${unfinished.length === 1 ? "" : "s"} whose cleanup did not finish (never polled again; ` +
        `the rest of their finally blocks will not run): ${list}`;
  return Object.freeze({ timedOut: unfinished.length > 0, unfinished: Object.freeze(unfinished), message });
}

/** Validate `shutdown()`'s options; returns the timeout, or undefined for an unbounded wait. */
export function shutdownTimeout(options: ShutdownOptions | undefined): number | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `shutdown() options must be an object like { timeout: 5000 }; got ${String(options)}.`,
    );
  }
  for (const key of Object.keys(options)) {
    if (key !== "timeout") {
      throw new TypeError(`unknown shutdown() option "${key}"; the only option is timeout (milliseconds).`);
    }
  }
  const t = options.timeout;
  if (t === undefined) return undefined;
  if (typeof t !== "number" || !(t >= 0) || !Number.isFinite(t)) {
    throw new RangeError(
      `shutdown() option timeout must be a finite number of milliseconds >= 0; got ${String(t)}. ` +
        "Omit it to wait for every cleanup however long it takes.",
    );
  }
  return t;
}

/**
 * @internal Arms a deadline `ms` from now on the runtime's clock and calls `fire` then; returns
 * a function that disarms it. Installed by `pollux/time` (see the module comment).
 */
export type DeadlineTimer = (runtime: object, ms: number, fire: () => void) => () => void;

let clockDeadline: DeadlineTimer | null = null;

/** @internal called once by `pollux/time` when it loads. */
export function installDeadlineTimer(timer: DeadlineTimer): void {
  clockDeadline = timer;
}

/** @internal arm the shutdown deadline: on the runtime's clock when `pollux/time` is loaded. */
export function armDeadline(runtime: object, ms: number, fire: () => void): () => void {
  if (clockDeadline !== null) return clockDeadline(runtime, ms, fire);
  const timer = setTimeout(fire, ms);
  return () => clearTimeout(timer);
}
