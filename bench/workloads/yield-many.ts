/**
 * yield-many: cooperative scheduling. 200 tasks each yield 1,000 times, so every yield hands the
 * turn to another task: 200,000 task switches.
 *
 * The yield is each library's cheapest "let the others run" step:
 * - native: `await null`, one microtask turn. It is the cheapest native suspension, but it only lets
 *   other microtasks run: timers and IO starve until all 200 functions finish;
 * - pollux: `yieldNow()`, a trip to the back of the run queue; Node's event loop (timers, IO) gets a
 *   turn every 61 task polls;
 * - Effect: `Effect.yieldNow`, a trip through the fiber scheduler;
 * - effection: `until(Promise.resolve())`, a microtask turn: effection 4 has no yield-now
 *   operation, and `sleep(0)` would measure Node's 1 ms timer clamp instead of effection.
 */
import { Effect, Fiber } from "effect";
import { Effect as Effect3, Fiber as Fiber3 } from "effect3";
import { run as effectionRun, spawn as effectionSpawn, type Operation, type Task, until } from "effection";
import { type Async, type JoinHandle, run, spawn, yieldNow } from "pollux";
import { timed } from "../lib/timed.js";
import type { Workload } from "../workload.js";

const TASKS = 200;
const YIELDS = 1_000;
const EXPECTED = TASKS * YIELDS;

async function nativeWorker(yields: number): Promise<number> {
  for (let i = 0; i < yields; i++) await null;
  return yields;
}

async function nativeMain(): Promise<number> {
  const promises = new Array<Promise<number>>(TASKS);
  for (let t = 0; t < TASKS; t++) promises[t] = nativeWorker(YIELDS);
  let sum = 0;
  for (const value of await Promise.all(promises)) sum += value;
  return sum;
}

function* polluxWorker(yields: number): Async<number> {
  for (let i = 0; i < yields; i++) yield* yieldNow();
  return yields;
}

function* polluxMain(): Async<number> {
  const handles = new Array<JoinHandle<number>>(TASKS);
  for (let t = 0; t < TASKS; t++) handles[t] = spawn(polluxWorker(YIELDS));
  let sum = 0;
  for (const handle of handles) sum += yield* handle;
  return sum;
}

const effect4Worker = (yields: number): Effect.Effect<number> =>
  Effect.gen(function* () {
    for (let i = 0; i < yields; i++) yield* Effect.yieldNow;
    return yields;
  });

const effect4Main: Effect.Effect<number> = Effect.gen(function* () {
  const fibers = new Array<Fiber.Fiber<number>>(TASKS);
  for (let t = 0; t < TASKS; t++) fibers[t] = yield* Effect.forkChild(effect4Worker(YIELDS));
  let sum = 0;
  for (const fiber of fibers) sum += yield* Fiber.join(fiber);
  return sum;
});

const effect3Worker = (yields: number): Effect3.Effect<number> =>
  Effect3.gen(function* () {
    for (let i = 0; i < yields; i++) yield* Effect3.yieldNow();
    return yields;
  });

const effect3Main: Effect3.Effect<number> = Effect3.gen(function* () {
  const fibers = new Array<Fiber3.RuntimeFiber<number>>(TASKS);
  for (let t = 0; t < TASKS; t++) fibers[t] = yield* Effect3.fork(effect3Worker(YIELDS));
  let sum = 0;
  for (const fiber of fibers) sum += yield* Fiber3.join(fiber);
  return sum;
});

function* effectionWorker(): Operation<number> {
  for (let i = 0; i < YIELDS; i++) yield* until(Promise.resolve());
  return YIELDS;
}

function* effectionMain(): Operation<number> {
  const tasks = new Array<Task<number>>(TASKS);
  for (let t = 0; t < TASKS; t++) tasks[t] = yield* effectionSpawn(effectionWorker);
  let sum = 0;
  for (const task of tasks) sum += yield* task;
  return sum;
}

export default {
  name: "yield-many",
  description:
    "200 tasks × 1,000 cooperative yields each (200,000 task switches): native `await null` (a microtask " +
    "turn), pollux `yieldNow()`, `Effect.yieldNow`, effection `until(Promise.resolve())` (a microtask turn; " +
    "effection has no yield-now).",
  contenders: {
    native: () => timed(nativeMain, EXPECTED),
    pollux: () => timed(() => run(polluxMain()), EXPECTED),
    effect4: () => timed(() => Effect.runPromise(effect4Main), EXPECTED),
    effect3: () => timed(() => Effect3.runPromise(effect3Main), EXPECTED),
    effection: () => timed(() => effectionRun(effectionMain), EXPECTED),
  },
} satisfies Workload;
