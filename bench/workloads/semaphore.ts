/**
 * semaphore: 1,000 tasks contend for 10 permits, 100 acquisitions each (100,000 in all). Each task
 * holds its permit across one yield to the scheduler, so 10 tasks hold permits while the other 990
 * wait in the queue: every release hands a permit to a waiting task.
 *
 * Contenders: native uses the plainest correct promise-based semaphore (below) and `await null` as
 * the yield; pollux `Semaphore` with `yieldNow()`; Effect `Semaphore.withPermits(1)`
 * around `Effect.yieldNow`; effection has no semaphore, so the plainest one built on `action`,
 * with a resolved-promise `call` as the yield.
 */
import { Effect, Semaphore as Semaphore4 } from "effect";
import { Effect as Effect3 } from "effect3";
import {
  action,
  call,
  run as effectionRun,
  spawn as effectionSpawn,
  type Operation,
  type Task,
} from "effection";
import { type Async, type JoinHandle, run, spawn, yieldNow } from "pollux";
import { Semaphore } from "pollux/sync";
import { timed } from "../lib/timed.js";
import type { Workload } from "../workload.js";

const TASKS = 1_000;
const PERMITS = 10;
const ROUNDS = 100;
const EXPECTED = TASKS * ROUNDS;

// --- native: a promise-based semaphore, the plainest correct one ---

class PromiseSemaphore {
  private readonly waiters: (() => void)[] = [];
  constructor(private permits: number) {}

  acquire(): Promise<void> | undefined {
    if (this.permits > 0) {
      this.permits--;
      return undefined;
    }
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next !== undefined) next();
    else this.permits++;
  }
}

async function nativeWorker(sem: PromiseSemaphore, counter: { n: number }): Promise<void> {
  for (let i = 0; i < ROUNDS; i++) {
    await sem.acquire();
    try {
      await null;
      counter.n++;
    } finally {
      sem.release();
    }
  }
}

async function nativeMain(): Promise<number> {
  const sem = new PromiseSemaphore(PERMITS);
  const counter = { n: 0 };
  const workers = [];
  for (let t = 0; t < TASKS; t++) workers.push(nativeWorker(sem, counter));
  await Promise.all(workers);
  return counter.n;
}

// --- pollux ---

// try/finally, like the native contender. `using permit = yield* sem.acquire()` works too, but on
// Node 20 TypeScript/esbuild lower `using` to helper calls that allocate per scope, which about
// doubles this workload's time: a toolchain cost, not the semaphore's.
function* polluxWorker(sem: Semaphore, counter: { n: number }): Async<void> {
  for (let i = 0; i < ROUNDS; i++) {
    const permit = yield* sem.acquire();
    try {
      yield* yieldNow();
      counter.n++;
    } finally {
      permit.release();
    }
  }
}

function* polluxMain(): Async<number> {
  const sem = new Semaphore(PERMITS);
  const counter = { n: 0 };
  const workers: JoinHandle<void>[] = [];
  for (let t = 0; t < TASKS; t++) workers.push(spawn(polluxWorker(sem, counter)));
  for (const w of workers) yield* w;
  return counter.n;
}

// --- Effect 4 and Effect 3: withPermits(1) around a yield ---

const effect4Main: Effect.Effect<number> = Effect.gen(function* () {
  const sem = yield* Semaphore4.make(PERMITS);
  const counter = { n: 0 };
  const critical = sem.withPermits(1)(
    Effect.map(Effect.yieldNow, () => {
      counter.n++;
    }),
  );
  const worker = Effect.gen(function* () {
    for (let i = 0; i < ROUNDS; i++) yield* critical;
  });
  yield* Effect.forEach(Array.from({ length: TASKS }), () => worker, {
    concurrency: "unbounded",
    discard: true,
  });
  return counter.n;
});

const effect3Main: Effect3.Effect<number> = Effect3.gen(function* () {
  const sem = yield* Effect3.makeSemaphore(PERMITS);
  const counter = { n: 0 };
  const critical = sem.withPermits(1)(
    Effect3.map(Effect3.yieldNow(), () => {
      counter.n++;
    }),
  );
  const worker = Effect3.gen(function* () {
    for (let i = 0; i < ROUNDS; i++) yield* critical;
  });
  yield* Effect3.forEach(Array.from({ length: TASKS }), () => worker, {
    concurrency: "unbounded",
    discard: true,
  });
  return counter.n;
});

// --- effection: the plainest semaphore on `action` ---

class EffectionSemaphore {
  private readonly waiters: (() => void)[] = [];
  constructor(private permits: number) {}

  *acquire(): Operation<void> {
    if (this.permits > 0) {
      this.permits--;
      return;
    }
    yield* action<void>((resolve) => {
      this.waiters.push(resolve);
      return () => {
        const i = this.waiters.indexOf(resolve);
        if (i >= 0) this.waiters.splice(i, 1);
      };
    });
  }

  release(): void {
    const next = this.waiters.shift();
    if (next !== undefined) next();
    else this.permits++;
  }
}

function* effectionWorker(sem: EffectionSemaphore, counter: { n: number }): Operation<void> {
  for (let i = 0; i < ROUNDS; i++) {
    yield* sem.acquire();
    try {
      yield* call(() => Promise.resolve());
      counter.n++;
    } finally {
      sem.release();
    }
  }
}

function* effectionMain(): Operation<number> {
  const sem = new EffectionSemaphore(PERMITS);
  const counter = { n: 0 };
  const workers: Task<void>[] = [];
  for (let t = 0; t < TASKS; t++) workers.push(yield* effectionSpawn(() => effectionWorker(sem, counter)));
  for (const w of workers) yield* w;
  return counter.n;
}

export default {
  name: "semaphore",
  description:
    "1,000 tasks contend for 10 permits, 100 acquisitions each, holding the permit across one yield: " +
    "native promise semaphore, pollux `Semaphore`, Effect `withPermits(1)`, effection semaphore on `action`.",
  target: "faster than Effect 4 and effection",
  contenders: {
    native: () => timed(nativeMain, EXPECTED),
    pollux: () => timed(() => run(polluxMain), EXPECTED),
    effect4: () => timed(() => Effect.runPromise(effect4Main), EXPECTED),
    effect3: () => timed(() => Effect3.runPromise(effect3Main), EXPECTED),
    effection: () => timed(() => effectionRun(effectionMain), EXPECTED),
  },
} satisfies Workload;
