/**
 * sleep-memory: what a sleeping task costs to keep. 100,000 tasks each start a 60 s sleep; once all
 * of them are asleep, heap growth since before spawning (both read after a forced GC) is divided by
 * 100,000. Nothing fires during the measurement; the sleeps are then cancelled (native timers are
 * cleared) so the next sample starts clean.
 *
 * Each task is a function of its own awaiting the sleep, as users write it: native, an async
 * function awaiting `new Promise((r) => setTimeout(r, ms))` (its promise, the executor's resolve
 * functions and a Node `Timeout` object per task); pollux, a spawned generator doing
 * `yield* sleep(ms)` (a task, a generator and a Sleep that is itself the wheel's list node);
 * Effect, a forked `Effect.gen` doing `yield* Effect.sleep(ms)`; effection, a spawned generator
 * doing `yield* sleep(ms)`.
 */
import { Effect } from "effect";
import { Effect as Effect3 } from "effect3";
import {
  run as effectionRun,
  sleep as effectionSleep,
  spawn as effectionSpawn,
  type Operation,
  until,
} from "effection";
import { type Async, run, spawn, yieldNow } from "pollux";
import { sleep } from "pollux/time";
import { heapAfterGc } from "../lib/heap.js";
import type { Sample, Workload } from "../workload.js";

const N = 100_000;
const MS = 60_000;

let started = 0;

function perTask(before: number, after: number): Sample {
  if (started !== N) throw new Error(`only ${started} of ${N} tasks started`);
  return { value: (after - before) / N, extra: { heapGrowthMB: (after - before) / 2 ** 20 } };
}

// --- native ---

// Allocated once, outside the measurement: only what each task needs is counted.
const timerIds = new Array<NodeJS.Timeout | undefined>(N).fill(undefined);

async function nativeSleeper(i: number): Promise<void> {
  started++;
  await new Promise<void>((resolve) => {
    timerIds[i] = setTimeout(resolve, MS);
  });
}

async function nativeMain(): Promise<Sample> {
  started = 0;
  const before = heapAfterGc();
  for (let i = 0; i < N; i++) void nativeSleeper(i);
  const after = heapAfterGc();
  // No cancellation exists natively: clear the timers; the suspended async fns become garbage.
  for (let i = 0; i < N; i++) {
    clearTimeout(timerIds[i]);
    timerIds[i] = undefined;
  }
  return perTask(before, after);
}

// --- pollux ---

function* polluxSleeper(): Async<void> {
  started++;
  yield* sleep(MS);
}

function* polluxMain(): Async<Sample> {
  started = 0;
  const before = heapAfterGc();
  for (let i = 0; i < N; i++) spawn(polluxSleeper());
  while (started < N) yield* yieldNow();
  const after = heapAfterGc();
  return perTask(before, after);
  // Returning from main makes run() cancel every sleeping task: each Sleep leaves the wheel.
}

// --- Effect ---

const effect4Sleeper = Effect.gen(function* () {
  started++;
  yield* Effect.sleep(MS);
});

const effect4Main: Effect.Effect<Sample> = Effect.gen(function* () {
  started = 0;
  const before = heapAfterGc();
  for (let i = 0; i < N; i++) yield* Effect.forkChild(effect4Sleeper);
  while (started < N) yield* Effect.yieldNow;
  yield* Effect.yieldNow;
  const after = heapAfterGc();
  return perTask(before, after);
  // Child fibers are interrupted when the parent completes.
});

const effect3Sleeper = Effect3.gen(function* () {
  started++;
  yield* Effect3.sleep(MS);
});

const effect3Main: Effect3.Effect<Sample> = Effect3.gen(function* () {
  started = 0;
  const before = heapAfterGc();
  for (let i = 0; i < N; i++) yield* Effect3.fork(effect3Sleeper);
  while (started < N) yield* Effect3.yieldNow();
  yield* Effect3.yieldNow();
  const after = heapAfterGc();
  return perTask(before, after);
});

// --- effection ---

function* effectionSleeper(): Operation<void> {
  started++;
  yield* effectionSleep(MS);
}

function* effectionMain(): Operation<Sample> {
  started = 0;
  const before = heapAfterGc();
  for (let i = 0; i < N; i++) yield* effectionSpawn(effectionSleeper);
  while (started < N) yield* until(Promise.resolve());
  yield* until(Promise.resolve());
  const after = heapAfterGc();
  return perTask(before, after);
  // The spawned tasks are halted when main returns: their timers are cleared.
}

export default {
  name: "sleep-memory",
  description:
    "heap bytes per sleeping task, 100,000 tasks each in a 60 s sleep: native async fn awaiting a " +
    "setTimeout promise, pollux spawned generator doing `yield* sleep(ms)`, Effect fork of Effect.gen + " +
    "Effect.sleep, effection spawn + sleep. Heap after GC with all asleep, minus heap before, / 100,000.",
  unit: "B/task",
  target: "≤ 1× native",
  contenders: {
    native: nativeMain,
    pollux: () => run(polluxMain(), { onOrphans: false }), // main leaves its sleepers on purpose
    effect4: () => Effect.runPromise(effect4Main),
    effect3: () => Effect3.runPromise(effect3Main),
    effection: () => effectionRun(effectionMain),
  },
} satisfies Workload;
