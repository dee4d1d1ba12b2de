/**
 * The task table on the wire: compact rows and deltas.
 *
 * A task is an array in the order of `COLUMNS` (no key names: at 10,000 tasks the names would be
 * most of the message), durations rounded to 10 µs, spawn sites (long, and shared by every task of
 * one function) replaced by an index into a string table that only grows (new entries travel
 * with the update that first uses them). Each update carries only the rows that changed since the
 * previous one and the ids of the tasks that went away; a client that missed an update (new, or too
 * slow to read) gets the whole table instead. Diffing is one pass over the rows, field by field.
 *
 * A timer's description counts down ("sleep (due in 840 ms)"), which would change every sleeping
 * task's row at every update; the table shows it without the countdown ("sleep"), and the task's
 * details (sent whole, for the one task a page selects) show it with. A deadline cannot stand in
 * for it: the runtime's timer clock advances only when its wheel turns, so "due in" is not a
 * steady function of the wall clock.
 *
 * Likewise an idle task's idle time grows by itself. A row whose only change is that growth (still
 * idle, not polled since) is not sent again: the page adds the time since it received the row.
 * So a diff is made against the row as last sent, while a new page gets the fresh rows.
 */
import type { TaskSample } from "./source.js";

/** Column names, in row order; sent to the page once, in the hello message. */
export const COLUMNS = [
  "id",
  "name",
  "state",
  "polls",
  "busyMs",
  "scheduledMs",
  "idleMs",
  "wakes",
  "selfWakes",
  "site",
  "awaits",
  "parentId",
  "slowPolls",
  "maxPollMs",
  "lostWakerPolls",
] as const;

/** The countdown in a timer's description: " (due in 840 ms)". */
const COUNTDOWN = / ?\(due in \d+ ms\)/;

export type Row = (string | number | null)[];

const STATES: Record<string, number> = { running: 0, scheduled: 1, idle: 2, done: 3 };
const IDLE = 2;
const STATE = COLUMNS.indexOf("state");
const POLLS = COLUMNS.indexOf("polls");
const IDLE_MS = COLUMNS.indexOf("idleMs");

function ms(v: number | undefined): number | null {
  return v === undefined ? null : Math.round(v * 100) / 100;
}

function count(v: number | undefined): number | null {
  return v === undefined ? null : v;
}

/** Rows of the latest snapshot, and what changed since the one before. */
export class RowTable {
  /** Spawn sites by index (index 0 is "unknown"). */
  readonly sites: string[] = [""];
  private readonly siteIndex = new Map<string, number>([["", 0]]);
  private rows = new Map<number, Row>();
  /** Each row as last sent in a delta (older than `rows` for an idle task whose idle time grew). */
  private sent = new Map<number, Row>();
  /** Sites added by the latest `update`, as `[index, site]`. */
  newSites: [number, string][] = [];

  /** Take a snapshot; return the rows that changed (or are new) and the ids that went away. */
  update(tasks: readonly TaskSample[]): { changed: Row[]; gone: number[] } {
    this.newSites = [];
    const prev = this.sent;
    const next = new Map<number, Row>();
    const sent = new Map<number, Row>();
    const changed: Row[] = [];
    for (const t of tasks) {
      const row: Row = [
        t.id,
        t.name ?? "",
        STATES[t.state] ?? 2,
        count(t.totalPollCount),
        ms(t.totalPollDurationMs),
        ms(t.totalScheduledDurationMs),
        ms(t.totalIdleDurationMs),
        count(t.wakes),
        count(t.selfWakes),
        this.site(t.spawnSite),
        t.awaits.includes("(due in ") ? t.awaits.replace(COUNTDOWN, "") : t.awaits,
        t.parentId ?? null,
        count(t.totalSlowPollCount),
        ms(t.maxPollDurationMs),
        count(t.lostWakerPolls),
      ];
      const old = prev.get(t.id);
      next.set(t.id, row);
      if (old !== undefined && sameRow(old, row)) {
        sent.set(t.id, old);
      } else {
        sent.set(t.id, row);
        changed.push(row);
      }
    }
    const gone: number[] = [];
    for (const id of prev.keys()) if (!next.has(id)) gone.push(id);
    this.rows = next;
    this.sent = sent;
    return { changed, gone };
  }

  /** Every row of the latest snapshot. */
  all(): Row[] {
    return [...this.rows.values()];
  }

  get size(): number {
    return this.rows.size;
  }

  private site(site: string | undefined): number {
    if (site === undefined) return 0;
    let i = this.siteIndex.get(site);
    if (i === undefined) {
      i = this.sites.length;
      this.sites.push(site);
      this.siteIndex.set(site, i);
      this.newSites.push([i, site]);
    }
    return i;
  }
}

/** Equal, or differing only by the idle time an idle, unpolled task accrued meanwhile. */
function sameRow(a: Row, b: Row): boolean {
  const stillIdle = a[STATE] === IDLE && b[STATE] === IDLE && a[POLLS] !== null && a[POLLS] === b[POLLS];
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i] && !(stillIdle && i === IDLE_MS)) return false;
  }
  return true;
}
