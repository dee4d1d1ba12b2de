/**
 * spawn-join: the cost of a task. 100,000 tasks that each return a number at once, spawned from
 * one parent and then joined one by one. Native has no tasks: its closest form is calling an
 * async fn (which runs at once, eagerly) and `Promise.all` over the results.
 */
import { Effect, Fiber } from "effect";
import { Effect as Effect3, Fiber as Fiber3 } from "effect3";
import { run as effectionRun, spawn as effectionSpawn, type Operation, type Task } from "effection";
import { type Async, type JoinHandle, run, spawn } from "pollux";
import { sumBelow, timed } from "../lib/timed.js";
import type { Workload } from "../workload.js";

const N = 100_000;

async function nativeChild(i: number): Promise<number> {
  return i;
}

async function nativeMain(n: number): Promise<number> {
  const promises = new Array<Promise<number>>(n);
  for (let i = 0; i < n; i++) promises[i] = nativeChild(i);
  let sum = 0;
  for (const value of await Promise.all(promises)) sum += value;
  return sum;
}

function* polluxChild(i: number): Async<number> {
  return i;
}

function* polluxMain(n: number): Async<number> {
  const handles = new Array<JoinHandle<number>>(n);
  for (let i = 0; i < n; i++) handles[i] = spawn(polluxChild(i));
  let sum = 0;
  for (const handle of handles) sum += yield* handle;
  return sum;
}

const effect4Main = (n: number): Effect.Effect<number> =>
  Effect.gen(function* () {
    const fibers = new Array<Fiber.Fiber<number>>(n);
    for (let i = 0; i < n; i++) fibers[i] = yield* Effect.forkChild(Effect.succeed(i));
    let sum = 0;
    for (const fiber of fibers) sum += yield* Fiber.join(fiber);
    return sum;
  });

const effect3Main = (n: number): Effect3.Effect<number> =>
  Effect3.gen(function* () {
    const fibers = new Array<Fiber3.RuntimeFiber<number>>(n);
    for (let i = 0; i < n; i++) fibers[i] = yield* Effect3.fork(Effect3.succeed(i));
    let sum = 0;
    for (const fiber of fibers) sum += yield* Fiber3.join(fiber);
    return sum;
  });

function* effectionChild(i: number): Operation<number> {
  return i;
}

function* effectionMain(n: number): Operation<number> {
  const tasks = new Array<Task<number>>(n);
  for (let i = 0; i < n; i++) tasks[i] = yield* effectionSpawn(() => effectionChild(i));
  let sum = 0;
  for (const task of tasks) sum += yield* task;
  return sum;
}

export default {
  name: "spawn-join",
  description:
    "spawn 100,000 tasks that each return a number at once, then join them all: native Promise.all " +
    "over async fn calls, pollux `spawn` + `yield* handle`, Effect fork + `Fiber.join`, effection " +
    "`spawn` + `yield* task`.",
  target: "≤ 0.6× native",
  contenders: {
    native: () => timed(() => nativeMain(N), sumBelow(N)),
    pollux: () => timed(() => run(polluxMain(N)), sumBelow(N)),
    effect4: () => timed(() => Effect.runPromise(effect4Main(N)), sumBelow(N)),
    effect3: () => timed(() => Effect3.runPromise(effect3Main(N)), sumBelow(N)),
    effection: () => timed(() => effectionRun(() => effectionMain(N)), sumBelow(N)),
  },
} satisfies Workload;
