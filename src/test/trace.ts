/**
 * The trace of a simulation: what the scheduler did, in order, one event per spawn, wake, poll
 * and completion. Event for event the same for the same seed and program; `formatTrace` prints
 * it one line per event for a failing seed's report.
 */

/** What happened. See {@link TraceEvent}. */
export type TraceKind = "spawn" | "wake" | "poll" | "done";

/**
 * One event of a simulation's trace.
 *
 * - `spawn`: task `task` was spawned (by task `by`, or from outside any task: `by` is null).
 * - `wake`: task `task` became runnable, woken by task `by`'s poll; `by` null: from outside a
 *   poll (a timer firing, a promise settling); `by === task`: it woke itself; `chaos`: a spurious
 *   wake inserted by `chaos: true`.
 * - `poll`: the scheduler chose task `task` among `of` runnable tasks and polled it.
 * - `done`: task `task` completed (`outcome`: `"ok"`, `"failed"` or `"cancelled"`).
 *
 * `at` is the simulated clock in milliseconds since the simulation's first timer use (0 before).
 *
 * @example
 * const { trace } = await simulate(main, { seed: 7, trace: true });
 * console.log(formatTrace(trace!));
 */
export interface TraceEvent {
  readonly kind: TraceKind;
  /** The task's id (1 is `main`). */
  readonly task: number;
  /** The task's name, if it has one. */
  readonly name: string | undefined;
  readonly at: number;
  /** `spawn` and `wake`: the task whose poll caused it, or null from outside. */
  readonly by?: number | null;
  /** `wake`: true for a spurious wake inserted by chaos. */
  readonly chaos?: boolean;
  /** `poll`: how many tasks were runnable when this one was chosen. */
  readonly of?: number;
  /** `done`: how the task ended. */
  readonly outcome?: "ok" | "failed" | "cancelled";
}

function who(id: number, name: string | undefined): string {
  return name === undefined ? `#${id}` : `#${id} "${name}"`;
}

/**
 * One line per event, for reading a failing seed's schedule:
 * `   3  t=0ms  poll #2 "writer" (1 of 3 runnable)`.
 *
 * Cost: O(events).
 *
 * @example
 * console.log(formatTrace(result.trace!));
 */
export function formatTrace(trace: readonly TraceEvent[]): string {
  const lines: string[] = [];
  for (let i = 0; i < trace.length; i++) {
    const e = trace[i]!;
    let text: string;
    const task = who(e.task, e.name);
    if (e.kind === "poll")
      text = `poll ${task}${e.of !== undefined && e.of > 1 ? ` (chosen among ${e.of})` : ""}`;
    else if (e.kind === "done") text = `done ${task}: ${e.outcome}`;
    else {
      const by =
        e.chaos === true
          ? " (chaos)"
          : e.by === null || e.by === undefined
            ? " from outside"
            : e.by === e.task
              ? " by itself"
              : ` by #${e.by}`;
      text = `${e.kind} ${task}${by}`;
    }
    lines.push(`${String(i).padStart(5)}  t=${e.at}ms  ${text}`);
  }
  return lines.join("\n");
}
