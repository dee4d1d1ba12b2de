/**
 * The shapes of full instrumentation (`instrument: true`): the per-task table of
 * `runtime.taskMetrics()`, the lints of `runtime.lints()` and the windows of `runtime.intervals()`.
 * Durations are milliseconds (fractions allowed); every object is plain JSON-safe data, so the
 * console can send it as is.
 */
import type { HistogramSnapshot } from "./histogram.js";

/** What a task is doing right now. */
export type TaskState = "running" | "scheduled" | "idle" | "done";

/**
 * One task's metrics: the fields of tokio-metrics' `TaskMetrics` (camelCase), for one task, plus
 * what tokio-console shows (wakes, self-wakes, spawn site, parent).
 */
export interface TaskMetrics {
  readonly id: number;
  readonly name: string | undefined;
  /** The task that spawned this one (`undefined` for a task spawned from outside any task). */
  readonly parentId: number | undefined;
  /**
   * `file:line:column` of the `spawn()` call. Captured on the first spawn of each task function and
   * shared by its later tasks (a capture costs microseconds), so two spawn calls of one function
   * show the first one's site.
   */
  readonly spawnSite: string | undefined;
  readonly state: TaskState;
  /** What the task is suspended on (`describe()` of the future), `""` when running or done. */
  readonly awaits: string;
  /** Milliseconds since the spawn (until completion for a finished task). */
  readonly ageMs: number;
  /** Spawn to first poll, or `undefined` before it. */
  readonly firstPollDelayMs: number | undefined;
  readonly totalPollCount: number;
  /** Busy time: the sum of its polls. */
  readonly totalPollDurationMs: number;
  /** Polls of at most the runtime's `slowPollMs`, and their time. */
  readonly totalFastPollCount: number;
  readonly totalFastPollDurationMs: number;
  /** Polls longer than `slowPollMs` (slow polls), and their time. */
  readonly totalSlowPollCount: number;
  readonly totalSlowPollDurationMs: number;
  /** The longest poll. */
  readonly maxPollDurationMs: number;
  /** Times it was woken while idle and queued (each is followed by one scheduled-delay sample). */
  readonly totalScheduledCount: number;
  /** Sum of wake → poll delays (time spent runnable but not running). */
  readonly totalScheduledDurationMs: number;
  /** Scheduled delays under / from 50 µs (tokio-metrics' default long-delay threshold). */
  readonly totalShortDelayCount: number;
  readonly totalLongDelayCount: number;
  readonly totalLongDelayDurationMs: number;
  /** Times it went idle (a poll returned PENDING without a wake pending), and time spent idle. */
  readonly totalIdledCount: number;
  readonly totalIdleDurationMs: number;
  readonly maxIdleDurationMs: number;
  /** All wakes: of the idle task (scheduled) and of the task by itself while it ran. */
  readonly wakes: number;
  /** Wakes of the task during its own poll (`yieldNow`, an exhausted budget, a combinator). */
  readonly selfWakes: number;
  /** Polls that returned PENDING without touching `cx.waker` and without a self-wake: it may never wake. */
  readonly lostWakerPolls: number;
  /** Poll durations. */
  readonly pollDurations: HistogramSnapshot;
}

/** Which classic mistake a lint names. */
export type LintKind =
  | "slow-poll"
  | "never-yielded"
  | "self-wake-loop"
  | "lost-waker"
  | "spawn-per-tiny-job"
  | "unbounded-growth";

/** One finding of `runtime.lints()`: what is wrong, where, and the fix, in one message. */
export interface Lint {
  readonly kind: LintKind;
  readonly severity: "warning" | "error";
  /** The whole finding with its fix, one paragraph. */
  readonly message: string;
  /** The tasks concerned (may be empty for a lint about a spawn site or a collection). */
  readonly taskIds: readonly number[];
  /** `file:line:column` the lint points at: a spawn site or where a collection was created. */
  readonly site: string | undefined;
}

/** One window of `runtime.intervals(ms)`: what changed during it. */
export interface MetricsWindow {
  /** `performance.now()` at the window's start and its length. */
  readonly startMs: number;
  readonly durationMs: number;
  readonly tasksSpawned: number;
  readonly tasksFinished: number;
  readonly tasksAlive: number;
  readonly polls: number;
  readonly wakes: number;
  readonly selfWakes: number;
  readonly busyMs: number;
  readonly slowPolls: number;
  readonly budgetYields: number;
  readonly eventLoopYields: number;
  readonly queueDepth: number;
  readonly timersPending: number;
  readonly pendingSources: number;
  /** Poll durations and scheduled delays recorded during the window. */
  readonly pollDurations: HistogramSnapshot;
  readonly scheduledDelays: HistogramSnapshot;
}
