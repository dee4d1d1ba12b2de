/**
 * `spawnOn`, `spawnAnywhere` and `coreMetrics`: the calling side of a runtime's worker runtimes.
 */
import { outsideRuntime } from "../../future/current.js";
import type { Async } from "../../future/future.js";
import { type IntoFuture, intoFuture } from "../../future/into-future.js";
import { fromPromise } from "../../future/promise.js";
import { currentExecutor, type Executor } from "../../task/executor.js";
import type { JoinHandle } from "../../task/task.js";
import type { RuntimeMetrics } from "../metrics.js";
import { type CoreMetrics, groupOf, type WorkerGroup } from "./group.js";
import {
  type AnyTaskFn,
  type ModuleTask,
  type ResolvedTask,
  resolveTask,
  type TaskOutput,
  type UntypedTaskFn,
} from "./module-task.js";
import type { RemoteCall } from "./remote-call.js";
import { toWire } from "./wire.js";

function requireGroup(where: string): [Executor, WorkerGroup] {
  const rt = currentExecutor();
  if (rt === null) throw outsideRuntime(where);
  const group = groupOf(rt);
  if (group === undefined) {
    throw new Error(
      `${where}: this runtime has no group of worker runtimes (pollux internal error: every Runtime gets ` +
        "one on first use). Create the runtime with new Runtime({ workers: n }).",
    );
  }
  return [rt, group];
}

/**
 * Run `task` (an async fn exported by an ES module) as a task on runtime `target` of this
 * runtime's group: `0` is the calling thread's runtime, `1` … `n − 1` the worker runtimes of
 * `new Runtime({ workers: n })`. Returns a `JoinHandle` like `spawn`: `yield*` it for the result,
 * `abort()` it (the remote task is aborted, and the handle reports cancelled once the remote
 * `finally` blocks, async ones included, have run), put it in a `select` or a `JoinSet`.
 *
 * Arguments and the result go by structured clone (`task.transfer` moves ArrayBuffers and
 * MessagePorts, such as the ends of a cross-thread channel; a task returns `withTransfer(v, list)`
 * to move its result's buffers back). What the task throws arrives as a `JoinError` whose `cause`
 * keeps the class name, message, stack (the worker's frames) and own properties. A worker thread
 * that dies fails only the tasks in flight on it, with an error naming it; it is replaced on next use.
 *
 * A started task cannot move: its generator frames live on that thread's heap. Placement is
 * decided here, once.
 *
 * Cost: one local task (the handle), one message each way, batched with every other message to
 * that runtime in the same drain; the worker thread's start (~20–30 ms, ~9 MB) on first use.
 *
 * @example
 * // work.ts, compiled to work.js:  export function* resize(img: Uint8Array, w: number) { ... }
 * const RESIZE = { module: new URL("./work.js", import.meta.url), export: "resize" };
 * const small = yield* spawnOn(1, RESIZE, image, 64);
 */
export function spawnOn<F extends AnyTaskFn>(
  target: number,
  task: ModuleTask<F>,
  ...args: Parameters<F>
): JoinHandle<TaskOutput<F>>;
export function spawnOn<T = unknown>(
  target: number,
  task: ModuleTask<UntypedTaskFn>,
  ...args: unknown[]
): JoinHandle<T>;
export function spawnOn(
  target: number,
  task: ModuleTask<AnyTaskFn>,
  ...args: unknown[]
): JoinHandle<unknown> {
  const [rt, group] = requireGroup("spawnOn()");
  if (typeof target !== "number" || !Number.isInteger(target) || target < 0 || target >= group.size) {
    throw new RangeError(
      `spawnOn(target): target must be the index of a runtime of this group, an integer from 0 (this thread) to ${
        group.size - 1
      }; got ${String(target)}. Use spawnAnywhere() to let pollux choose.`,
    );
  }
  return place(rt, group, target, resolveTask(task, "spawnOn()"), args);
}

/**
 * Run `task` on the least-loaded worker runtime of this runtime's group (each runtime publishes
 * how many placed tasks it runs in shared memory; equal loads take turns). With no worker runtime
 * (`workers: 1`), it runs on the calling thread's runtime. Otherwise as {@link spawnOn}.
 *
 * @example
 * const handles = files.map((f) => spawnAnywhere(HASH, f));
 * for (const h of handles) console.log(yield* h);
 */
export function spawnAnywhere<F extends AnyTaskFn>(
  task: ModuleTask<F>,
  ...args: Parameters<F>
): JoinHandle<TaskOutput<F>>;
export function spawnAnywhere<T = unknown>(
  task: ModuleTask<UntypedTaskFn>,
  ...args: unknown[]
): JoinHandle<T>;
export function spawnAnywhere(task: ModuleTask<AnyTaskFn>, ...args: unknown[]): JoinHandle<unknown> {
  const [rt, group] = requireGroup("spawnAnywhere()");
  return place(rt, group, group.leastLoaded(), resolveTask(task, "spawnAnywhere()"), args);
}

function place(
  rt: Executor,
  group: WorkerGroup,
  index: number,
  t: ResolvedTask,
  args: unknown[],
): JoinHandle<unknown> {
  if (index === 0) return rt.spawn(localTask(t, args), { name: t.label });
  const [wargs, transfer] = toWire(args, t.transfer);
  const call = group.spawn(index, t, wargs, transfer);
  return rt.spawn(call, { name: t.label });
}

const localModules = new Map<string, Record<string, unknown>>();

/** A module task on the calling thread: import the module (once), call the export, await it. */
function* localTask(t: ResolvedTask, args: unknown[]): Async<unknown> {
  let mod = localModules.get(t.url);
  if (mod === undefined) {
    mod = (yield* fromPromise(() => import(t.url))) as Record<string, unknown>;
    localModules.set(t.url, mod);
  }
  const fn = mod[t.exportName];
  if (typeof fn !== "function") {
    throw new TypeError(
      `module ${t.url} has no exported function "${t.exportName}" (exports: ${Object.keys(mod).join(", ") || "none"}).`,
    );
  }
  const out = fn(...args);
  return yield* intoFuture(out as IntoFuture<unknown>);
}

/**
 * The metrics of every runtime of this runtime's group (index 0: this thread's), and their sum.
 * Starts the worker runtimes not started yet, so that each slot reports. Tokio's
 * `RuntimeMetrics` is per runtime too; `total` is what a multi-thread Tokio runtime reports.
 *
 * @example
 * const m = yield* coreMetrics();
 * console.log(m.total.tasksCompleted, m.runtimes.map((r) => r.polls));
 */
export function* coreMetrics(): Async<CoreMetrics> {
  const [rt, group] = requireGroup("coreMetrics()");
  const calls: RemoteCall[] = [];
  for (let i = 1; i < group.size; i++) calls.push(group.metrics(i));
  const runtimes: RuntimeMetrics[] = [(rt as unknown as { metrics(): RuntimeMetrics }).metrics()];
  for (const call of calls) runtimes.push((yield* call) as RuntimeMetrics);
  return { runtimes, total: sumMetrics(runtimes) };
}

function sumMetrics(list: readonly RuntimeMetrics[]): RuntimeMetrics {
  const total: Record<string, unknown> = {};
  for (const m of list) {
    for (const [k, v] of Object.entries(m)) {
      if (typeof v !== "number") {
        if (!(k in total)) total[k] = undefined;
        continue;
      }
      const prev = (total[k] as number | undefined) ?? 0;
      total[k] = k === "longestPollMs" ? Math.max(prev, v) : prev + v;
    }
  }
  return total as unknown as RuntimeMetrics;
}
