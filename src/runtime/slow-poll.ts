/**
 * Blocking detection: a task poll that runs longer than `slowPollMs` held the event loop, and every
 * other task, timer and socket waited. The runtime measures polls (through the poll watch, see
 * poll-watch.ts, or a clock read per poll) and hands a slow one to `SlowPolls.report`, which
 * rate-limits per task and calls `onSlowPoll`.
 *
 * Where the task was spawned is the most useful thing to print (the slow code is usually in the
 * task's own function). Capturing a stack costs ~3–8 µs, more than a whole spawn, so it is
 * captured once per task *function* (the generator function's prototype, or the future's class)
 * and shared by every later task of that function: spawning 100,000 tasks of one function pays
 * one capture and a WeakMap look-up each. A generator function created anew for each spawn (a
 * `function* () {}` written inside a loop) is a new function each time and pays the capture
 * each time. The stack is formatted only when a slow poll is reported, and found then from what
 * the task runs (`Task.root`): no field per task.
 */
import { isGenerator } from "../future/into-future.js";
import { label } from "../task/join-error.js";
import type { Task } from "../task/task.js";

/** What `onSlowPoll` receives. */
export interface SlowPollInfo {
  /** The task's id and name. */
  readonly id: number;
  readonly name: string | undefined;
  /** `file:line:column` of the `spawn()` call (or `run()`), when known. */
  readonly spawnSite: string | undefined;
  /** How long the poll took, in milliseconds. */
  readonly durationMs: number;
  /** The line the default handler prints. */
  readonly message: string;
}

/** At most one report per task per this many milliseconds. */
const REPORT_EVERY_MS = 1000;

/**
 * pollux's own code, `src/` and `dist/` (with source maps, frames of `dist/` show as `src/`):
 * frames there are not the user's spawn site.
 */
const ROOT = new URL("../../", import.meta.url).href;
const ROOT_PATH = ROOT.startsWith("file://") ? decodeURIComponent(ROOT.slice(7)) : ROOT;
const OWN = [`${ROOT}src/`, `${ROOT}dist/`, `${ROOT_PATH}src/`, `${ROOT_PATH}dist/`];

/** True when `where` (a path or `file://` URL) is in pollux's own `src/` or `dist/`. */
export function isOwnSource(where: string): boolean {
  return OWN.some((dir) => where.startsWith(dir));
}

const STACK_LIMIT = 8;

/** A spawn site: an Error whose stack is formatted only if a slow poll is reported. Costs ~1 µs. */
export function captureSpawnSite(): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = STACK_LIMIT;
  const site = new Error("spawn site");
  Error.stackTraceLimit = limit;
  return site;
}

/** The first stack frame outside pollux and node internals, as `file:line:column`. */
export function formatSpawnSite(site: Error | null): string | undefined {
  if (site === null) return undefined;
  const lines = (site.stack ?? "").split("\n").slice(1);
  for (const line of lines) {
    const m = /\(?((?:file:\/\/|\/|[A-Za-z]:\\)[^()]*?:\d+:\d+)\)?\s*$/.exec(line.trim());
    if (m === null) continue;
    const where = m[1]!;
    if (where.startsWith("node:") || isOwnSource(where)) continue;
    return where.startsWith("file://") ? decodeURIComponent(where.slice(7)) : where;
  }
  return undefined;
}

/** Default `onSlowPoll`: one line on stderr. */
export function defaultSlowPoll(info: SlowPollInfo): void {
  console.error(info.message);
}

/** Rate-limits and formats slow-poll reports for one runtime. Slow path only. */
export class SlowPolls {
  private readonly lastReport = new WeakMap<object, number>();
  /** Spawn site per task function (see the module comment). */
  private readonly sites = new WeakMap<object, Error>();
  private lastKey: object | null = null;
  private lastSite: Error | null = null;

  constructor(private readonly hook: (info: SlowPollInfo) => void) {}

  /** What identifies a task's code: its generator function (by the generator's prototype) or its future's class. */
  private static keyOf(root: object): object {
    return isGenerator(root) ? Object.getPrototypeOf(root) : (root.constructor ?? root);
  }

  /**
   * Record where a task whose code is `gen` (a generator) or `future` is spawned: captured on the
   * first spawn of that function, shared by its later tasks. Returns that capture.
   */
  recordSite(gen: object | null, future: object | null): Error | null {
    const root = gen ?? future;
    if (root === null) return null;
    const key = SlowPolls.keyOf(root);
    // Spawning many tasks of one function in a row is the common case: skip the WeakMap.
    if (key === this.lastKey) return this.lastSite;
    let site = this.sites.get(key);
    if (site === undefined) {
      site = captureSpawnSite();
      this.sites.set(key, site);
    }
    this.lastKey = key;
    this.lastSite = site;
    return site;
  }

  /** The spawn site recorded for the code `root` (what `Task.root` gave before the poll). */
  siteOf(root: object | null): Error | null {
    if (root === null) return null;
    const key = SlowPolls.keyOf(root);
    if (key === this.lastKey) return this.lastSite;
    return this.sites.get(key) ?? null;
  }

  /** The formatted spawn site of the code `root` (`Task.root`), for reports other than slow polls. */
  spawnSiteOf(root: object | null): string | undefined {
    return formatSpawnSite(this.siteOf(root));
  }

  /** `site`: the spawn site when the caller knows it (full instrumentation's record), else found from `root`. */
  report(
    task: Task<unknown>,
    root: object | null,
    durationMs: number,
    now: number,
    site?: Error | null,
  ): void {
    const last = this.lastReport.get(task);
    if (last !== undefined && now - last < REPORT_EVERY_MS) return;
    this.lastReport.set(task, now);
    const spawnSite = formatSpawnSite(site ?? this.siteOf(root));
    const ms = durationMs >= 10 ? Math.round(durationMs) : Math.round(durationMs * 10) / 10;
    const message =
      `pollux: task ${label(task.id, task.name)}${spawnSite === undefined ? "" : ` (spawned at ${spawnSite})`} ` +
      `blocked the event loop for ${ms} ms in one poll; every other task waited. Move blocking or ` +
      "CPU-heavy work to spawnBlocking(), or split it with `yield* yieldNow()`.";
    try {
      this.hook({ id: task.id, name: task.name, spawnSite, durationMs, message });
    } catch (error) {
      console.error("pollux: onSlowPoll threw", error);
    }
  }
}
