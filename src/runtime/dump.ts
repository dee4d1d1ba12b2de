/**
 * The task dump (`runtime.dump()`): every live task, what it awaits, and where in the user's code
 * it awaits it, as data and as a parent → children tree.
 *
 * HOW: nothing is recorded while tasks run. At dump time the live-task list is walked once; each
 * task gives its frame stack (its suspended generators, innermost first) and the future its last
 * poll suspended on (`Task.awaiting`: the outermost future awaited by the innermost frame, e.g. a
 * `select` rather than its branches). Where each generator stopped comes from V8 through one
 * inspector session for the whole batch (`future/inspect.ts`), so a dump of N tasks with F frames
 * in all costs one protocol round trip per frame (~50–60 µs for a small function), not one session
 * per task. The await
 * site is the innermost frame outside pollux's own files; the whole stack is kept too, which a
 * Tokio task dump cannot show for an `async fn` chain without a backtrace capture per task.
 *
 * WHY not a stack capture per await: it would cost microseconds on every suspension of every task
 * for a report most programs never ask for. The generator already knows where it stopped.
 */
import { describeFuture } from "../future/future.js";
import { formatLocation, generatorLocations } from "../future/inspect.js";
import type { Task } from "../task/task.js";
import { formatSpawnSite, isOwnSource } from "./slow-poll.js";

/** What a live task is doing at the moment of the dump. */
export type DumpedTaskState = "running" | "scheduled" | "idle";

/** The future a task is suspended on. */
export interface AwaitedFuture {
  /**
   * A short kind, the head of the description: `"mpsc Receiver.recv"`, `"Mutex.lock"`, `"sleep"`,
   * `"JoinHandle"`, `"select"`; `"running"` for the task that called `dump()`, `"none"` for a task
   * not polled yet.
   */
  readonly kind: string;
  /** `describe()` of the future: which channel, lock or timer, and its state. */
  readonly description: string;
}

/** One live task in a {@link TaskDump}. */
export interface DumpedTask {
  readonly id: number;
  readonly name: string | undefined;
  /** `#3 "name"` */
  readonly label: string;
  /** The task that spawned it, when the runtime recorded it; `undefined` otherwise. */
  readonly parentId: number | undefined;
  readonly state: DumpedTaskState;
  /**
   * The future its last poll suspended on. For a `scheduled` task it was woken and will poll it
   * again; for the `running` task (the one calling `dump()`) it is `{ kind: "running" }`.
   */
  readonly awaits: AwaitedFuture;
  /**
   * `file:line:column` of the `yield*` the task waits at: the innermost async fn frame in the
   * user's code (pollux's own frames, such as `Mutex.withLock`'s, are skipped). `undefined` for a
   * task that polls a plain future (no generator), for the running task, or when the inspector is
   * unavailable.
   */
  readonly awaitSite: string | undefined;
  /**
   * Every async fn frame's location, innermost first (pollux's own frames included). For the
   * running task the first entry is where it is executing (the call that led to `dump()`).
   */
  readonly asyncStack: readonly string[];
  /**
   * `file:line:column` of the `spawn()` of the task's function, with `instrument` on. Captured at
   * the first spawn of each function and shared by its later tasks (see `onSlowPoll`).
   */
  readonly spawnSite: string | undefined;
  /** Live tasks whose `parentId` is this task, oldest first. */
  readonly children: readonly number[];
}

/**
 * A snapshot of every live task: `tasks` as data (oldest first), `toString()` as a tree.
 *
 * @example
 * const dump = runtime.dump();
 * for (const t of dump.tasks) if (t.awaits.kind === "Mutex.lock") console.log(t.label, t.awaitSite);
 * console.log(String(dump));
 */
export interface TaskDump {
  readonly tasks: readonly DumpedTask[];
  /** Tasks as a tree: roots (no live parent) first, children indented under their parent. */
  toString(): string;
}

/** What the runtime lends the dump. */
export interface DumpSources {
  parentOf(task: Task<unknown>): number | undefined;
  spawnSiteOf(task: Task<unknown>): string | undefined;
}

const STATES: readonly DumpedTaskState[] = ["idle", "scheduled", "running", "idle"];

/** Build the dump of `tasks` (live, oldest first). Never throws for lack of an inspector. */
export function dumpTasks(tasks: readonly Task<unknown>[], sources: DumpSources): TaskDump {
  // Every task's frames in one batch: one inspector session for the whole dump.
  const frames = tasks.map((t) => t.framesInnermostFirst());
  const all = frames.flat();
  const locations = generatorLocations(all);
  let next = 0;
  const live = new Set(tasks.map((t) => t.id));
  const children = new Map<number, number[]>();
  const parents = tasks.map((t) => {
    const p = sources.parentOf(t);
    const parentId = p !== undefined && p !== t.id ? p : undefined;
    if (parentId !== undefined && live.has(parentId)) {
      const list = children.get(parentId);
      if (list === undefined) children.set(parentId, [t.id]);
      else list.push(t.id);
    }
    return parentId;
  });
  const out = tasks.map((t, i): DumpedTask => {
    const asyncStack: string[] = [];
    let awaitSite: string | undefined;
    for (let f = 0; f < frames[i]!.length; f++) {
      const loc = locations[next++];
      if (loc === undefined) continue;
      const where = formatLocation(loc);
      asyncStack.push(where);
      if (awaitSite === undefined && !isOwnSource(loc.url) && !isOwnSource(where)) awaitSite = where;
    }
    const state = STATES[t.state]!;
    if (state === "running") {
      // Its innermost generator is executing, and V8 locates a running generator at the start of
      // its function: show where it is running instead (it called dump(), or code that did), and
      // no await site, since it awaits nothing.
      awaitSite = undefined;
      const here = runningSite();
      if (here !== undefined && asyncStack.length > 0) asyncStack[0] = here;
    }
    return {
      id: t.id,
      name: t.name,
      label: t.label,
      parentId: parents[i],
      state,
      awaits: state === "running" ? RUNNING : awaited(t.awaiting),
      awaitSite,
      asyncStack,
      spawnSite: sources.spawnSiteOf(t),
      children: children.get(t.id) ?? [],
    };
  });
  return new Dump(out);
}

/** The first stack frame outside pollux: where the running task is executing. */
function runningSite(): string | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 16;
  const here = new Error("dump site");
  Error.stackTraceLimit = limit;
  return formatSpawnSite(here);
}

const RUNNING: AwaitedFuture = { kind: "running", description: "running (polled right now)" };
const NOT_POLLED: AwaitedFuture = { kind: "none", description: "nothing yet (not polled)" };

function awaited(future: object | null): AwaitedFuture {
  if (future === null) return NOT_POLLED;
  let description: string;
  try {
    description = describeFuture(future);
  } catch (error) {
    // A user future's describe() is user code: a dump must not fail because of it.
    description = `${(future as object).constructor?.name ?? "future"} (describe() threw: ${String(error)})`;
  }
  return { kind: kindOf(description), description };
}

/**
 * The head of a description, up to its arguments or state: `"mpsc Receiver.recv() on channel #1
 * — …"` → `"mpsc Receiver.recv"`, `"sleep (due in 5 ms)"` → `"sleep"`, `"JoinHandle(task #2)"` →
 * `"JoinHandle"`. Descriptions are written that way throughout pollux, and a user future's
 * default description is its class name, so this needs no per-class table.
 */
function kindOf(description: string): string {
  const m = /^[^(—]*/
    .exec(description)![0]
    .replace(/\s+on\s.*$/, "")
    .trim();
  return m === "" ? description : m;
}

class Dump implements TaskDump {
  constructor(readonly tasks: readonly DumpedTask[]) {}

  toString(): string {
    const byId = new Map(this.tasks.map((t) => [t.id, t]));
    const lines: string[] = [];
    const seen = new Set<number>();
    const render = (t: DumpedTask, depth: number): void => {
      if (seen.has(t.id)) return; // a parent cycle would be a bug in the recording: print once
      seen.add(t.id);
      const pad = "  ".repeat(depth);
      lines.push(`${pad}${headline(t)}`);
      const stack = t.asyncStack.length > 0 ? t.asyncStack : t.awaitSite !== undefined ? [t.awaitSite] : [];
      for (const where of stack) lines.push(`${pad}    at ${where}`);
      if (t.spawnSite !== undefined) lines.push(`${pad}    spawned at ${t.spawnSite}`);
      for (const id of t.children) {
        const child = byId.get(id);
        if (child !== undefined) render(child, depth + 1);
      }
    };
    for (const t of this.tasks) {
      if (t.parentId === undefined || !byId.has(t.parentId)) render(t, 0);
    }
    // Tasks only reachable through a cycle of parents (never expected): still listed.
    for (const t of this.tasks) render(t, 0);
    return lines.join("\n");
  }
}

function headline(t: DumpedTask): string {
  const who = `task ${t.label}`;
  if (t.state === "running") return `${who} is running`;
  const what = `${who} awaits ${t.awaits.description}`;
  return t.state === "scheduled" ? `${what} (woken, scheduled to run)` : what;
}
