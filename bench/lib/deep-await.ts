/**
 * deep-await-d: the await-chain loop (1,000,000 awaits of an available value) run at async-fn
 * nesting depth d: main awaits f1, which awaits f2, ..., and fd runs the loop. Each level is one
 * async fn of its library (native async fn, pollux `asyncFn`, `Effect.gen`, effection operation
 * function). The awaited values never suspend, so this shows what nesting costs while code runs.
 */
import { Effect } from "effect";
import { Effect as Effect3 } from "effect3";
import { run as effectionRun, type Operation } from "effection";
import { type Async, asyncFn, type Future, ready, run } from "pollux";
import type { Workload } from "../workload.js";
import { sumBelow, timed } from "./timed.js";

const N = 1_000_000;

async function nativeLevel(depth: number, n: number): Promise<number> {
  if (depth > 1) return await nativeLevel(depth - 1, n);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await i;
  return sum;
}

const polluxLevel: (depth: number, n: number) => Future<number> = asyncFn(function* (
  depth: number,
  n: number,
): Async<number> {
  if (depth > 1) return yield* polluxLevel(depth - 1, n);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += yield* ready(i);
  return sum;
});

const effect4Level = (depth: number, n: number): Effect.Effect<number> =>
  Effect.gen(function* () {
    if (depth > 1) return yield* effect4Level(depth - 1, n);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += yield* Effect.succeed(i);
    return sum;
  });

const effect3Level = (depth: number, n: number): Effect3.Effect<number> =>
  Effect3.gen(function* () {
    if (depth > 1) return yield* effect3Level(depth - 1, n);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += yield* Effect3.succeed(i);
    return sum;
  });

function* value(i: number): Operation<number> {
  return i;
}

function* effectionLevel(depth: number, n: number): Operation<number> {
  if (depth > 1) return yield* effectionLevel(depth - 1, n);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += yield* value(i);
  return sum;
}

/** The deep-await workload at nesting `depth`. */
export function deepAwait(depth: number, target?: string): Workload {
  const expected = sumBelow(N);
  return {
    name: `deep-await-${depth}`,
    description:
      `1,000,000 awaits of an available value (as in await-chain) inside the innermost of ${depth} nested ` +
      "async fns (pollux: each level an `asyncFn`; Effect: `Effect.gen`; effection: operation functions).",
    ...(target === undefined ? {} : { target }),
    contenders: {
      native: () => timed(() => nativeLevel(depth, N), expected),
      pollux: () => timed(() => run(polluxLevel(depth, N)), expected),
      effect4: () => timed(() => Effect.runPromise(effect4Level(depth, N)), expected),
      effect3: () => timed(() => Effect3.runPromise(effect3Level(depth, N)), expected),
      effection: () => timed(() => effectionRun(() => effectionLevel(depth, N)), expected),
    },
  };
}
