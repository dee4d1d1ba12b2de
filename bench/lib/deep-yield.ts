/**
 * deep-yield-d: 100,000 suspensions inside the innermost of d nested async fns, one task. Every
 * suspension must be resumed, so this shows what resuming costs at depth: V8 resumes a generator
 * suspended inside d `yield*` delegations by walking all d levels; pollux resumes the innermost
 * frame directly (its task keeps the frame stack), so its cost should not grow with d.
 *
 * The suspension is each library's cheapest "let others run" step:
 * - native: `await null`, one microtask turn (lets other microtasks run, never timers or IO);
 * - pollux: `yieldNow()`, a trip to the back of the run queue (Node's event loop gets a turn
 *   every 61 polls, so timers and IO do run);
 * - Effect: `Effect.yieldNow`, a trip through the fiber scheduler;
 * - effection: `until(Promise.resolve())`, a microtask turn; effection 4 has no yield-now
 *   operation and `sleep(0)` would measure Node's 1 ms timer clamp.
 */
import { Effect } from "effect";
import { Effect as Effect3 } from "effect3";
import { run as effectionRun, type Operation, until } from "effection";
import { type Async, asyncFn, type Future, run, yieldNow } from "pollux";
import type { Workload } from "../workload.js";
import { timed } from "./timed.js";

const N = 100_000;

async function nativeLevel(depth: number, n: number): Promise<number> {
  if (depth > 1) return await nativeLevel(depth - 1, n);
  for (let i = 0; i < n; i++) await null;
  return n;
}

const polluxLevel: (depth: number, n: number) => Future<number> = asyncFn(function* (
  depth: number,
  n: number,
): Async<number> {
  if (depth > 1) return yield* polluxLevel(depth - 1, n);
  for (let i = 0; i < n; i++) yield* yieldNow();
  return n;
});

const effect4Level = (depth: number, n: number): Effect.Effect<number> =>
  Effect.gen(function* () {
    if (depth > 1) return yield* effect4Level(depth - 1, n);
    for (let i = 0; i < n; i++) yield* Effect.yieldNow;
    return n;
  });

const effect3Level = (depth: number, n: number): Effect3.Effect<number> =>
  Effect3.gen(function* () {
    if (depth > 1) return yield* effect3Level(depth - 1, n);
    for (let i = 0; i < n; i++) yield* Effect3.yieldNow();
    return n;
  });

function* effectionLevel(depth: number, n: number): Operation<number> {
  if (depth > 1) return yield* effectionLevel(depth - 1, n);
  for (let i = 0; i < n; i++) yield* until(Promise.resolve());
  return n;
}

/** The deep-yield workload at nesting `depth`. */
export function deepYield(depth: number, target?: string): Workload {
  return {
    name: `deep-yield-${depth}`,
    description:
      `100,000 suspensions inside the innermost of ${depth} nested async fns, one task: native \`await null\` ` +
      "(a microtask turn), pollux `yieldNow()` (run queue; event loop every 61 polls), `Effect.yieldNow`, " +
      "effection `until(Promise.resolve())` (a microtask turn; effection has no yield-now).",
    ...(target === undefined ? {} : { target }),
    contenders: {
      native: () => timed(() => nativeLevel(depth, N), N),
      pollux: () => timed(() => run(polluxLevel(depth, N)), N),
      effect4: () => timed(() => Effect.runPromise(effect4Level(depth, N)), N),
      effect3: () => timed(() => Effect3.runPromise(effect3Level(depth, N)), N),
      effection: () => timed(() => effectionRun(() => effectionLevel(depth, N)), N),
    },
  };
}
