/**
 * `runtime.intervals(ms)`: a stream of metrics windows, tokio-metrics' `intervals()` with the
 * waiting built in. Each item is the difference between two snapshots of the runtime's counters
 * (and, with full instrumentation, its histograms) `ms` apart.
 *
 * Lives in the runtime layer, below pollux/time, so it waits with a Node timer of its own,
 * counted as a pending wake source while it runs (a task awaiting the next window is not
 * deadlocked). Windows follow the wall clock, as the metrics themselves do, even under a paused
 * clock.
 */
import { FutureBase } from "../future/future.js";
import { type Context, PENDING, type Poll, type Waker } from "../future/poll.js";
import { type HistogramSnapshot, snapshotOf } from "./histogram.js";
import type { RuntimeMetrics } from "./metrics.js";
import type { MetricsWindow } from "./task-metrics-types.js";

/** What a window needs of the runtime. */
export interface MetricsSource {
  metrics(): RuntimeMetrics;
  sources: number;
}

const EMPTY: HistogramSnapshot = snapshotOf([], 0);

function minus(a: HistogramSnapshot | undefined, b: HistogramSnapshot | undefined): HistogramSnapshot {
  if (a === undefined) return EMPTY;
  if (b === undefined || b.count === 0) return a;
  return snapshotOf(
    a.counts.map((n, i) => n - (b.counts[i] ?? 0)),
    a.count - b.count,
  );
}

function finished(m: RuntimeMetrics): number {
  return m.tasksCompleted + m.tasksFailed + m.tasksCancelled;
}

/**
 * The stream of `runtime.intervals(ms)`: `pollNext` never ends; `next()` is a future of the next
 * window; `cancel()` (or `using`) stops its timer.
 */
export class MetricsIntervals {
  private base: RuntimeMetrics;
  private startMs: number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private waker: Waker | null = null;

  constructor(
    private readonly rt: MetricsSource,
    readonly ms: number,
  ) {
    this.base = rt.metrics();
    this.startMs = performance.now();
  }

  pollNext(cx: Context): Poll<MetricsWindow> {
    const now = performance.now();
    if (now - this.startMs >= this.ms) {
      this.stopTimer();
      const m = this.rt.metrics();
      const b = this.base;
      const window: MetricsWindow = {
        startMs: this.startMs,
        durationMs: now - this.startMs,
        tasksSpawned: m.tasksSpawned - b.tasksSpawned,
        tasksFinished: finished(m) - finished(b),
        tasksAlive: m.tasksAlive,
        polls: m.polls - b.polls,
        wakes: m.wakesInside + m.wakesOutside + m.selfWakes - (b.wakesInside + b.wakesOutside + b.selfWakes),
        selfWakes: m.selfWakes - b.selfWakes,
        busyMs: m.busyMs - b.busyMs,
        slowPolls: m.slowPolls - b.slowPolls,
        budgetYields: m.budgetYields - b.budgetYields,
        eventLoopYields: m.eventLoopYields - b.eventLoopYields,
        queueDepth: m.queueDepth,
        timersPending: m.timersPending,
        pendingSources: m.pendingSources,
        pollDurations: minus(m.pollDurations, b.pollDurations),
        scheduledDelays: minus(m.scheduledDelays, b.scheduledDelays),
      };
      this.base = m;
      this.startMs = now;
      return window;
    }
    this.waker = cx.waker;
    if (this.timer === null) {
      this.rt.sources++;
      this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(this.startMs + this.ms - now)));
    }
    return PENDING;
  }

  private readonly fire = (): void => {
    this.timer = null;
    this.rt.sources--;
    const w = this.waker;
    this.waker = null;
    w?.wake();
  };

  private stopTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
      this.rt.sources--;
    }
  }

  /** A future of the next window. */
  next(): FutureBase<MetricsWindow> {
    return new NextWindow(this);
  }

  /** Stop waiting: the timer is cleared and no longer counts as a wake source. */
  cancel(): void {
    this.stopTimer();
    this.waker = null;
  }

  [Symbol.dispose](): void {
    this.cancel();
  }

  describe(): string {
    return `runtime.intervals(${this.ms})`;
  }
}

class NextWindow extends FutureBase<MetricsWindow> {
  constructor(private readonly windows: MetricsIntervals) {
    super();
  }

  poll(cx: Context): Poll<MetricsWindow> {
    return this.windows.pollNext(cx);
  }

  override cancel(): void {
    this.windows.cancel();
  }

  override describe(): string {
    return `${this.windows.describe()}.next()`;
  }
}
