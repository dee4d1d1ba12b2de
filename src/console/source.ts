/**
 * Where the console's figures come from: the one place that knows which runtime API exists.
 *
 * With full instrumentation (`instrument: true`: `runtime.taskMetrics()` and `runtime.lints()`,
 * issue 13) the source passes them through. A runtime with less (`instrument: "polls"`, blocking
 * detection only, or `false`) still gets a console: rows from `runtime.tasks()` (id, name, state,
 * what each awaits; the per-task counters stay `undefined` and the page shows "–"), and, when it
 * measures polls, "slow-poll" lints from the slow polls it already reports to `onSlowPoll` (the
 * source chains onto that reporter, calling the original first, and unchains on `close`). The
 * task dump is `String(runtime.dump())` at every level. Should the console one day require full
 * instrumentation, the `derived*` half of this file goes.
 */

import { workerMetricsSnapshot } from "../runtime/cores/group.js";
import type { HistogramSnapshot } from "../runtime/histogram.js";
import type { RuntimeMetrics } from "../runtime/metrics.js";
import type { Runtime } from "../runtime/runtime.js";
import type { SlowPollInfo } from "../runtime/slow-poll.js";
import type { Lint, TaskMetrics } from "../runtime/task-metrics-types.js";

/** `runtime.metrics()`, with the histograms that full instrumentation adds. */
export type ConsoleMetrics = RuntimeMetrics & {
  readonly pollDurations?: HistogramSnapshot;
  readonly scheduledDelays?: HistogramSnapshot;
};

/** One task as the console sees it: the always-known fields, and the counters when measured. */
export type TaskSample = Pick<TaskMetrics, "id" | "name" | "state" | "awaits"> & Partial<TaskMetrics>;

/**
 * `"full"`: per-task metrics and lints from the runtime. `"derived"`: rows from `tasks()`, lints
 * from slow polls. `"off"`: the runtime was made with `instrument: false`: no timings, no lints.
 */
export type SourceMode = "full" | "derived" | "off";

/** What the console reads, once per update. */
export interface ConsoleSource {
  readonly mode: SourceMode;
  metrics(): ConsoleMetrics;
  tasks(): readonly TaskSample[];
  lints(): readonly Lint[];
  /** The task dump as text (`String(runtime.dump())`). */
  dump(): string;
  /**
   * Every runtime of the watched runtime's group (`spawnOn`'s worker runtimes), when one was
   * started: index 0 is the watched runtime, then each worker runtime's last report (null while
   * not started or not answered yet). Undefined for a runtime that never started one.
   */
  cores(): readonly (ConsoleMetrics | null)[] | undefined;
  /** Undo what the source installed on the runtime. */
  close(): void;
}

/** A runtime's console source. */
export function sourceOf(runtime: Runtime): ConsoleSource {
  const rt = runtime;
  const dump = (): string => String(rt.dump());
  const cores = (): readonly (ConsoleMetrics | null)[] | undefined => {
    const workers = workerMetricsSnapshot(rt);
    return workers === undefined ? undefined : [rt.metrics(), ...workers.slice(1)];
  };
  if (rt.instrument === true) {
    return {
      mode: "full",
      metrics: () => runtime.metrics(),
      tasks: () => rt.taskMetrics(),
      lints: () => rt.lints(),
      dump,
      cores,
      close() {},
    };
  }
  if (rt.instrument === false) {
    return {
      mode: "off",
      metrics: () => runtime.metrics(),
      tasks: () => derivedTasks(runtime),
      lints: () => [],
      dump,
      cores,
      close() {},
    };
  }
  const slow = new SlowPollLints(runtime);
  return {
    mode: "derived",
    metrics: () => runtime.metrics(),
    tasks: () => derivedTasks(runtime),
    lints: () => slow.lints(),
    dump,
    cores,
    close: () => slow.close(),
  };
}

type TaskRow = { id: number; name: string | undefined; awaits: string; state: string };

function derivedTasks(runtime: Runtime): TaskSample[] {
  return (runtime.tasks() as TaskRow[]).map((t) => ({
    id: t.id,
    name: t.name,
    awaits: t.awaits,
    state: t.state === "complete" ? "done" : (t.state as TaskSample["state"]),
  }));
}

/** The runtime's private slow-poll reporter, as far as the adapter touches it. */
interface Reporter {
  hook: (info: SlowPollInfo) => void;
}

/** Remembers the last slow poll of each task (the most recent 200 tasks) as a "slow-poll" lint. */
class SlowPollLints {
  private readonly seen = new Map<number, Lint>();
  private readonly reporter: Reporter | null;
  private readonly original: ((info: SlowPollInfo) => void) | null;

  constructor(runtime: Runtime) {
    const reporter = (runtime as unknown as { slowPolls?: Reporter | null }).slowPolls ?? null;
    this.reporter = reporter !== null && typeof reporter.hook === "function" ? reporter : null;
    this.original = this.reporter?.hook ?? null;
    if (this.reporter === null || this.original === null) return;
    const original = this.original;
    this.reporter.hook = (info) => {
      original(info);
      this.seen.delete(info.id);
      this.seen.set(info.id, {
        kind: "slow-poll",
        severity: "warning",
        message: info.message,
        taskIds: [info.id],
        site: info.spawnSite,
      });
      if (this.seen.size > 200) this.seen.delete(this.seen.keys().next().value!);
    };
  }

  lints(): Lint[] {
    return [...this.seen.values()].reverse();
  }

  close(): void {
    if (this.reporter !== null && this.original !== null) this.reporter.hook = this.original;
  }
}
