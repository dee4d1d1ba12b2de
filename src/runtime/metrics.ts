import type { BlockingPoolMetrics } from "../task/blocking/metrics.js";
import type { HistogramSnapshot } from "./histogram.js";

/** Always-on counters. Plain integer fields bumped on the hot path: no allocation, no branches. */
export class Counters {
  tasksSpawned = 0;
  tasksCompleted = 0;
  tasksCancelled = 0;
  tasksFailed = 0;
  polls = 0;
  /** Wakes of an idle task from inside another task's poll (message passing). */
  wakesInside = 0;
  /** Wakes from outside any poll: Node callbacks, timers, IO, promises. */
  wakesOutside = 0;
  /** Wakes of the task currently being polled (`yieldNow`, budget exhaustion, combinators). */
  selfWakes = 0;
  /** Times a leaf future refused to proceed because the task's budget was spent. */
  budgetYields = 0;
  /** Times the drain loop stopped after `eventInterval` polls to let Node run timers and IO. */
  eventLoopYields = 0;
  /** pollux/time: timers put in the wheel (a `reset` of a registered timer moves it, not counted). */
  timersRegistered = 0;
  /** pollux/time: timers that reached their deadline in the wheel. */
  timersFired = 0;
  /** pollux/time: timers taken out of the wheel before their deadline (cancel, drop, timeout won). */
  timersCancelled = 0;
  /** With `instrument`: time spent running tasks (drains, scheduler included), in milliseconds. */
  busyMs = 0;
  /** Opt-in: task polls that took longer than `slowPollMs`. */
  slowPolls = 0;
  /** With `instrument`: the longest task poll measured, in milliseconds (~1 ms resolution, see slowPollMs). */
  longestPollMs = 0;
}

/** A snapshot of a runtime's counters, from `runtime.metrics()`. */
export interface RuntimeMetrics extends BlockingPoolMetrics {
  readonly tasksSpawned: number;
  /** Tasks spawned and not yet finished. */
  readonly tasksAlive: number;
  readonly tasksCompleted: number;
  readonly tasksCancelled: number;
  readonly tasksFailed: number;
  readonly polls: number;
  readonly wakesInside: number;
  readonly wakesOutside: number;
  readonly selfWakes: number;
  readonly budgetYields: number;
  readonly eventLoopYields: number;
  /** Tasks in the run queue and LIFO slot right now. */
  readonly queueDepth: number;
  /** Wake sources that can still fire: pending promises, timers, IO handles. */
  readonly pendingSources: number;
  /** Timers put in the timer wheel (`sleep`, `timeout`, `interval` ticks that had to wait). */
  readonly timersRegistered: number;
  /** Timers that reached their deadline. */
  readonly timersFired: number;
  /** Timers removed before their deadline: the awaiting future was dropped or a timeout's inner future won. */
  readonly timersCancelled: number;
  /** Timers in the wheel right now: registered − fired − cancelled. */
  readonly timersPending: number;
  /** With `instrument`: time spent running tasks (drains, scheduler included), in milliseconds. */
  readonly busyMs: number;
  /** With `instrument`: task polls longer than `slowPollMs`. */
  readonly slowPolls: number;
  /**
   * With `instrument`: the longest task poll measured, in milliseconds. The poll watch measures
   * only polls of ~1 ms or more, as a lower bound; shorter ones leave this at 0.
   */
  readonly longestPollMs: number;
  /** With `instrument: true`: every task poll's duration. */
  readonly pollDurations: HistogramSnapshot | undefined;
  /** With `instrument: true`: wake (or spawn) → poll delays, time spent runnable but not running. */
  readonly scheduledDelays: HistogramSnapshot | undefined;
}
