/**
 * timers: many concurrent sleeps. 200,000 tasks each sleep a pseudo-random 1–50 ms (the same
 * seeded delays for every contender), then all are joined. The sample is the wall time beyond the
 * longest sleep (50 ms): what the timer machinery and the scheduler cost on top of waiting. The
 * total wall time is attached as `wallMs`.
 *
 * Native is `Promise.all` over `new Promise((r) => setTimeout(r, ms))`: one Node `Timeout` per
 * sleep, grouped by Node into one list per distinct duration. pollux spawns a task per sleep (the
 * task's future is the `Sleep`), all sharing one timing wheel and ONE Node timer. Effect forks a
 * fiber per `Effect.sleep` and joins them; effection spawns a task per `sleep` and joins them. No
 * contender wraps each sleep in a function of its own: a generator per task would add the cost of
 * starting 200,000 generators (see spawn-join) to what is measured here.
 */
import { Effect, Fiber } from "effect";
import { Effect as Effect3, Fiber as Fiber3 } from "effect3";
import {
  run as effectionRun,
  sleep as effectionSleep,
  spawn as effectionSpawn,
  type Operation,
  type Task,
} from "effection";
import { type Async, type JoinHandle, run, spawn } from "pollux";
import { sleep } from "pollux/time";
import { seededDelays } from "../lib/delays.js";
import { timed } from "../lib/timed.js";
import type { Sample, Workload } from "../workload.js";

const N = 200_000;
const LONGEST = 50;

/** The same pseudo-random delays (1..50 ms) for every contender and sample. */
const DELAYS = seededDelays(N, LONGEST);

async function overhead(work: () => Promise<number>): Promise<Sample> {
  const wall = await timed(work, N);
  return { value: wall - LONGEST, extra: { wallMs: wall } };
}

// --- native ---

function nativeSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function nativeMain(): Promise<number> {
  const all = new Array<Promise<void>>(N);
  for (let i = 0; i < N; i++) all[i] = nativeSleep(DELAYS[i]!);
  return (await Promise.all(all)).length;
}

// --- pollux ---

function* polluxMain(): Async<number> {
  const handles = new Array<JoinHandle<void>>(N);
  // The task's future is the Sleep itself, as native's "task" is the setTimeout promise itself.
  for (let i = 0; i < N; i++) handles[i] = spawn(sleep(DELAYS[i]!));
  let done = 0;
  for (const h of handles) {
    yield* h;
    done++;
  }
  return done;
}

// --- Effect ---

const effect4Main: Effect.Effect<number> = Effect.gen(function* () {
  const fibers = new Array<Fiber.Fiber<void>>(N);
  for (let i = 0; i < N; i++) fibers[i] = yield* Effect.forkChild(Effect.sleep(DELAYS[i]!));
  let done = 0;
  for (const f of fibers) {
    yield* Fiber.join(f);
    done++;
  }
  return done;
});

const effect3Main: Effect3.Effect<number> = Effect3.gen(function* () {
  const fibers = new Array<Fiber3.RuntimeFiber<void>>(N);
  for (let i = 0; i < N; i++) fibers[i] = yield* Effect3.fork(Effect3.sleep(DELAYS[i]!));
  let done = 0;
  for (const f of fibers) {
    yield* Fiber3.join(f);
    done++;
  }
  return done;
});

// --- effection ---

function* effectionMain(): Operation<number> {
  const tasks = new Array<Task<void>>(N);
  for (let i = 0; i < N; i++) {
    const ms = DELAYS[i]!;
    tasks[i] = yield* effectionSpawn(() => effectionSleep(ms));
  }
  let done = 0;
  for (const t of tasks) {
    yield* t;
    done++;
  }
  return done;
}

export default {
  name: "timers",
  description:
    "200,000 tasks each sleep a seeded random 1–50 ms, then all are joined; ms of wall time beyond the " +
    "longest sleep (50 ms). Native Promise.all of setTimeout promises, pollux spawn(sleep(ms)) + join (one " +
    "wheel, one Node timer), Effect fork of Effect.sleep + join, effection spawn of sleep + join.",
  target: "overhead ≤ 0.25× native",
  samples: 7,
  contenders: {
    native: () => overhead(nativeMain),
    pollux: () => overhead(() => run(polluxMain())),
    effect4: () => overhead(() => Effect.runPromise(effect4Main)),
    effect3: () => overhead(() => Effect3.runPromise(effect3Main)),
    effection: () => overhead(() => effectionRun(effectionMain)),
  },
} satisfies Workload;
