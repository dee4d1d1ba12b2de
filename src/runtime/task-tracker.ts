/**
 * Full instrumentation (`instrument: true`): a record per task, runtime-wide histograms, and the
 * tallies the lints read.
 *
 * Kept off the task: a runtime without full instrumentation pays nothing per task, not even a
 * field (Node has no pointer compression; a field is 8 bytes on every task). The runtime calls the
 * tracker at four points only when it has one: spawn, wake of an idle task, each poll, and
 * completion outside a poll.
 *
 * Time: one clock read per poll (the end of one poll is the start of the next in a drain). A wake
 * inside a poll is stamped with the start of that poll instead of reading the clock, so a
 * scheduled delay can be over-stated by the waking poll's own duration (short, or a slow-poll lint
 * names it). Wakes from outside any poll read the clock.
 */
import { describeFuture } from "../future/future.js";
import { COMPLETE, IDLE, SCHEDULED, type Task } from "../task/task.js";
import { BUCKETS, bucketOf, Histogram, snapshotOf } from "./histogram.js";
import { formatSpawnSite } from "./slow-poll.js";
import type { TaskMetrics, TaskState } from "./task-metrics-types.js";

/** tokio-metrics' default: a scheduled delay from 50 µs is long. */
const LONG_DELAY_MS = 0.05;
/** A task that lives one poll shorter than this is a tiny job (see the spawn-per-tiny-job lint). */
export const TINY_JOB_MS = 0.05;
/** Finished tasks kept for `taskMetrics()` (the console shows them as done). */
const FINISHED_KEPT = 1000;

/** One task's record. Plain number fields, updated in place. */
export class TaskStats {
  firstPollAt = -1;
  polls = 0;
  pollTime = 0;
  fastPolls = 0;
  fastTime = 0;
  slowPolls = 0;
  slowTime = 0;
  maxPoll = 0;
  /** When it last became runnable (spawn, wake, self-wake requeue); read at its next poll. */
  scheduledAt: number;
  scheduled = 0;
  scheduledTime = 0;
  shortDelays = 0;
  longDelays = 0;
  longDelayTime = 0;
  idled = 0;
  idleTime = 0;
  maxIdle = 0;
  /** When its last poll left it idle, or -1 while it is runnable or running. */
  idleSince = -1;
  wakes = 0;
  selfWakes = 0;
  lostWakerPolls = 0;
  /** The last poll returned PENDING without reading `cx.waker` and without a self-wake. */
  lastPollLost = false;
  doneAt = -1;
  /** Duration of the first poll (µs): tasks that live one poll never allocate a histogram. */
  firstPollUs = 0;
  hist: Float64Array | null = null;
  /** What it awaited when it finished (the task's own record is gone then). */
  finalAwaits = "";

  constructor(
    readonly task: Task<unknown>,
    readonly parentId: number | undefined,
    readonly spawnedAt: number,
    /** The spawn site capture shared by the task function's tasks (see slow-poll.ts). */
    readonly site: Error | null,
  ) {
    this.scheduledAt = spawnedAt;
  }
}

/** Per spawn site: how many tasks finished, and how many of them were tiny jobs. */
export interface SiteTally {
  finished: number;
  tiny: number;
  /** A few ids of tiny tasks, for the lint. */
  readonly sample: number[];
}

export class TaskTracker {
  private readonly live = new Map<Task<unknown>, TaskStats>();
  private readonly finished: TaskStats[] = [];
  private finishedNext = 0;
  readonly pollDurations = new Histogram();
  readonly scheduledDelays = new Histogram();
  /** Keyed by the spawn-site capture (one per task function). */
  readonly sites = new Map<Error | null, SiteTally>();
  /** Start of the poll in progress: the time stamp of wakes inside it. */
  pollStart = 0;

  constructor(readonly slowPollMs: number) {}

  spawned(task: Task<unknown>, parent: Task<unknown> | null, site: Error | null): void {
    const now = parent !== null ? this.pollStart : performance.now();
    this.live.set(task, new TaskStats(task, parent?.id, now, site));
  }

  /** An idle task was woken (it goes to the run queue). */
  woken(task: Task<unknown>, insidePoll: boolean): void {
    const s = this.live.get(task);
    if (s === undefined) return;
    const now = insidePoll ? this.pollStart : performance.now();
    s.wakes++;
    s.scheduledAt = now;
    if (s.idleSince >= 0) {
      const idle = now - s.idleSince;
      s.idleTime += idle;
      if (idle > s.maxIdle) s.maxIdle = idle;
      s.idleSince = -1;
    }
  }

  /** The record of `task`, read before its poll (a task that completes drops its record). */
  get(task: Task<unknown>): TaskStats | undefined {
    return this.live.get(task);
  }

  /**
   * `task` was polled from `start` to `end`; `selfWakes` of it happened during the poll;
   * `wakerRead` says whether the poll read a waker (see `current.wakerRead`).
   */
  polled(s: TaskStats, start: number, end: number, selfWakes: number, wakerRead: boolean): void {
    const took = end - start;
    const us = took * 1000;
    const delay = start - s.scheduledAt;
    if (s.polls === 0) {
      s.firstPollAt = start;
      s.firstPollUs = us;
    } else {
      if (s.hist === null) {
        s.hist = new Float64Array(BUCKETS);
        s.hist[bucketOf(s.firstPollUs)]!++;
      }
      s.hist[bucketOf(us)]!++;
      // The first poll's delay is `firstPollDelay`; later ones are scheduled delays.
      s.scheduled++;
      s.scheduledTime += delay;
      if (delay < LONG_DELAY_MS) s.shortDelays++;
      else {
        s.longDelays++;
        s.longDelayTime += delay;
      }
    }
    this.scheduledDelays.recordUs(delay * 1000);
    this.pollDurations.recordUs(us);
    s.polls++;
    s.pollTime += took;
    if (took > s.maxPoll) s.maxPoll = took;
    if (took > this.slowPollMs) {
      s.slowPolls++;
      s.slowTime += took;
    } else {
      s.fastPolls++;
      s.fastTime += took;
    }
    if (selfWakes > 0) {
      s.selfWakes += selfWakes;
      s.wakes += selfWakes;
    }
    const state = s.task.state;
    if (state === IDLE) {
      s.idled++;
      s.idleSince = end;
      s.lastPollLost = !wakerRead;
      if (!wakerRead) s.lostWakerPolls++;
    } else if (state === SCHEDULED) {
      s.scheduledAt = end; // woke itself: requeued behind the others
      s.lastPollLost = false;
    } else if (state === COMPLETE) {
      this.finish(s, end);
    }
  }

  /** A task completed outside its poll (abandoned by a bounded shutdown). */
  completedOutsidePoll(task: Task<unknown>): void {
    const s = this.live.get(task);
    if (s !== undefined) this.finish(s, performance.now());
  }

  private finish(s: TaskStats, now: number): void {
    s.doneAt = now;
    s.finalAwaits = "";
    this.live.delete(s.task);
    let tally = this.sites.get(s.site);
    if (tally === undefined) {
      tally = { finished: 0, tiny: 0, sample: [] };
      this.sites.set(s.site, tally);
    }
    tally.finished++;
    if (s.polls === 1 && s.pollTime < TINY_JOB_MS) {
      tally.tiny++;
      if (tally.sample.length < 5) tally.sample.push(s.task.id);
    }
    if (this.finished.length < FINISHED_KEPT) this.finished.push(s);
    else {
      this.finished[this.finishedNext] = s;
      this.finishedNext = (this.finishedNext + 1) % FINISHED_KEPT;
    }
  }

  /** Records of live tasks (spawn order). */
  liveStats(): IterableIterator<TaskStats> {
    return this.live.values();
  }

  /** Records of recently finished tasks (up to FINISHED_KEPT). */
  finishedStats(): readonly TaskStats[] {
    return this.finished;
  }

  parentOf(task: Task<unknown>): number | undefined {
    return this.live.get(task)?.parentId;
  }

  /** The per-task table: live tasks (spawn order), then the most recently finished ones. */
  table(now: number): TaskMetrics[] {
    const out: TaskMetrics[] = [];
    for (const s of this.live.values()) out.push(row(s, now));
    const n = this.finished.length;
    for (let i = 0; i < n; i++) out.push(row(this.finished[(this.finishedNext + i) % n]!, now));
    return out;
  }
}

const STATES: readonly TaskState[] = ["idle", "scheduled", "running", "done"];

function row(s: TaskStats, now: number): TaskMetrics {
  const task = s.task;
  const state = s.doneAt >= 0 ? "done" : STATES[task.state]!;
  const end = s.doneAt >= 0 ? s.doneAt : now;
  // Idle right now counts toward idle time and the longest idle stretch.
  const idleNow = s.idleSince >= 0 && s.doneAt < 0 ? now - s.idleSince : 0;
  let hist: ArrayLike<number>;
  if (s.hist !== null) hist = s.hist;
  else {
    const one = new Float64Array(BUCKETS);
    if (s.polls === 1) one[bucketOf(s.firstPollUs)] = 1;
    hist = one;
  }
  return {
    id: task.id,
    name: task.name,
    parentId: s.parentId,
    spawnSite: formatSpawnSite(s.site),
    state,
    awaits: state === "idle" || state === "scheduled" ? describeFuture(task.awaiting) : "",
    ageMs: end - s.spawnedAt,
    firstPollDelayMs: s.firstPollAt >= 0 ? s.firstPollAt - s.spawnedAt : undefined,
    totalPollCount: s.polls,
    totalPollDurationMs: s.pollTime,
    totalFastPollCount: s.fastPolls,
    totalFastPollDurationMs: s.fastTime,
    totalSlowPollCount: s.slowPolls,
    totalSlowPollDurationMs: s.slowTime,
    maxPollDurationMs: s.maxPoll,
    totalScheduledCount: s.scheduled,
    totalScheduledDurationMs: s.scheduledTime,
    totalShortDelayCount: s.shortDelays,
    totalLongDelayCount: s.longDelays,
    totalLongDelayDurationMs: s.longDelayTime,
    totalIdledCount: s.idled,
    totalIdleDurationMs: s.idleTime + idleNow,
    maxIdleDurationMs: Math.max(s.maxIdle, idleNow),
    wakes: s.wakes,
    selfWakes: s.selfWakes,
    lostWakerPolls: s.lostWakerPolls,
    pollDurations: snapshotOf(hist, s.polls),
  };
}
