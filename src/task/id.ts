/**
 * `id()` / `tryId()`: the id of the task being polled (Tokio's `task::id` / `task::try_id`).
 *
 * The runtime's drain loop records the task it polls (`running`), so this is a read of the ambient
 * runtime record: no per-task storage, no task-local.
 */
import { current } from "../future/current.js";
import type { Executor } from "./executor.js";

/**
 * The id of the task being polled: the same number as its `JoinHandle.id`, its `JoinError.taskId`,
 * deadlock reports and the spawn hooks' `TaskMeta.id`, so log lines can be tied to their task.
 * Ids are unique within a runtime (two runtimes may both have a task #1). Throws outside a task;
 * see {@link tryId}.
 *
 * Inside a `finally` run by a cancellation, it is still the cancelled task's id; inside the async
 * cleanup of a future dropped by a combinator, it is the id of the task driving that cleanup.
 *
 * Cost: two property reads.
 *
 * @example
 * import * as task from "pollux/task";
 * function* handler(req: Request) {
 *   console.log(`[task ${task.id()}] ${req.url}`);
 * }
 */
export function id(): number {
  const running = (current.runtime as Executor | null)?.running;
  if (running === null || running === undefined) {
    throw new Error(
      "task.id() was called outside a task: no pollux task is being polled. Call it inside a task " +
        "(run(function* () { ... task.id() ... })), or use task.tryId(), which returns undefined there.",
    );
  }
  return running.id;
}

/**
 * The id of the task being polled, or `undefined` outside a task (plain JavaScript, a Node
 * callback, a test). Never throws: for loggers that run both inside and outside tasks.
 *
 * Cost: two property reads.
 *
 * @example
 * const tag = tryId();
 * console.log(tag === undefined ? "[main]" : `[task ${tag}]`, message);
 */
export function tryId(): number | undefined {
  const running = (current.runtime as Executor | null)?.running;
  return running === null || running === undefined ? undefined : running.id;
}
