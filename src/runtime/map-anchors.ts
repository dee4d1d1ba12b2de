/**
 * Map anchors: keep V8's hidden classes of pollux's hot objects alive for the life of the process.
 *
 * Optimized code and inline caches hold the hidden classes ("maps") they were specialized for
 * weakly. When every object of a map dies (all the tasks of a finished `run()`, the runtime
 * itself, a request's channels) a full GC collects the map, throws away the optimized code that
 * depended on it ("weak objects" deopts) and clears the inline caches that named it, in pollux
 * and in the user's code that awaits pollux objects. The next runtime then starts from the
 * interpreter. A program that calls `run()` or `toPromise()` per request, in a process whose full
 * GCs come every few seconds, would pay that all day; native async/await, built into V8, never
 * does. Measured before the anchors, with a full GC before each round: chained-spawn rounds of
 * 100–130 ms where warm ones take 2 ms, and the benchmark's own `main` deoptimized every round.
 *
 * The fix is to keep one live instance of each hot class, in the map it has once warm: the first
 * `Runtime` constructed in the process drives a private runtime through small real workloads
 * (spawn, join, a suspended nested async fn, and what modules such as pollux/sync register with
 * `anchorWork`), and the objects they touched are kept here forever: a few kilobytes.
 */

import { asyncFn } from "../future/async-fn.js";
import { END } from "../future/end.js";
import type { Async } from "../future/future.js";
import { join } from "../future/join.js";
import { joinAll } from "../future/join-all.js";
import { pending } from "../future/pending.js";
import { pollFn } from "../future/poll-fn.js";
import { race } from "../future/race.js";
import { ready } from "../future/ready.js";
import { select } from "../future/select.js";
import { CancellationToken } from "../task/cancellation-token.js";
import { JoinSet } from "../task/join-set.js";
import { spawn as spawnHere } from "../task/spawn.js";
import type { Task } from "../task/task.js";
import { yieldNow } from "../task/yield-now.js";
import type { Runtime } from "./runtime.js";

/** Keeps objects alive: what an anchor workload passes its objects to. */
export type Keep = (...objects: object[]) => void;

const anchors: object[] = [];
const keep: Keep = (...objects) => {
  anchors.push(...objects);
};
let anchorRuntime: Runtime | null = null;
type Work = (keep: Keep) => Async<unknown>;
let queued: [name: string, work: Work][] = [];
/** Every anchor workload's task by name: one that never finishes anchors only half its objects. */
const workloads = new Map<string, Task<unknown>>();

function start(rt: Runtime, name: string, work: Async<unknown>): void {
  const task = rt.spawn(work, { name: `map anchors: ${name}` });
  workloads.set(name, task);
  keep(task);
}

/**
 * Register a workload that exercises a module's hot classes on the anchor runtime and hands the
 * objects to `keep`. Runs when the first runtime is constructed (or at once if that happened).
 * It must run to its end on its own (nothing else runs on the anchor runtime) without waiting
 * for a timer or IO: the anchor runtime never keeps the process alive.
 */
export function anchorWork(name: string, work: Work): void {
  if (anchorRuntime === null) queued.push([name, work]);
  else start(anchorRuntime, name, work(keep));
}

/** @internal The anchor workloads that have not finished (a test checks that none is stuck). */
export function unfinishedAnchors(): string[] {
  return [...workloads].filter(([, task]) => !task.isFinished()).map(([name]) => name);
}

function* nested(): Async<number> {
  yield* yieldNow();
  return 1;
}

const nestedFn = asyncFn(nested);

function* child(): Async<number> {
  // An AsyncFnFuture awaited in place (its own frame driver) and one a task adopts: both kept,
  // so the class's maps outlive a run whose only AsyncFnFuture was its root.
  const awaited = nestedFn();
  const adopted = nestedFn();
  keep(awaited, adopted, spawnHere(adopted));
  return (yield* awaited) + (yield* nested()) - 1;
}

/**
 * The combinators and leaf futures of the layers below the runtime, each kept after it did its
 * usual work: a child woken and polled again, a select whose loser was cancelled.
 */
function* combinators(): Async<number> {
  const r = ready(1);
  const y = yieldNow();
  keep(r, y);
  let sum = (yield* r) + 0;
  yield* y;
  const all = joinAll([yieldNow(), yieldNow(), ready(2)]);
  const pair = join(nested(), ready(3));
  const sel = select({ slow: pending<number>(), fast: nested() });
  const first = race(yieldNow(), pending<void>());
  const polled = pollFn<number>((cx) => {
    cx.waker.wake();
    return 4;
  });
  keep(all, pair, sel, first, polled);
  sum += (yield* all).length + (yield* pair)[1] + (yield* sel).value + (yield* polled);
  yield* first;
  return sum;
}

/** The task layer's own futures: a JoinSet drained, a cancellation waited for. */
function* taskLayer(): Async<number> {
  const set = new JoinSet<number>();
  set.spawn(nested());
  set.spawn(nested());
  const next = set.joinNext();
  let sum = 0;
  for (let v = yield* next; v !== END; v = yield* set.joinNext()) sum += v;
  const token = new CancellationToken();
  const cancelled = token.cancelled();
  const waiter = spawnHere(cancelled);
  yield* yieldNow();
  token.cancel();
  yield* waiter;
  keep(set, next, token, cancelled, waiter);
  return sum;
}

/** Start the anchor workloads on `rt`, a fresh runtime kept private to this module. */
export function anchorMaps(rt: Runtime): void {
  anchorRuntime = rt;
  keep(rt);
  start(
    rt,
    "tasks",
    (function* (): Async<number> {
      const a = rt.spawn(child());
      const b = rt.spawn(child());
      keep(a, b);
      return (yield* a) + (yield* b);
    })(),
  );
  start(rt, "combinators", combinators());
  start(rt, "task layer", taskLayer());
  for (const [name, work] of queued) start(rt, name, work(keep));
  queued = [];
}
