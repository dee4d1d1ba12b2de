/**
 * Blocking detection: a task poll that runs longer than `slowPollMs` held the event loop, and every
 * other task, timer and socket waited. The runtime measures each poll (two clock reads) and hands
 * a slow one to `SlowPolls.report`, which rate-limits per task and calls `onSlowPoll`.
 *
 * Where the task was spawned is the most useful thing to print (the slow code is usually in the
 * task's own function), so with detection on a spawn captures a cheap, unformatted stack
 * (`spawnSite`); it is formatted only when reported.
 */
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

/** pollux's own directory (`src/` or `dist/`): frames there are not the user's spawn site. */
const POLLUX_DIR = new URL("../", import.meta.url).href;
const POLLUX_PATH = POLLUX_DIR.startsWith("file://") ? decodeURIComponent(POLLUX_DIR.slice(7)) : POLLUX_DIR;

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
    if (where.startsWith(POLLUX_DIR) || where.startsWith(POLLUX_PATH) || where.startsWith("node:")) continue;
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

  constructor(private readonly hook: (info: SlowPollInfo) => void) {}

  report(task: Task<unknown>, site: Error | null, durationMs: number, now: number): void {
    const last = this.lastReport.get(task);
    if (last !== undefined && now - last < REPORT_EVERY_MS) return;
    this.lastReport.set(task, now);
    const spawnSite = formatSpawnSite(site);
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
