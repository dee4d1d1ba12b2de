/**
 * `WorkerGroup`: the worker runtimes of a `new Runtime({ workers: n })`, slots 1 … n − 1 (slot 0 is
 * the calling thread's runtime itself). Each slot's worker starts on first use and, after a crash,
 * again on the next use.
 *
 * Placement: a SharedArrayBuffer holds one Int32 per runtime, the tasks placed there and not yet
 * finished. The placing thread adds one when it sends a task (so a burst of spawns spreads at once,
 * before any worker has even read its messages) and the worker runtime subtracts one when the task
 * ends, so the figure is the runtime's own, current load. `spawnAnywhere` picks the lowest,
 * starting its scan after the last pick so that equal loads take turns.
 */
import { availableParallelism } from "node:os";
import type { RuntimeMetrics } from "../metrics.js";
import { CoreWorker, type WorkerOwner } from "./core-worker.js";
import type { ResolvedTask } from "./module-task.js";
import { DONE_OK, RemoteCall } from "./remote-call.js";

/** Anything with a lifecycle a group is attached to (the Runtime). */
type Owner = object;

const groups = new WeakMap<Owner, WorkerGroup>();

export class WorkerGroup implements WorkerOwner {
  readonly loadsBuffer: SharedArrayBuffer;
  readonly loads: Int32Array;
  private readonly slots: (CoreWorker | null)[];
  private nextCall = 1;
  private lastPick = 0;
  closed = false;

  constructor(
    /** Runtimes in the group, the calling thread's included. */
    readonly size: number,
    readonly instrument: boolean,
  ) {
    this.loadsBuffer = new SharedArrayBuffer(4 * size);
    this.loads = new Int32Array(this.loadsBuffer);
    this.slots = new Array(size).fill(null);
  }

  /** The worker runtime in `index` (1 … size − 1), started if need be. */
  worker(index: number): CoreWorker {
    if (this.closed) {
      throw new Error(
        "this runtime has shut down: its worker runtimes are gone. Spawn before runtime.shutdown().",
      );
    }
    let w = this.slots[index]!;
    if (w === null) {
      this.slots[index] = w = new CoreWorker(index, this);
      this.started = true;
    }
    return w;
  }

  /** True once some worker runtime has been started. */
  anyStarted(): boolean {
    return this.started;
  }

  private started = false;

  /** Index of the least-loaded runtime among 1 … size − 1 (0 when there is no worker). */
  leastLoaded(): number {
    const n = this.size;
    if (n === 1) return 0;
    let best = 0;
    let bestLoad = Number.POSITIVE_INFINITY;
    let i = this.lastPick;
    for (let k = 1; k < n; k++) {
      i = i + 1 >= n ? 1 : i + 1;
      const load = Atomics.load(this.loads, i);
      if (load < bestLoad) {
        bestLoad = load;
        best = i;
        if (load === 0) break;
      }
    }
    this.lastPick = best;
    return best;
  }

  /** Send a task to worker `index`; the returned call settles when it ends there. */
  spawn(
    index: number,
    t: ResolvedTask,
    args: unknown[],
    transfer: readonly unknown[] | undefined,
  ): RemoteCall {
    const w = this.worker(index);
    const call = new RemoteCall(this.nextCall++, w, t.label);
    call.transfer = transfer;
    call.placed = true;
    Atomics.add(this.loads, index, 1);
    w.spawn(call, t, args);
    return call;
  }

  /** A metrics request to worker `index` (started if need be, so the figures of every slot exist). */
  metrics(index: number): RemoteCall {
    const w = this.worker(index);
    const call = new RemoteCall(this.nextCall++, w, "metrics");
    w.metrics(call);
    return call;
  }

  /**
   * The last metrics each started worker runtime reported (null: not started, or no reply yet),
   * and a refresh requested in the background, for readers outside any task (the console). At
   * most one refresh is in flight; it never starts a worker.
   */
  latestMetrics(): readonly (RuntimeMetrics | null)[] {
    while (this.latest.length < this.size) this.latest.push(null);
    if (!this.refreshing && !this.closed) {
      let asked = 0;
      for (let i = 1; i < this.size; i++) {
        const w = this.slots[i];
        if (w === null || w === undefined) {
          this.latest[i] = null;
          continue;
        }
        const call = new RemoteCall(this.nextCall++, w, "metrics");
        w.metrics(call);
        asked++;
        // Polled with a plain waker: no task waits, nothing counts as a wake source.
        call.poll({ waker: { wake: () => this.refreshed(i, call) } });
      }
      this.refreshing = asked;
    }
    return this.latest;
  }

  private readonly latest: (RuntimeMetrics | null)[] = [];
  private refreshing = 0;

  private refreshed(i: number, call: RemoteCall): void {
    if (call.state === DONE_OK) this.latest[i] = call.value as RuntimeMetrics;
    this.refreshing--;
  }

  lost(index: number, worker: CoreWorker): void {
    if (this.slots[index] === worker) this.slots[index] = null;
  }

  /** Terminate every worker runtime (the owner runtime has shut down). */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    const ends: Promise<number>[] = [];
    for (let i = 1; i < this.size; i++) {
      const w = this.slots[i];
      this.slots[i] = null;
      if (w !== undefined && w !== null) ends.push(w.terminate());
    }
    return Promise.all(ends).then(() => undefined);
  }
}

/** Give `owner` (a Runtime) `workers` runtimes in all (itself included). */
export function attachGroup(owner: Owner, workers: unknown, instrument: boolean): void {
  if (typeof workers !== "number" || !Number.isInteger(workers) || workers < 1 || workers > 1024) {
    throw new RangeError(
      `Runtime option workers must be an integer from 1 to 1024: the runtimes in all, this thread's included ` +
        `(1: no worker runtime; Runtime.multiThread() uses os.availableParallelism()); got ${String(workers)}.`,
    );
  }
  groups.set(owner, new WorkerGroup(workers, instrument));
}

/**
 * The group of `owner`. A runtime created without the `workers` option gets the default,
 * `os.availableParallelism()` runtimes in all, here, on its first `spawnOn`/`spawnAnywhere`: a
 * runtime that never places a task on another thread pays nothing for it.
 */
export function groupOf(owner: Owner | null): WorkerGroup | undefined {
  if (owner === null) return undefined;
  let g = groups.get(owner);
  if (g === undefined) {
    g = new WorkerGroup(availableParallelism(), (owner as { instrument?: unknown }).instrument === true);
    groups.set(owner, g);
  }
  return g;
}

/**
 * The figures of `owner`'s worker runtimes for readers outside a task (the console): index 0 is
 * left null (the caller has the owner's own), then the last report of each started worker
 * runtime. Undefined when no worker runtime was ever started.
 */
export function workerMetricsSnapshot(owner: Owner): readonly (RuntimeMetrics | null)[] | undefined {
  const g = groups.get(owner);
  if (g === undefined || !g.anyStarted()) return undefined;
  return g.latestMetrics();
}

/** The owner has shut down: terminate its worker runtimes. */
export function closeGroup(owner: Owner): void {
  const g = groups.get(owner);
  if (g !== undefined) void g.close();
}

/** Metrics of a group's runtimes, from `coreMetrics()`. */
export interface CoreMetrics {
  /** One entry per runtime of the group: index 0 is the calling thread's. */
  readonly runtimes: readonly RuntimeMetrics[];
  /** Counters summed over every runtime (gauges such as `tasksAlive` too; maxima for `longestPollMs`). */
  readonly total: RuntimeMetrics;
}
