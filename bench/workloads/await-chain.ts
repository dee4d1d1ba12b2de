/**
 * await-chain: the cost of `.await` on a value that is already there, the most frequent await in
 * real code (a cache hit, a buffered read). One task, 1,000,000 sequential awaits.
 */
import { Effect } from "effect";
import { Effect as Effect3 } from "effect3";
import { run as effectionRun, type Operation } from "effection";
import { type Async, ready, run } from "pollux";
import { sumBelow, timed } from "../lib/timed.js";
import type { Workload } from "../workload.js";

const N = 1_000_000;

async function nativeLoop(n: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await i;
  return sum;
}

function* polluxLoop(n: number): Async<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += yield* ready(i);
  return sum;
}

const effect4Loop = (n: number): Effect.Effect<number> =>
  Effect.gen(function* () {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += yield* Effect.succeed(i);
    return sum;
  });

const effect3Loop = (n: number): Effect3.Effect<number> =>
  Effect3.gen(function* () {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += yield* Effect3.succeed(i);
    return sum;
  });

// effection 4.1 does not export `constant`; an operation that returns at once is written as a
// generator function, the way effection code writes every operation.
function* value(i: number): Operation<number> {
  return i;
}

function* effectionLoop(n: number): Operation<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += yield* value(i);
  return sum;
}

export default {
  name: "await-chain",
  description:
    "1,000,000 sequential awaits of an already-available value in one task: native `await i`, " +
    "pollux `yield* ready(i)`, Effect `yield* Effect.succeed(i)` in Effect.gen, effection `yield* value(i)` (an operation `function* value(i) { return i }`).",
  target: "≤ 0.6× native",
  contenders: {
    native: () => timed(() => nativeLoop(N), sumBelow(N)),
    pollux: () => timed(() => run(polluxLoop(N)), sumBelow(N)),
    effect4: () => timed(() => Effect.runPromise(effect4Loop(N)), sumBelow(N)),
    effect3: () => timed(() => Effect3.runPromise(effect3Loop(N)), sumBelow(N)),
    effection: () => timed(() => effectionRun(() => effectionLoop(N)), sumBelow(N)),
  },
} satisfies Workload;
