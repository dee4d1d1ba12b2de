import { cappedList, MESSAGE_LIST_MAX } from "./capped-list.js";
import type { TaskDump } from "./dump.js";

/**
 * Raised by `run()` when the main task is waiting and nothing can ever wake any task: no runnable
 * task, no pending timer, no pending promise or IO. Node would otherwise exit silently (or hang).
 * The message lists the live tasks (the first 20; `tasks` has them all) and what they await.
 *
 * With the task dump (`dump`), the message shows each task's await site and async fn stack, with
 * tasks nested under the task that spawned them when that is recorded (for up to 20 tasks; with
 * more, the message lists the first 20 and `dump` has the tree of all of them).
 *
 * @example
 * try { await run(main); } catch (e) {
 *   if (e instanceof DeadlockError) for (const t of e.tasks) console.log(t.id, t.awaits);
 *   if (e instanceof DeadlockError) console.log(e.dump?.tasks.map((t) => t.awaitSite));
 * }
 */

export class DeadlockError extends Error {
  override readonly name = "DeadlockError";
  /**
   * @param tasks every live task and what it awaits, oldest first.
   * @param dump the task dump at the deadlock (await sites, async stacks, parent → children), when
   *   it could be taken; the message shows its tree.
   */
  constructor(
    readonly tasks: readonly WaitingTask[],
    readonly dump?: TaskDump,
  ) {
    const listing =
      dump !== undefined && dump.tasks.length <= MESSAGE_LIST_MAX
        ? indent(dump.toString())
        : `  ${cappedList(tasks.length, (i) => `task ${tasks[i]!.label} awaits ${tasks[i]!.awaits}`, "\n  ", "DeadlockError.tasks")}`;
    super(
      "deadlock: a task is awaited but nothing can wake any task (no runnable task, no timer, no pending " +
        `promise or IO).\n${listing}\n` +
        "Check for a missing send/notify/release, a channel sender that is never closed, or a future that " +
        "returns PENDING without storing cx.waker.",
    );
  }
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}

/** One entry of a deadlock report. */
export interface WaitingTask {
  readonly id: number;
  readonly name: string | undefined;
  /** `#3 "name"` */
  readonly label: string;
  /** Description of the future the task is suspended on. */
  readonly awaits: string;
}

/**
 * Passed to the `onStall` option: `run()` has waited `stalledMs` with no task polled, pollux knows
 * no wake source, but Node resources outside pollux (`foreign`) are alive and might still wake a
 * task, so pollux cannot tell a deadlock from a long wait and reports instead of failing.
 */
export interface StallReport {
  /** Milliseconds since the last poll of any task of this runtime. */
  readonly stalledMs: number;
  /** Every live task and what it awaits, oldest first. */
  readonly tasks: readonly WaitingTask[];
  /** Kinds of the ref'd Node resources alive, e.g. `["Timeout", "TCPServerWrap"]`. */
  readonly foreign: readonly string[];
  /** The task dump when the stall was reported (await sites, async stacks); see `runtime.dump()`. */
  readonly dump?: TaskDump;
  /** The one-line report the default handler prints. */
  readonly message: string;
}
