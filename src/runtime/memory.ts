/**
 * `runtime.memory()`: the bytes each live task keeps alive, grouped by spawn site. Rust's "big
 * futures" problem made visible: an async fn keeps every local that lives across an await in its
 * state (here: the generator's register file and context), so a 1 MB buffer held across one
 * `yield*` costs 1 MB per task, times every task spawned from that line.
 *
 * How:
 * 1. Wait for a macrotask (`setImmediate`): no task is being polled then, so every task's generator
 *    frames are suspended and reachable only through the task (a generator running on the stack
 *    would be reachable from the stack roots, and count as shared).
 * 2. Put the live tasks and what each runs (`Task.root`) into a marker object of a class with a
 *    distinctive name, take a heap snapshot (heap-snapshot.ts), and find the marker's node: its
 *    `tasks` and `roots` arrays lead to the tasks' nodes by element index, so no object identity
 *    needs to survive the snapshot.
 * 3. Compute each task's retained size with every task treated as a root of its own (retained.ts):
 *    the live list, the run queue and JoinHandles held by other tasks never make one task "own"
 *    another, and objects reachable from two tasks, or from outside any task, count under no task.
 *    Combinators' child wakers (`Child`, found by their prototype, which the marker also holds)
 *    are registrations, not owners: the futures of a `join` waiting on a timer stay the task's.
 * 4. Group by spawn site (`instrument` records one per task function); without one, by the task
 *    function read from the snapshot (a generator's `function` and its `[[FunctionLocation]]`, or a
 *    root future's class).
 *
 * Cost: the whole measurement blocks the process. V8 takes the snapshot synchronously (a full GC
 * and a walk of every object), Node serializes it in one go, and the parse and the ownership pass
 * follow without a macrotask in between. Time and memory grow with the number of objects, not
 * their bytes: measured with bench/memory-report.ts (Node 20, 2 cores, a fresh process each),
 * ~0.5 s and +55 MB of peak RSS for 1,000 tasks in a 48 MB heap (~100,000 objects), ~1.4 s and
 * +160 MB for 10,000 tasks in a 420 MB heap (~340,000 objects), ~4 s and +410 MB for 100,000 idle
 * tasks (375,000 objects). Most of it is V8's own snapshot (2 s of 2.8 s for 670,000 objects). An
 * on-demand diagnostic, not a metric to poll every second.
 */
import { findSourceMap } from "node:module";
import { Child } from "../future/child-waker.js";
import { current } from "../future/current.js";
import type { Task } from "../task/task.js";
import { edgeTarget, findNode, type HeapSnapshot, takeHeapSnapshot } from "./heap-snapshot.js";
import { exclusiveRetained } from "./retained.js";

/** The bytes of one live task, as `largestTask` of a {@link SiteMemory}. */
export interface TaskBytes {
  readonly id: number;
  readonly name: string | undefined;
  /** Bytes only this task keeps alive (retained size), the task object itself included. */
  readonly bytes: number;
}

/** The live tasks of one spawn site (or, without one, of one task function) and their bytes. */
export interface SiteMemory {
  /**
   * `file:line:column` of the `spawn()` call, recorded with `instrument` (on by default outside
   * production). As with slow polls, the site is captured on the first spawn of each task function
   * and shared by its later tasks. `undefined` without `instrument`: the group is then the function.
   */
  readonly site: string | undefined;
  /** The task function's name (`anonymous` when it has none), or the root future's class name. */
  readonly function: string;
  /** `file:line:column` where the task function is defined, when the snapshot says. */
  readonly definedAt: string | undefined;
  /** Live tasks in this group. */
  readonly tasks: number;
  /** Their retained bytes, summed. */
  readonly bytes: number;
  /** `bytes / tasks`, rounded. */
  readonly bytesPerTask: number;
  /** The task that retains the most. */
  readonly largestTask: TaskBytes;
}

/**
 * What `runtime.memory()` returns: live tasks' retained bytes by spawn site, and the heap's total.
 *
 * @example
 * const { sites, taskBytes, heapBytes } = await rt.memory();
 * console.log(`tasks hold ${taskBytes} of ${heapBytes} bytes`);
 * const [top] = sites; // the spawn site whose tasks hold the most
 * if (top !== undefined) console.log(`${top.site ?? top.definedAt}: ${top.tasks} × ${top.bytesPerTask} B`);
 */
export interface TaskMemoryReport {
  /** One entry per spawn site (or task function), most bytes first. */
  readonly sites: SiteMemory[];
  /** Live tasks measured. */
  readonly tasks: number;
  /** Bytes retained by live tasks, summed over the sites. */
  readonly taskBytes: number;
  /** Every object in the heap snapshot (shallow sizes, ArrayBuffer contents included). */
  readonly heapBytes: number;
  /** Objects in the heap snapshot: what the measurement's time and memory grow with. */
  readonly heapObjects: number;
  /** Wall time of the whole measurement: snapshot (process paused), parsing and analysis. */
  readonly durationMs: number;
}

/**
 * The marker that leads from the snapshot to the live tasks. Its class name is what the snapshot
 * search looks for, so it must stay distinctive and must not be minified away.
 */
class PolluxTaskMemoryProbe {
  /** Prototypes of the waker classes besides Task (see `Roles.wakers` in retained.ts). */
  readonly wakerPrototypes: object[] = [Child.prototype];

  constructor(
    readonly tasks: Task<unknown>[],
    readonly roots: (object | null)[],
  ) {}
}
const PROBE = "PolluxTaskMemoryProbe";

/** One measurement at a time: two snapshots would find each other's marker. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Measure the retained bytes of `liveTasks()` (called once no task is being polled), grouped by
 * `siteOf(task.root)`. See the module comment for how and what it costs.
 */
export function taskMemory(
  liveTasks: () => Task<unknown>[],
  siteOf: (root: object | null) => string | undefined,
): Promise<TaskMemoryReport> {
  const next = queue.then(() => measure(liveTasks, siteOf));
  queue = next.catch(() => {});
  return next;
}

async function measure(
  liveTasks: () => Task<unknown>[],
  siteOf: (root: object | null) => string | undefined,
): Promise<TaskMemoryReport> {
  // Out of any poll, and of any drain: between macrotasks every task is suspended.
  await new Promise<void>((resolve) => setImmediate(resolve));
  const start = performance.now();
  // Scratch state of the last poll, dead between polls (the next poll resets it first), but it
  // still points at the future the last polled task awaits: from the GC roots, that future and
  // what it holds would look shared.
  current.lastPending = null;
  current.frames.length = 0;
  let probe: PolluxTaskMemoryProbe | null = makeProbe(liveTasks());
  const tasks = probe.tasks;
  const roots = probe.roots;
  const pending = takeHeapSnapshot();
  probe = null;
  const snap = await pending;
  const { taskNodes, rootNodes, wakers, blocked } = locateTasks(snap, tasks.length);
  const bytes = exclusiveRetained(
    snap,
    0,
    { owners: taskNodes, wakers, blocked },
    {
      weakType: snap.edgeTypes.indexOf("weak"),
      shortcutType: snap.edgeTypes.indexOf("shortcut"),
    },
  );
  let heapBytes = 0;
  for (let i = 0; i < snap.nodeCount; i++) heapBytes += snap.selfSize[i]!;

  const groups = new Map<
    string,
    { site: string | undefined; fn: FunctionInfo; tasks: number; bytes: number; largest: TaskBytes }
  >();
  const code = new CodeNames(snap);
  for (let k = 0; k < tasks.length; k++) {
    const task = tasks[k]!;
    const site = siteOf(roots[k]!);
    const rootNode = rootNodes[k]!;
    const fn = code.of(rootNode, roots[k]!);
    // A spawn site is recorded per function, but one line may spawn two functions (`spawn(a ? f() : g())`).
    const key = `${site ?? ""}\0${fn.definedAt ?? fn.name}`;
    const b = bytes[k]!;
    const entry = groups.get(key);
    const mine: TaskBytes = { id: task.id, name: task.name, bytes: b };
    if (entry === undefined) groups.set(key, { site, fn, tasks: 1, bytes: b, largest: mine });
    else {
      entry.tasks++;
      entry.bytes += b;
      if (b > entry.largest.bytes) entry.largest = mine;
    }
  }
  const sites: SiteMemory[] = [...groups.values()]
    .map((g) => ({
      site: g.site,
      function: g.fn.name,
      definedAt: g.fn.definedAt,
      tasks: g.tasks,
      bytes: g.bytes,
      bytesPerTask: Math.round(g.bytes / g.tasks),
      largestTask: g.largest,
    }))
    .sort((a, b) => b.bytes - a.bytes);
  let taskBytes = 0;
  for (const s of sites) taskBytes += s.bytes;
  return {
    sites,
    tasks: tasks.length,
    taskBytes,
    heapBytes,
    heapObjects: snap.nodeCount,
    durationMs: performance.now() - start,
  };
}

/**
 * Built in its own frame: a loop variable left in a register of the caller's frame would be a
 * stack root pointing at one task's generator, and make it count as shared.
 */
function makeProbe(tasks: Task<unknown>[]): PolluxTaskMemoryProbe {
  return new PolluxTaskMemoryProbe(
    tasks,
    tasks.map((t) => t.root),
  );
}

/** The snapshot nodes of the probe's tasks and roots, by index; the probe's own nodes to ignore. */
function locateTasks(
  snap: HeapSnapshot,
  count: number,
): { taskNodes: number[]; rootNodes: number[]; wakers: number[]; blocked: number[] } {
  const probes = findNode(snap, "object", PROBE);
  if (probes.length !== 1) {
    throw new Error(
      `pollux: runtime.memory() found ${probes.length} "${PROBE}" markers in the heap snapshot instead of one; ` +
        "was the class renamed by a minifier? Keep class names (esbuild: keepNames) for pollux.",
    );
  }
  const probe = probes[0]!;
  const tasksArray = edgeTarget(snap, probe, "tasks");
  const rootsArray = edgeTarget(snap, probe, "roots");
  const protoArray = edgeTarget(snap, probe, "wakerPrototypes");
  if (tasksArray < 0 || rootsArray < 0 || protoArray < 0) {
    throw new Error(
      "pollux: runtime.memory() could not read its marker in the heap snapshot (tasks or roots missing).",
    );
  }
  const taskNodes = elementTargets(snap, tasksArray, count);
  const rootNodes = elementTargets(snap, rootsArray, count);
  const missing = taskNodes.indexOf(-1);
  if (missing >= 0) {
    throw new Error(
      `pollux: runtime.memory() could not find live task ${missing} of ${count} in the heap snapshot.`,
    );
  }
  const prototypes = elementTargets(snap, protoArray, 1);
  return {
    taskNodes,
    rootNodes,
    wakers: instancesOf(snap, prototypes),
    blocked: [probe, tasksArray, rootsArray, protoArray],
  };
}

/** The objects whose `__proto__` is one of `prototypes` (nodes). One pass over the edges. */
function instancesOf(snap: HeapSnapshot, prototypes: number[]): number[] {
  const proto = snap.strings.indexOf("__proto__");
  const property = snap.edgeTypes.indexOf("property");
  const wanted = new Set(prototypes.filter((p) => p >= 0));
  const found: number[] = [];
  if (proto < 0 || wanted.size === 0) return found;
  const { firstEdge, edgeType, edgeName, edgeTo } = snap;
  for (let v = 0; v < snap.nodeCount; v++) {
    for (let e = firstEdge[v]!; e < firstEdge[v + 1]!; e++) {
      if (edgeName[e] === proto && edgeType[e] === property && wanted.has(edgeTo[e]!)) {
        found.push(v);
        break;
      }
    }
  }
  return found;
}

/** The nodes `array[0..count-1]` points to (-1 for a hole or a primitive such as `null`). */
function elementTargets(snap: HeapSnapshot, array: number, count: number): number[] {
  const out = new Array<number>(count).fill(-1);
  const element = snap.edgeTypes.indexOf("element");
  for (let e = snap.firstEdge[array]!; e < snap.firstEdge[array + 1]!; e++) {
    if (snap.edgeType[e] !== element) continue;
    const index = snap.edgeName[e]!;
    if (index < count) out[index] = snap.edgeTo[e]!;
  }
  return out;
}

interface FunctionInfo {
  readonly name: string;
  readonly definedAt: string | undefined;
}

/**
 * Names the code a task runs: a generator's function (its name and where it is defined, which only
 * the snapshot knows: JavaScript has no link from a generator object to its function), or a root
 * future's class. Cached per function: 10,000 tasks of one function are named once.
 */
class CodeNames {
  private readonly closures = new Map<number, FunctionInfo>();
  private readonly classes = new Map<unknown, FunctionInfo>();
  private readonly closureType: number;

  constructor(private readonly snap: HeapSnapshot) {
    this.closureType = snap.nodeTypes.indexOf("closure");
  }

  of(rootNode: number, root: object | null): FunctionInfo {
    if (root === null || rootNode < 0) return { name: "(finished)", definedAt: undefined };
    const snap = this.snap;
    const closure = edgeTarget(snap, rootNode, "function");
    if (closure >= 0 && snap.nodeType[closure] === this.closureType) {
      let info = this.closures.get(closure);
      if (info === undefined) this.closures.set(closure, (info = describeFunction(snap, closure)));
      return info;
    }
    const ctor = (root as { constructor?: { name?: string } }).constructor;
    let info = this.classes.get(ctor);
    if (info === undefined) {
      this.classes.set(ctor, (info = { name: ctor?.name || "anonymous future", definedAt: undefined }));
    }
    return info;
  }
}

/** A closure's name and `file:line:column`, from the snapshot's locations and its script's name. */
function describeFunction(snap: HeapSnapshot, closure: number): FunctionInfo {
  const name = snap.strings[snap.nodeName[closure]!] || "anonymous";
  const location = snap.locations.get(closure);
  if (location === undefined) return { name, definedAt: undefined };
  const shared = edgeTarget(snap, closure, "shared");
  // V8 names the SharedFunctionInfo's script field `script_or_debug_info` (Node 20) or `script`.
  let script = shared < 0 ? -1 : edgeTarget(snap, shared, "script_or_debug_info");
  if (script < 0 && shared >= 0) script = edgeTarget(snap, shared, "script");
  const url = script < 0 ? "" : snap.strings[snap.nodeName[script]!]!;
  if (url === "") return { name, definedAt: `script ${location[0]}:${location[1] + 1}:${location[2] + 1}` };
  return { name, definedAt: originalPosition(url, location[1], location[2]) };
}

/**
 * `file:line:column` (1-based) of a position in a script, through the script's source map when
 * Node has one (`--enable-source-maps`, tsx, ...): the snapshot knows the code V8 ran, which for
 * TypeScript is the transpiled output.
 */
function originalPosition(url: string, line: number, column: number): string {
  try {
    const entry = findSourceMap(url)?.findEntry(line, column) as
      | { originalSource?: string; originalLine?: number; originalColumn?: number }
      | undefined;
    if (entry?.originalSource !== undefined && entry.originalLine !== undefined) {
      return `${filePath(entry.originalSource)}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
    }
  } catch {
    // No usable source map: the generated position below.
  }
  return `${filePath(url)}:${line + 1}:${column + 1}`;
}

function filePath(url: string): string {
  return url.startsWith("file://") ? decodeURIComponent(url.slice(7)) : url;
}
