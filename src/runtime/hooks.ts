/**
 * Spawn hooks: `onTaskSpawn` / `onTaskTerminate` (Tokio's `Builder::on_task_spawn` and
 * `on_task_terminate`).
 *
 * Why a separate object: the runtime holds `hooks: TaskHooksList | null` and its spawn and
 * completion paths test that one field, so a runtime without hooks pays one well-predicted branch
 * per spawn and per termination, and no allocation. With hooks, each call builds one small meta
 * object. Several subscribers (the runtime's options and tools such as a console) share the list.
 */
import type { Task } from "../task/task.js";

/** What a spawn hook learns about a task. */
export interface TaskMeta {
  /** The task's id, the same as its `JoinHandle.id` and `task.id()` inside it. */
  readonly id: number;
  /** The name given at spawn, if any. Internal cleanup tasks are named `"cleanup"`. */
  readonly name: string | undefined;
}

/** What a terminate hook learns about a task: its meta and how it ended. */
export interface TaskTerminateMeta extends TaskMeta {
  /**
   * `"ok"`: returned; `"failed"`: threw; `"cancelled"`: aborted (or cancelled by the runtime's
   * shutdown), whether or not its cleanup threw.
   */
  readonly outcome: "ok" | "failed" | "cancelled";
}

/** Hooks called for every task of a runtime. See `RuntimeOptions.onTaskSpawn`. */
export interface TaskHooks {
  /** Called once per task, when it is spawned, before its first poll. */
  onTaskSpawn?: (meta: TaskMeta) => void;
  /** Called once per task, when it has finished (returned, thrown, or finished cancelling). */
  onTaskTerminate?: (meta: TaskTerminateMeta) => void;
}

/** By `task.outcome`: OK, FAILED, CANCELLED, CANCELLED_CLEANUP_FAILED (see `task/task.ts`). */
const OUTCOMES = ["ok", "failed", "cancelled", "cancelled"] as const;

/** @internal the hook subscribers of one runtime; never empty while installed. */
export class TaskHooksList {
  readonly list: TaskHooks[] = [];

  constructor(private readonly report: (error: unknown, context: string) => void) {}

  spawned(task: Task<unknown>): void {
    const meta: TaskMeta = { id: task.id, name: task.name };
    for (const h of this.list) {
      if (h.onTaskSpawn === undefined) continue;
      try {
        h.onTaskSpawn(meta);
      } catch (error) {
        this.report(error, `the onTaskSpawn hook threw for task ${task.label}`);
      }
    }
  }

  terminated(task: Task<unknown>): void {
    const meta: TaskTerminateMeta = { id: task.id, name: task.name, outcome: OUTCOMES[task.outcome]! };
    for (const h of this.list) {
      if (h.onTaskTerminate === undefined) continue;
      try {
        h.onTaskTerminate(meta);
      } catch (error) {
        this.report(error, `the onTaskTerminate hook threw for task ${task.label}`);
      }
    }
  }
}

/** Check a hook option: a function or undefined. */
export function checkHook(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== "function") {
    throw new TypeError(`Runtime option ${name} must be a function (meta) => void; got ${String(value)}.`);
  }
}
