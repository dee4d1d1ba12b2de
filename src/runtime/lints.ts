/**
 * `runtime.lints()`: the classic mistakes of async code, named from what full instrumentation
 * measured, each with its fix. Computed on demand from the task records (no cost on the hot path
 * beyond the records themselves). Findings about many tasks of one task function are grouped by
 * spawn site: 10,000 connections blocking the same way are one finding, not 10,000.
 */
import { type GrowthFinding, sampleGrowth } from "../task/growth-watch.js";
import { IDLE } from "../task/task.js";
import { formatSpawnSite } from "./slow-poll.js";
import type { Lint, LintKind } from "./task-metrics-types.js";
import { type TaskRecord, type TaskTracker, TINY_JOB_MS } from "./task-tracker.js";

/** One poll this long never let anything else run: an error, not a warning. */
export const NEVER_YIELDED_MS = 1000;
/** Self-wake loop: more than half of at least this many wakes were self-wakes. */
export const SELF_WAKE_MIN_WAKES = 100;
/** Spawn per tiny job: at least this many tasks of one site lived one tiny poll... */
export const TINY_JOBS_MIN = 1000;
/** Task ids listed in one finding. */
const IDS_SHOWN = 10;

/** Tasks of one spawn site that show one problem. */
interface Group {
  readonly site: Error | null;
  readonly tasks: TaskRecord[];
}

function groupBySite(records: Iterable<TaskRecord>, matches: (s: TaskRecord) => boolean): Group[] {
  const groups = new Map<Error | null, Group>();
  for (const s of records) {
    if (!matches(s)) continue;
    let g = groups.get(s.site);
    if (g === undefined) {
      g = { site: s.site, tasks: [] };
      groups.set(s.site, g);
    }
    g.tasks.push(s);
  }
  return [...groups.values()];
}

/** `task #3 "conn"` or `12 tasks (#3, #4, ...)`, with the spawn site. */
function who(g: Group): string {
  const site = formatSpawnSite(g.site);
  const at = site === undefined ? "" : ` spawned at ${site}`;
  if (g.tasks.length === 1) return `task ${g.tasks[0]!.task.label}${at}`;
  const ids = g.tasks.slice(0, IDS_SHOWN).map((s) => `#${s.task.id}`);
  if (g.tasks.length > IDS_SHOWN) ids.push("...");
  return `${g.tasks.length} tasks${at} (${ids.join(", ")})`;
}

function lint(kind: LintKind, severity: Lint["severity"], g: Group, message: string): Lint {
  return {
    kind,
    severity,
    message,
    taskIds: g.tasks.map((s) => s.task.id),
    site: formatSpawnSite(g.site),
  };
}

function ms(value: number): string {
  return value >= 10 ? `${Math.round(value)} ms` : `${Math.round(value * 100) / 100} ms`;
}

function longest(g: Group): number {
  let max = 0;
  for (const s of g.tasks) if ((s.detail?.maxPoll ?? 0) > max) max = s.detail!.maxPoll;
  return max;
}

/** Every finding for `tracker`'s runtime, errors first. */
export function computeLints(
  tracker: TaskTracker,
  live: readonly TaskRecord[],
  slowPollMs: number,
  now: number,
): Lint[] {
  const out: Lint[] = [];
  const records = [...live, ...tracker.finishedStats()];

  for (const g of groupBySite(records, (s) => (s.detail?.maxPoll ?? 0) >= NEVER_YIELDED_MS)) {
    out.push(
      lint(
        "never-yielded",
        "error",
        g,
        `${who(g)} ran ${ms(longest(g))} in one poll: nothing else ran meanwhile (no task, timer, socket or ` +
          "Ctrl-C). Move the work to spawnBlocking(), or split the loop with `yield* yieldNow()` every few milliseconds.",
      ),
    );
  }
  for (const g of groupBySite(
    records,
    (s) => (s.detail?.slowPolls ?? 0) > 0 && (s.detail?.maxPoll ?? 0) < NEVER_YIELDED_MS,
  )) {
    const polls = g.tasks.reduce((n, s) => n + (s.detail?.slowPolls ?? 0), 0);
    out.push(
      lint(
        "slow-poll",
        "warning",
        g,
        `${who(g)} blocked the event loop: ${polls} poll${polls === 1 ? "" : "s"} longer than ${ms(slowPollMs)} ` +
          `(longest ${ms(longest(g))}); every other task waited. Move blocking or CPU-heavy work to ` +
          "spawnBlocking(), or split it with `yield* yieldNow()`.",
      ),
    );
  }
  for (const g of groupBySite(
    live,
    (s) => s.task.state === IDLE && s.doneAt < 0 && s.detail?.lastPollLost === true,
  )) {
    out.push(
      lint(
        "lost-waker",
        "error",
        g,
        `${who(g)} is waiting, but its last poll returned PENDING without reading cx.waker and without waking ` +
          "itself: nothing holds its waker, so it can never wake. A hand-written future must store `cx.waker` " +
          "(and wake it when ready) every time it returns PENDING.",
      ),
    );
  }
  for (const g of groupBySite(
    records,
    (s) =>
      s.detail !== null && s.detail.wakes >= SELF_WAKE_MIN_WAKES && s.detail.selfWakes * 2 > s.detail.wakes,
  )) {
    const wakes = g.tasks.reduce((n, s) => n + (s.detail?.wakes ?? 0), 0);
    const self = g.tasks.reduce((n, s) => n + (s.detail?.selfWakes ?? 0), 0);
    out.push(
      lint(
        "self-wake-loop",
        "warning",
        g,
        `${who(g)} woke itself ${self} times out of ${wakes} wakes (${Math.round((self / wakes) * 100)}%): it ` +
          "polls in a loop instead of waiting for an event (busy-waiting with yieldNow, or a future that wakes " +
          "its own waker before returning PENDING). Wait on a channel, Notify or timer that fires when there is work.",
      ),
    );
  }
  for (const [site, tally] of tracker.sites) {
    // Sampled: the share of tiny ones among one-poll tasks whose poll was timed, over all one-poll tasks.
    if (tally.onePollSampled === 0) continue;
    const tiny = Math.round((tally.onePoll * tally.tinySampled) / tally.onePollSampled);
    if (tiny < TINY_JOBS_MIN || tiny * 2 < tally.finished) continue;
    const where = formatSpawnSite(site);
    out.push({
      kind: "spawn-per-tiny-job",
      severity: "warning",
      message:
        `${tiny === tally.finished ? "all" : `about ${tiny} of`} ${tally.finished} tasks${where === undefined ? "" : ` spawned at ${where}`} lived one ` +
        `poll of under ${TINY_JOB_MS * 1000} µs: a spawn costs more than their work. Run such jobs inside one ` +
        "task with join()/joinAll() or a FuturesUnordered, or batch them.",
      taskIds: tally.sample,
      site: where,
    });
  }
  for (const f of sampleGrowth(now)) out.push(growthLint(f));
  return out;
}

function growthLint(f: GrowthFinding): Lint {
  const site = formatSpawnSite(f.site);
  return {
    kind: "unbounded-growth",
    severity: "warning",
    message:
      `a ${f.kind}${site === undefined ? "" : ` created at ${site}`} keeps growing: ${f.sizes.join(" → ")} items ` +
      "over the last windows. Its consumer is slower than its producers: bound it (mpsc.channel(n) makes " +
      "senders wait; a Semaphore caps in-flight tasks) or drain it faster.",
    taskIds: [],
    site,
  };
}
