/**
 * Full instrumentation (`instrument: true`): a record per task, runtime-wide histograms, and the
 * tallies the lints read.
 *
 * What it costs, and how that is kept small:
 * - Each task's record hangs off the task (`Task.record`): no map look-up per poll or wake. A
 *   task of a runtime without full instrumentation carries a null there and nothing else.
 * - Counts are exact: polls, wakes, self-wakes, idles, lost-waker polls.
 * - Durations are sampled, as Go's runtime samples scheduling latency: a clock read costs more
 *   than a whole task switch (~30–85 ns on the machines measured), so one poll in `pollSampling`
 *   per task (and the wake before it) is timed with `performance.now()`, the first poll of one task
 *   in `pollSampling` too; busy time and scheduled delay are estimated from those samples.
 * - Long polls are measured exactly anyway: the poll watch (poll-watch.ts) sees every poll of
 *   ~1 ms or more, so slow polls and their time are counted whatever the sampling.
 * - Idle stretches and ages use a coarse clock: the last clock read of the drain (read at least
 *   every `eventInterval` polls); wakes from outside any poll read the clock.
 */
import { describeFuture } from "../future/future.js";
import { COMPLETE, IDLE, SCHEDULED, type Task } from "../task/task.js";
import { Histogram } from "./histogram.js";
import { formatSpawnSite, type SlowPolls } from "./slow-poll.js";
import type { TaskMetrics, TaskState } from "./task-metrics-types.js";

/** tokio-metrics' default: a scheduled delay from 50 µs is long. */
const LONG_DELAY_MS = 0.05;
/** A task that lives one poll shorter than this is a tiny job (see the spawn-per-tiny-job lint). */
export const TINY_JOB_MS = 0.05;
/** Finished tasks kept for `taskMetrics()` (the console shows them as done). */
const FINISHED_KEPT = 1000;

/** Per-task histograms are coarser than the runtime's: one bucket per power of two of µs. */
const TASK_BUCKETS = 28;
const TASK_BOUNDS: readonly number[] = Array.from({ length: TASK_BUCKETS }, (_, k) =>
  k === 0 ? 0 : 2 ** (k - 1),
);

/**
 * A task's record under full instrumentation, in `Task.record`: a poll or a wake updates it
 * through the task already in hand (no map look-up). What every task needs is here; the rest
 * (`detail`) is allocated when the task first waits, wakes or has a poll measured, so a task that
 * lives one unmeasured poll (most of a spawn-heavy workload) stays small: every byte of a task is
 * paid again by the garbage collector when many are alive at once.
 */
export class TaskRecord {
  constructor(readonly task: Task<unknown>) {}
  parentId: number | undefined = undefined;
  /** When it was spawned (coarse clock, or the clock when its first poll is sampled). */
  spawnedAt = 0;
  /** The spawn site capture shared by the task function's tasks (see slow-poll.ts). */
  site: Error | null = null;
  polls = 0;
  doneAt = -1;
  /** Clock time of the wake (or spawn) before a sampled poll; -1 when none is pending. */
  scheduledAt = -1;
  /** Spawn → first poll, when that poll was sampled; else -1. */
  firstPollDelay = -1;
  /** The first poll's duration when it was sampled and was the task's only poll; else -1. */
  onlyPollTime = -1;
  detail: TaskDetail | null = null;

  /** The detail record, allocated on first use. */
  get more(): TaskDetail {
    let d = this.detail;
    if (d === null) {
      d = new TaskDetail();
      this.detail = d;
    }
    return d;
  }
}

/** The part of a task's record a one-poll task never needs. */
export class TaskDetail {
  /** Polls timed by the clock (sampled), and their time. */
  sampledPolls = 0;
  sampledTime = 0;
  /** Polls not sampled but seen by the poll watch (≥ ~1 ms), and their time. */
  watchedPolls = 0;
  watchedTime = 0;
  slowPolls = 0;
  slowTime = 0;
  maxPoll = 0;
  scheduled = 0;
  delaySamples = 0;
  delayTime = 0;
  longDelaySamples = 0;
  longDelayTime = 0;
  idled = 0;
  idleTime = 0;
  maxIdle = 0;
  /** When its last poll left it idle (coarse clock), or -1 while runnable, running or done. */
  idleSince = -1;
  wakes = 0;
  selfWakes = 0;
  lostWakerPolls = 0;
  /** The last poll returned PENDING without reading `cx.waker` and without a self-wake. */
  lastPollLost = false;
  /** Measured polls per power of two of microseconds (see TASK_BOUNDS). */
  hist: number[] | null = null;

  /** A poll ending at `now` left the task waiting; `wakerRead`: that poll read a waker. */
  wentIdle(now: number, wakerRead: boolean): void {
    this.idled++;
    this.idleSince = now;
    this.lastPollLost = !wakerRead;
    if (!wakerRead) this.lostWakerPolls++;
  }

  /** Woken at `now` (idle since `idleSince`, if it was): add the idle stretch. */
  woke(now: number): void {
    this.wakes++;
    this.scheduled++;
    const since = this.idleSince;
    if (since >= 0) {
      const idle = now - since;
      this.idleTime += idle;
      if (idle > this.maxIdle) this.maxIdle = idle;
      this.idleSince = -1;
    }
  }

  recordPoll(ms: number): void {
    const us = ms * 1000;
    const k = us >= 2 ** 26 ? TASK_BUCKETS - 1 : 32 - Math.clz32(us | 0);
    if (this.hist === null) this.hist = new Array<number>(TASK_BUCKETS).fill(0);
    this.hist[k]!++;
    if (ms > this.maxPoll) this.maxPoll = ms;
  }

  /**
   * Estimated busy time of `polls` polls: watched ones exactly, the others at the mean of this
   * task's sampled polls, or, before it has one, at `siteMean` (its spawn site's sampled mean).
   */
  busy(polls: number, siteMean: number): number {
    const rest = polls - this.watchedPolls;
    const mean = this.sampledPolls > 0 ? this.sampledTime / this.sampledPolls : siteMean;
    return this.watchedTime + mean * rest;
  }
}

const NO_COUNTS: readonly number[] = Object.freeze(new Array<number>(TASK_BUCKETS).fill(0));

/** What a task without detail reads as. */
const NO_DETAIL = new TaskDetail();

/** The detail of a task that lived one sampled poll of `ms` (rebuilt for the table only). */
function onlyPoll(ms: number): TaskDetail {
  const d = new TaskDetail();
  d.sampledPolls = 1;
  d.sampledTime = ms;
  d.recordPoll(ms);
  return d;
}

/** Per spawn site: how many tasks finished, and how many of the sampled ones were tiny jobs. */
export interface SiteTally {
  finished: number;
  /** Polls timed by the clock among this site's tasks, and their time: the site's mean poll. */
  sampledPolls: number;
  sampledTime: number;
  /** Finished after exactly one poll, of which `onePollSampled` had that poll timed. */
  onePoll: number;
  onePollSampled: number;
  tinySampled: number;
  /** A few ids of tiny tasks, for the lint. */
  readonly sample: number[];
}

export class TaskTracker {
  /**
   * Recently finished tasks, for the table, with when they finished and their spawn site (a task
   * that lived one unmeasured poll has no record to keep them). A finished task keeps its output
   * (or error) until it leaves this ring, 1,000 finishes later: the price of keeping its figures
   * without copying them.
   */
  private readonly finished: Task<unknown>[] = [];
  private readonly finishedAt = new Float64Array(FINISHED_KEPT);
  private readonly finishedSite: (Error | null)[] = [];
  private finishedNext = 0;
  readonly pollDurations = new Histogram();
  readonly scheduledDelays = new Histogram();
  /** Keyed by the spawn-site capture (one per task function). */
  readonly sites = new Map<Error | null, SiteTally>();
  private lastSite: Error | null | undefined = undefined;
  private lastTally: SiteTally | null = null;
  /** The last clock reading of the drain: time stamps that need no precision. */
  coarseNow = performance.now();
  /** The duration of the last poll timed by the clock. */
  lastTook = 0;
  /** `pollSampling - 1`: a task's poll n is timed when `(n + id) & mask` is 0. */
  readonly mask: number;

  constructor(
    readonly slowPollMs: number,
    pollSampling: number,
    /** Spawn sites by task function (blocking detection's, always on with full instrumentation). */
    private readonly spawnSites: SlowPolls,
  ) {
    this.mask = pollSampling - 1;
  }

  /**
   * A task was spawned. Only a task whose first poll is sampled gets its record now (it needs the
   * spawn's time); the others keep their parent's id in `record` and get a record when their
   * first poll leaves them alive, so a task that lives one poll allocates nothing.
   */
  spawned(task: Task<unknown>, parent: Task<unknown> | null, site: Error | null): void {
    if ((task.id & this.mask) !== 0) {
      task.record = parent === null ? 0 : parent.id;
      return;
    }
    const now = performance.now();
    const s = new TaskRecord(task);
    task.record = s;
    s.parentId = parent?.id;
    s.spawnedAt = now;
    s.site = site;
    s.scheduledAt = now;
  }

  /** The record of `task`, made now if it has none (`root`: what it ran, for its spawn site). */
  private recordOf(task: Task<unknown>, root: object | null): TaskRecord {
    const r = task.record;
    if (typeof r === "object" && r !== null) return r as TaskRecord;
    const s = new TaskRecord(task);
    s.parentId = r === 0 || r === null ? undefined : r;
    // The spawn's time was not taken: the first poll's (coarse) stands for it.
    s.spawnedAt = this.coarseNow;
    s.site = this.spawnSites.siteOf(root);
    task.record = s;
    return s;
  }

  /**
   * An idle task was woken (it goes to the run queue). The common case (a wake inside a poll,
   * before a poll that is not sampled) is a few field updates, no clock read, no allocation.
   */
  woken(task: Task<unknown>, insidePoll: boolean): void {
    const r = task.record;
    if (insidePoll && typeof r === "object" && r !== null) {
      const s = r as TaskRecord;
      const d = s.detail;
      if (d !== null && ((s.polls + task.id) & this.mask) !== 0) {
        d.woke(this.coarseNow);
        return;
      }
    }
    this.wokenSlow(task, insidePoll);
  }

  private wokenSlow(task: Task<unknown>, insidePoll: boolean): void {
    const s = this.recordOf(task, task.root);
    const sampled = ((s.polls + task.id) & this.mask) === 0;
    const now = sampled || !insidePoll ? performance.now() : this.coarseNow;
    if (sampled) s.scheduledAt = now;
    s.more.woke(now);
  }

  /** Whether `task`'s next poll is timed. */
  sampled(task: Task<unknown>): boolean {
    const r = task.record;
    return typeof r === "number"
      ? (task.id & this.mask) === 0
      : (((r as TaskRecord).polls + task.id) & this.mask) === 0;
  }

  /** A poll timed by the clock, from `start` to `end`; `root` is what the task ran. */
  timed(
    task: Task<unknown>,
    root: object | null,
    start: number,
    end: number,
    selfWakes: number,
    wakerRead: boolean,
  ): void {
    this.coarseNow = end;
    const took = end - start;
    this.pollDurations.recordUs(took * 1000);
    const s = this.recordOf(task, root);
    const site = this.tally(s.site);
    site.sampledPolls++;
    site.sampledTime += took;
    let delay = -1;
    if (s.scheduledAt >= 0) {
      delay = start - s.scheduledAt;
      s.scheduledAt = -1;
      this.scheduledDelays.recordUs(delay * 1000);
      if (s.polls === 0) s.firstPollDelay = delay;
    }
    if (s.polls === 0 && s.detail === null && task.state === COMPLETE && took <= this.slowPollMs) {
      // Lived one sampled poll: its figures fit the record, no detail needed.
      s.onlyPollTime = took;
      s.polls = 1;
      this.lastTook = took;
      this.finish(s, true);
      return;
    }
    const d = s.more;
    d.sampledPolls++;
    d.sampledTime += took;
    d.recordPoll(took);
    if (delay >= 0 && s.polls > 0) {
      d.delaySamples++;
      d.delayTime += delay;
      if (delay >= LONG_DELAY_MS) {
        d.longDelaySamples++;
        d.longDelayTime += delay;
      }
    }
    if (took > this.slowPollMs) {
      d.slowPolls++;
      d.slowTime += took;
    }
    this.lastTook = took;
    this.after(s, selfWakes, wakerRead, true);
  }

  /** A poll not sampled; `took` is the poll watch's measure, or -1 when it did not see the poll. */
  untimed(
    task: Task<unknown>,
    root: object | null,
    took: number,
    selfWakes: number,
    wakerRead: boolean,
  ): void {
    if (took < 0 && typeof task.record === "number" && task.state === COMPLETE) {
      // Lived one unmeasured poll: no record, only the tally and the ring.
      this.finishBare(task, this.spawnSites.siteOf(root));
      return;
    }
    const s = this.recordOf(task, root);
    if (took >= 0) {
      const d = s.more;
      d.watchedPolls++;
      d.watchedTime += took;
      d.recordPoll(took);
      this.pollDurations.recordUs(took * 1000);
      if (took > this.slowPollMs) {
        d.slowPolls++;
        d.slowTime += took;
      }
    }
    this.after(s, selfWakes, wakerRead, false);
  }

  /**
   * Bookkeeping after any poll, which ended at `coarseNow`; `timed`: it was timed by the clock
   * (its duration in `lastTook`). No number arguments: a double passed to a call that is not
   * inlined is boxed, an allocation per poll.
   */
  private after(s: TaskRecord, selfWakes: number, wakerRead: boolean, timed: boolean): void {
    s.polls++;
    if (selfWakes > 0) {
      const d = s.more;
      d.selfWakes += selfWakes;
      d.wakes += selfWakes;
    }
    const state = s.task.state;
    if (state === IDLE) {
      s.more.wentIdle(this.coarseNow, wakerRead);
    } else if (state === SCHEDULED) {
      // It woke itself: requeued behind the others.
      const d = s.more;
      d.scheduled++;
      d.lastPollLost = false;
      if (((s.polls + s.task.id) & this.mask) === 0)
        s.scheduledAt = timed ? this.coarseNow : performance.now();
    } else if (state === COMPLETE) {
      this.finish(s, timed);
    }
  }

  /** A task completed outside its poll (abandoned by a bounded shutdown). */
  completedOutsidePoll(task: Task<unknown>): void {
    const s = this.recordOf(task, null);
    this.coarseNow = performance.now();
    if (s.doneAt < 0) this.finish(s, false);
  }

  private tally(site: Error | null): SiteTally {
    let tally = this.lastTally;
    if (this.lastSite !== site || tally === null) {
      tally = this.sites.get(site) ?? null;
      if (tally === null) {
        tally = {
          finished: 0,
          sampledPolls: 0,
          sampledTime: 0,
          onePoll: 0,
          onePollSampled: 0,
          tinySampled: 0,
          sample: [],
        };
        this.sites.set(site, tally);
      }
      this.lastSite = site;
      this.lastTally = tally;
    }
    return tally;
  }

  /** A task finished in its first poll, which was not measured. */
  private finishBare(task: Task<unknown>, site: Error | null): void {
    const tally = this.tally(site);
    tally.finished++;
    tally.onePoll++;
    this.keep(task, site);
  }

  /** It finished at `coarseNow`; `timed`: its last poll was timed (`lastTook`). */
  private finish(s: TaskRecord, timed: boolean): void {
    s.doneAt = this.coarseNow;
    if (s.detail !== null) s.detail.idleSince = -1;
    const tally = this.tally(s.site);
    tally.finished++;
    if (s.polls === 1) {
      tally.onePoll++;
      if (timed) {
        tally.onePollSampled++;
        if (this.lastTook < TINY_JOB_MS) {
          tally.tinySampled++;
          if (tally.sample.length < 5) tally.sample.push(s.task.id);
        }
      }
    }
    this.keep(s.task, s.site);
  }

  private keep(task: Task<unknown>, site: Error | null): void {
    const i = this.finished.length < FINISHED_KEPT ? this.finished.length : this.finishedNext;
    this.finished[i] = task;
    this.finishedSite[i] = site;
    this.finishedAt[i] = this.coarseNow;
    if (this.finished.length === FINISHED_KEPT) this.finishedNext = (i + 1) % FINISHED_KEPT;
  }

  /** Records of recently finished tasks that have one (up to FINISHED_KEPT). */
  finishedStats(): TaskRecord[] {
    const out: TaskRecord[] = [];
    for (const t of this.finished)
      if (typeof t.record === "object" && t.record !== null) out.push(t.record as TaskRecord);
    return out;
  }

  /** The id of the task that spawned `task`. */
  parentOf(task: Task<unknown>): number | undefined {
    const r = task.record;
    if (typeof r === "number") return r === 0 ? undefined : r;
    return (r as TaskRecord | null)?.parentId;
  }

  /** Records of `live` tasks that have one. */
  records(live: readonly Task<unknown>[]): TaskRecord[] {
    const out: TaskRecord[] = [];
    for (const t of live)
      if (typeof t.record === "object" && t.record !== null) out.push(t.record as TaskRecord);
    return out;
  }

  /** The per-task table: `live` tasks (oldest first), then the most recently finished ones. */
  table(live: readonly Task<unknown>[], now: number): TaskMetrics[] {
    const out: TaskMetrics[] = [];
    for (const t of live) out.push(this.row(t, now, -1, null));
    const n = this.finished.length;
    const first = n < FINISHED_KEPT ? 0 : this.finishedNext;
    for (let k = 0; k < n; k++) {
      const i = (first + k) % n;
      out.push(this.row(this.finished[i]!, now, this.finishedAt[i]!, this.finishedSite[i]!));
    }
    return out;
  }

  /** A table row; `doneAt` and `site` for a finished task without a record. */
  private row(task: Task<unknown>, now: number, doneAt: number, site: Error | null): TaskMetrics {
    const r = task.record;
    if (typeof r === "object" && r !== null) {
      const s = r as TaskRecord;
      const t = this.sites.get(s.site);
      return row(s, now, t !== undefined && t.sampledPolls > 0 ? t.sampledTime / t.sampledPolls : 0);
    }
    const done = doneAt >= 0;
    return bareRow(task, this.parentOf(task), done ? site : this.spawnSites.siteOf(task.root), done);
  }
}

/** Formatted spawn sites, per capture: a table of 10,000 tasks of one function formats one. */
const siteTexts = new WeakMap<Error, string | undefined>();

function siteText(site: Error | null): string | undefined {
  if (site === null) return undefined;
  if (siteTexts.has(site)) return siteTexts.get(site);
  const text = formatSpawnSite(site);
  siteTexts.set(site, text);
  return text;
}

const STATES: readonly TaskState[] = ["idle", "scheduled", "running", "done"];

/** `siteMean`: the mean sampled poll of the task's spawn site, for a task with no sample of its own. */
function row(s: TaskRecord, now: number, siteMean: number): TaskMetrics {
  const task = s.task;
  const d = s.detail ?? (s.onlyPollTime >= 0 ? onlyPoll(s.onlyPollTime) : NO_DETAIL);
  const done = s.doneAt >= 0;
  const state = done ? "done" : STATES[task.state]!;
  // Idle right now counts toward idle time and the longest idle stretch.
  const idleNow = d.idleSince >= 0 ? Math.max(0, now - d.idleSince) : 0;
  const busy = d.busy(s.polls, siteMean);
  // Scheduled delays: the sampled ones' mean and long-delay share, over every scheduled poll.
  const perDelay = d.delaySamples > 0 ? d.scheduled / d.delaySamples : 0;
  const longDelays = Math.round(d.longDelaySamples * perDelay);
  const measured = d.sampledPolls + d.watchedPolls;
  return {
    id: task.id,
    name: task.name,
    parentId: s.parentId,
    spawnSite: siteText(s.site),
    state,
    awaits: state === "idle" || state === "scheduled" ? describeFuture(task.awaiting) : "",
    ageMs: Math.max(0, (done ? s.doneAt : now) - s.spawnedAt),
    firstPollDelayMs: s.firstPollDelay >= 0 ? s.firstPollDelay : undefined,
    totalPollCount: s.polls,
    totalPollDurationMs: busy,
    totalFastPollCount: s.polls - d.slowPolls,
    totalFastPollDurationMs: Math.max(0, busy - d.slowTime),
    totalSlowPollCount: d.slowPolls,
    totalSlowPollDurationMs: d.slowTime,
    maxPollDurationMs: d.maxPoll,
    measuredPollCount: measured,
    totalScheduledCount: d.scheduled,
    totalScheduledDurationMs: d.delayTime * perDelay,
    totalShortDelayCount: d.delaySamples > 0 ? d.scheduled - longDelays : 0,
    totalLongDelayCount: longDelays,
    totalLongDelayDurationMs: d.longDelayTime * perDelay,
    totalIdledCount: d.idled,
    totalIdleDurationMs: d.idleTime + idleNow,
    maxIdleDurationMs: Math.max(d.maxIdle, idleNow),
    wakes: d.wakes,
    selfWakes: d.selfWakes,
    lostWakerPolls: d.lostWakerPolls,
    pollDurations: {
      count: measured,
      lowerBoundsUs: TASK_BOUNDS,
      counts: d.hist === null ? NO_COUNTS : d.hist.slice(),
    },
  };
}

/** A task without a record: never polled yet, or finished in one unmeasured poll. */
function bareRow(
  task: Task<unknown>,
  parentId: number | undefined,
  site: Error | null,
  done: boolean,
): TaskMetrics {
  const row = emptyRow(task.id, task.name, parentId, siteText(site));
  return done ? { ...row, state: "done", totalPollCount: 1, totalFastPollCount: 1 } : row;
}

function emptyRow(
  id: number,
  name: string | undefined,
  parentId: number | undefined,
  spawnSite: string | undefined,
): TaskMetrics {
  return {
    id,
    name,
    parentId,
    spawnSite,
    state: "scheduled",
    awaits: "",
    ageMs: 0,
    firstPollDelayMs: undefined,
    totalPollCount: 0,
    totalPollDurationMs: 0,
    totalFastPollCount: 0,
    totalFastPollDurationMs: 0,
    totalSlowPollCount: 0,
    totalSlowPollDurationMs: 0,
    maxPollDurationMs: 0,
    measuredPollCount: 0,
    totalScheduledCount: 0,
    totalScheduledDurationMs: 0,
    totalShortDelayCount: 0,
    totalLongDelayCount: 0,
    totalLongDelayDurationMs: 0,
    totalIdledCount: 0,
    totalIdleDurationMs: 0,
    maxIdleDurationMs: 0,
    wakes: 0,
    selfWakes: 0,
    lostWakerPolls: 0,
    pollDurations: { count: 0, lowerBoundsUs: TASK_BOUNDS, counts: NO_COUNTS },
  };
}
