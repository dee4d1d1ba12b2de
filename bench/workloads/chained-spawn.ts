/**
 * chained-spawn: 10,000 tasks in a chain. Each task spawns the next and awaits it; the last one
 * returns 0 and every task adds 1 to its child's result on the way back. Measures spawn, suspend
 * and wake-on-completion along a chain where only one task is ever runnable.
 *
 * Native has no spawn. Calling an async fn runs it at once, on the caller's stack, so a plain
 * recursive chain of 10,000 async fn calls overflows the stack; native "spawns" the child the way
 * pollux does, on a later turn: `Promise.resolve(n - 1).then(nativeLink)` (one microtask).
 */
import { Effect, Fiber } from "effect";
import { Effect as Effect3, Fiber as Fiber3 } from "effect3";
import { run as effectionRun, spawn as effectionSpawn, type Operation } from "effection";
import { type Async, run, spawn } from "pollux";
import { timed } from "../lib/timed.js";
import type { Workload } from "../workload.js";

const N = 10_000;

async function nativeLink(n: number): Promise<number> {
  if (n === 0) return 0;
  const child = Promise.resolve(n - 1).then(nativeLink);
  return (await child) + 1;
}

function* polluxLink(n: number): Async<number> {
  if (n === 0) return 0;
  return (yield* spawn(polluxLink(n - 1))) + 1;
}

const effect4Link = (n: number): Effect.Effect<number> =>
  Effect.gen(function* () {
    if (n === 0) return 0;
    const child = yield* Effect.forkChild(effect4Link(n - 1));
    return (yield* Fiber.join(child)) + 1;
  });

const effect3Link = (n: number): Effect3.Effect<number> =>
  Effect3.gen(function* () {
    if (n === 0) return 0;
    const child = yield* Effect3.fork(effect3Link(n - 1));
    return (yield* Fiber3.join(child)) + 1;
  });

function* effectionLink(n: number): Operation<number> {
  if (n === 0) return 0;
  const child = yield* effectionSpawn(() => effectionLink(n - 1));
  return (yield* child) + 1;
}

export default {
  name: "chained-spawn",
  description:
    "10,000 tasks in a chain: each spawns the next and awaits it, results propagate back (native: " +
    "each async fn starts the next on a microtask, `Promise.resolve(n - 1).then(link)`, and awaits it; Effect: fork + `Fiber.join`; effection: `spawn` + `yield* task`).",
  contenders: {
    native: () => timed(() => nativeLink(N), N),
    pollux: () => timed(() => run(polluxLink(N)), N),
    effect4: () => timed(() => Effect.runPromise(effect4Link(N)), N),
    effect3: () => timed(() => Effect3.runPromise(effect3Link(N)), N),
    effection: () => timed(() => effectionRun(() => effectionLink(N)), N),
  },
} satisfies Workload;
