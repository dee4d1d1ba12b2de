/**
 * `pollux/runtime`: the executor and the ways to enter it.
 *
 * @module
 */

export type { CoreMetrics } from "./cores/group.js";
export type {
  AnyTaskFn,
  CoreTransferable,
  ModuleTask,
  TaskOutput,
  UntypedTaskFn,
} from "./cores/module-task.js";
export { coreMetrics, spawnAnywhere, spawnOn } from "./cores/spawn-on.js";
export { type WithTransfer, withTransfer } from "./cores/with-transfer.js";
export { DeadlockError, type StallReport, type WaitingTask } from "./deadlock.js";
export type { AwaitedFuture, DumpedTask, DumpedTaskState, TaskDump } from "./dump.js";
export { Handle } from "./handle.js";
export { type HistogramSnapshot, quantileUs } from "./histogram.js";
export type { TaskHooks, TaskMeta, TaskTerminateMeta } from "./hooks.js";
export type { SiteMemory, TaskBytes, TaskMemoryReport } from "./memory.js";
export type { RuntimeMetrics } from "./metrics.js";
export type { MetricsIntervals } from "./metrics-intervals.js";
export { type RunMainOptions, run, runMain } from "./run.js";
export { type Driver, Runtime, type RuntimeOptions, type SpawnOptions, type TaskInfo } from "./runtime.js";
export type { ShutdownOptions, ShutdownReport, UnfinishedTask } from "./shutdown.js";
export type { SlowPollInfo } from "./slow-poll.js";
export type { Lint, LintKind, MetricsWindow, TaskMetrics, TaskState } from "./task-metrics-types.js";
export { toPromise } from "./to-promise.js";
