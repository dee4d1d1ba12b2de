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
import type { Async } from "../future/future.js";
import { yieldNow } from "../task/yield-now.js";
import type { Runtime } from "./runtime.js";

/** Keeps objects alive: what an anchor workload passes its objects to. */
export type Keep = (...objects: object[]) => void;

const anchors: object[] = [];
const keep: Keep = (...objects) => {
  anchors.push(...objects);
};
let anchorRuntime: Runtime | null = null;
let pending: ((keep: Keep) => Async<unknown>)[] = [];

/**
 * Register a workload that exercises a module's hot classes on the anchor runtime and hands the
 * objects to `keep`. Runs when the first runtime is constructed (or at once if that happened).
 */
export function anchorWork(work: (keep: Keep) => Async<unknown>): void {
  if (anchorRuntime === null) pending.push(work);
  else anchors.push(anchorRuntime.spawn(work(keep)));
}

function* nested(): Async<number> {
  yield* yieldNow();
  return 1;
}

function* child(): Async<number> {
  return (yield* nested()) + 1;
}

/** Start the anchor workloads on `rt`, a fresh runtime kept private to this module. */
export function anchorMaps(rt: Runtime): void {
  anchorRuntime = rt;
  const parent = rt.spawn(function* (): Async<number> {
    const a = rt.spawn(child());
    const b = rt.spawn(child());
    keep(a, b);
    return (yield* a) + (yield* b);
  });
  keep(rt, parent);
  for (const work of pending) keep(rt.spawn(work(keep)));
  pending = [];
}
