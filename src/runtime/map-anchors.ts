/**
 * Map anchors: keep V8's hidden classes of pollux's hot objects alive for the life of the process.
 *
 * Optimized code and inline caches hold the hidden classes ("maps") they were specialized for
 * weakly. A class's map past its first field is reachable only from live instances (V8's
 * transitions are weak), so when every object of a class dies (all the tasks of a finished
 * `run()`, the runtime itself, a request's channels) a full GC collects its maps, throws away the
 * optimized code that depended on them ("weak objects" deopts) and clears the inline caches that
 * named them, in pollux and in the user's code that awaits pollux objects. The next runtime then
 * starts from the interpreter. A program that calls `run()` or `toPromise()` per request, in a
 * process whose full GCs come every few seconds, would pay that all day; native async/await, built
 * into V8, never does. Measured before the anchors, with a full GC before each round: chained-spawn
 * rounds of 100–130 ms where warm ones take 2 ms, and the benchmark's own `main` deoptimized every
 * round.
 *
 * The fix is to keep one live instance of each hot class, in the map its objects have in use:
 * when the first `Runtime` is constructed, a private anchor runtime runs one small task (so the
 * runtime, its counters and a task take their warm form), and each module's anchor (registered
 * with `anchorWork`) builds its objects and polls them directly, with a task of the anchor runtime
 * that is never scheduled as their context (its waker is inert). The objects are kept here
 * forever: a few kilobytes.
 *
 * Nothing here runs through the shared hot paths (the frame driver's `next`, the leaf future's
 * `yield*` iterator, the drain): an anchor that did would add its generator functions and future
 * classes to their inline caches, and past four of them a call site turns megamorphic. Anchors
 * that drove a dozen small async fns through the runtime made `yieldNow()` 40% slower.
 */

import { asyncFn } from "../future/async-fn.js";
import { current } from "../future/current.js";
import type { Gen } from "../future/frames.js";
import { describeFuture, type FutureBase, type Suspend } from "../future/future.js";
import { join } from "../future/join.js";
import { joinAll } from "../future/join-all.js";
import { pending } from "../future/pending.js";
import { type Context, PENDING } from "../future/poll.js";
import { pollFn } from "../future/poll-fn.js";
import { ready } from "../future/ready.js";
import { select } from "../future/select.js";
import { CancellationToken } from "../task/cancellation-token.js";
import { JoinSet } from "../task/join-set.js";
import { Task } from "../task/task.js";
import { yieldNow } from "../task/yield-now.js";
import type { Runtime } from "./runtime.js";

/** Keeps objects alive: what an anchor passes its objects to. */
export type Keep = (...objects: object[]) => void;
/**
 * Builds a module's hot objects and brings them to their warm form, synchronously: polls them
 * directly with `cx` (never through `yield*`), and hands them to `keep`. Wakes of `cx` do nothing.
 */
export type Anchor = (keep: Keep, cx: Context) => void;

const anchors: object[] = [];
const keep: Keep = (...objects) => {
  anchors.push(...objects);
};
let anchorRuntime: Runtime | null = null;
let anchorCx: Task<unknown> | null = null;
let queued: [name: string, anchor: Anchor][] = [];
/** The anchors that threw: their objects may be half built (a test checks there are none). */
const failed: string[] = [];

function apply(name: string, anchor: Anchor): void {
  const prev = current.runtime;
  current.runtime = anchorRuntime;
  try {
    anchor(keep, anchorCx!);
  } catch {
    failed.push(name);
  } finally {
    current.runtime = prev;
  }
}

/**
 * Register a module's anchor. Runs when the first runtime is constructed (or at once if that
 * happened). It must not spawn, sleep or await: see {@link Anchor}.
 */
export function anchorWork(name: string, anchor: Anchor): void {
  if (anchorRuntime === null) queued.push([name, anchor]);
  else apply(name, anchor);
}

/** @internal The anchors that threw (a test checks that there are none). */
export function failedAnchors(): readonly string[] {
  return failed;
}

/** The one task the anchor runtime runs: a poll, a wake, a second poll, then done. */
function* anchorTask(): Generator<Suspend, void, unknown> {
  yield* yieldNow();
}

function* neverStarted(): Generator<Suspend, void, unknown> {}

/** The future layer's combinators and leaf futures, and the task layer's own futures. */
function coreAnchor(keepHere: Keep, cx: Context): void {
  const r = ready(1);
  r.poll();
  const y = yieldNow();
  y.poll(cx);
  y.poll(cx);
  const all = joinAll([yieldNow(), yieldNow(), ready(2)]);
  all.poll(cx);
  all.poll(cx);
  const pair = join(ready(3), yieldNow());
  pair.poll(cx);
  pair.poll(cx);
  const sel = select({ slow: pending<number>(), fast: yieldNow() });
  sel.poll(cx);
  sel.poll(cx);
  const polled = pollFn<number>((_cx) => 4);
  polled.poll(cx);
  // An async fn's future as a task adopts it (the root of every `run(asyncFn(...))`).
  const adopted = asyncFn(neverStarted)();
  adopted.takeGenerator();
  const set = new JoinSet<number>();
  const next = set.joinNext();
  next.poll(cx);
  const token = new CancellationToken();
  const cancelled = token.cancelled();
  cancelled.poll(cx);
  token.cancel();
  cancelled.poll(cx);
  keepHere(r, y, all, pair, sel, polled, adopted, set, next, token, cancelled);
}

/** Start the anchors on `rt`, a fresh runtime kept private to this module. */
export function anchorMaps(rt: Runtime): void {
  anchorRuntime = rt;
  const task = rt.spawn(anchorTask(), { name: "map anchors" });
  anchorCx = new Task<unknown>(rt, -1, "map anchors (context)", null, neverStarted() as Gen);
  keep(rt, task, anchorCx);
  apply("core", coreAnchor);
  for (const [name, anchor] of queued) apply(name, anchor);
  queued = [];
}

/** Poll `future` with `cx` until it is ready (at most `tries` polls); the output. */
export function pollReady<T>(future: FutureBase<T>, cx: Context, tries = 3): T {
  for (let i = 0; i < tries; i++) {
    const out = future.poll(cx);
    if (out !== PENDING) return out as T;
  }
  throw new Error(`map anchor: ${describeFuture(future)} still pending after ${tries} polls`);
}
