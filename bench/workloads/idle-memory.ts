/**
 * idle-memory: what a suspended task costs to keep. 100,000 tasks each wait on something that never
 * happens; once all of them are suspended, heap growth since before spawning (both read after a
 * forced GC) is divided by 100,000. Then they are cleaned up (cancelled, interrupted, halted; native
 * ones are released by settling the promise they await) so the next sample starts clean.
 *
 * Each task first bumps a counter, so the parent can wait until every task has really started and
 * reached its suspension point before reading the heap (Effect and effection start forked work
 * later, on their schedulers).
 */
import { Effect } from "effect";
import { Effect as Effect3 } from "effect3";
import { run as effectionRun, spawn as effectionSpawn, type Operation, suspend, until } from "effection";
import { type Async, pending, run, spawn, yieldNow } from "pollux";
import { mpsc } from "pollux/sync";
import { heapAfterGc } from "../lib/heap.js";
import type { Sample, Workload } from "../workload.js";

const N = 100_000;

let started = 0;

function perTask(before: number, after: number): { value: number; extra: Record<string, number> } {
  if (started !== N) throw new Error(`only ${started} of ${N} tasks started`);
  return { value: (after - before) / N, extra: { heapGrowthMB: (after - before) / 2 ** 20 } };
}

// Native has no cancellation: the leaf is a promise the harness can settle to release the tasks.
// Headline: each task awaits its own promise whose resolver is kept, as a task waiting on its own
// IO would be (like pollux's per-task leaf; an unreferenced never-settled promise would let GC
// collect the whole task). Extra figure `sharedPromiseB`: all tasks await ONE promise, the
// cheapest native form, which only fits tasks that all wait for the same event.
let release: () => void = () => {};

async function nativeIdle(never: Promise<void>): Promise<void> {
  started++;
  await never;
}

async function nativeShared(): Promise<number> {
  started = 0;
  const never = new Promise<void>((resolve) => {
    release = resolve;
  });
  const before = heapAfterGc();
  for (let i = 0; i < N; i++) void nativeIdle(never);
  const after = heapAfterGc();
  release();
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (started !== N) throw new Error(`only ${started} of ${N} tasks started`);
  return (after - before) / N;
}

async function nativeOwn(): Promise<number> {
  started = 0;
  const resolvers = new Array<() => void>(N);
  const before = heapAfterGc();
  for (let i = 0; i < N; i++) {
    void nativeIdle(
      new Promise<void>((resolve) => {
        resolvers[i] = resolve;
      }),
    );
  }
  const after = heapAfterGc();
  for (const resolve of resolvers) resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (started !== N) throw new Error(`only ${started} of ${N} tasks started`);
  return (after - before) / N;
}

async function nativeMain(): Promise<Sample> {
  const own = await nativeOwn();
  const shared = await nativeShared();
  return { value: own, extra: { sharedPromiseB: shared } };
}

function* polluxIdle(): Async<void> {
  started++;
  yield* pending();
}

// Extra figure `ownChannelB`: each task waits on the receiver of its own `mpsc.channel(1)`, the
// sender kept by the parent (as native's resolver is): a task parked on its own IO-like source.
let ended = 0;

function* polluxChannelIdle(rx: mpsc.Receiver<void>): Async<void> {
  started++;
  yield* rx.recv();
  ended++;
}

function* polluxOwnChannel(): Async<number> {
  started = 0;
  const senders = new Array<mpsc.Sender<void>>(N);
  const before = heapAfterGc();
  for (let i = 0; i < N; i++) {
    const [tx, rx] = mpsc.channel<void>(1);
    senders[i] = tx;
    spawn(polluxChannelIdle(rx));
  }
  while (started < N) yield* yieldNow();
  const after = heapAfterGc();
  ended = 0;
  for (const tx of senders) tx.close(); // every task sees END and finishes
  while (ended < N) yield* yieldNow();
  return perTask(before, after).value;
}

function* polluxMain(): Async<Sample> {
  const ownChannel = yield* polluxOwnChannel();
  started = 0;
  const before = heapAfterGc();
  for (let i = 0; i < N; i++) spawn(polluxIdle());
  while (started < N) yield* yieldNow();
  const after = heapAfterGc();
  const sample = perTask(before, after);
  return { ...sample, extra: { ...sample.extra, ownChannelB: ownChannel } };
  // Returning from main makes run() cancel every task still alive.
}

const effect4Idle = Effect.gen(function* () {
  started++;
  yield* Effect.never;
});

const effect4Main: Effect.Effect<Sample> = Effect.gen(function* () {
  started = 0;
  const before = heapAfterGc();
  for (let i = 0; i < N; i++) yield* Effect.forkChild(effect4Idle);
  while (started < N) yield* Effect.yieldNow;
  yield* Effect.yieldNow;
  const after = heapAfterGc();
  return perTask(before, after);
  // Child fibers are interrupted when the parent completes (auto supervision).
});

const effect3Idle = Effect3.gen(function* () {
  started++;
  yield* Effect3.never;
});

const effect3Main: Effect3.Effect<Sample> = Effect3.gen(function* () {
  started = 0;
  const before = heapAfterGc();
  for (let i = 0; i < N; i++) yield* Effect3.fork(effect3Idle);
  while (started < N) yield* Effect3.yieldNow();
  yield* Effect3.yieldNow();
  const after = heapAfterGc();
  return perTask(before, after);
});

function* effectionIdle(): Operation<void> {
  started++;
  yield* suspend();
}

function* effectionMain(): Operation<Sample> {
  started = 0;
  const before = heapAfterGc();
  for (let i = 0; i < N; i++) yield* effectionSpawn(effectionIdle);
  while (started < N) yield* until(Promise.resolve());
  yield* until(Promise.resolve());
  const after = heapAfterGc();
  return perTask(before, after);
  // Structured concurrency: the spawned tasks are halted when main returns.
}

export default {
  name: "idle-memory",
  description:
    "heap bytes per suspended task, 100,000 tasks each waiting forever: native async fn awaiting its own " +
    "never-settled promise, resolver kept (extra figure: one promise shared by all tasks), pollux `spawn` of `yield* pending()` (extra figure: each task on the receiver of its own `mpsc.channel(1)`), Effect fork of `Effect.never`, effection " +
    "`spawn` of `suspend()`. Heap after GC with all suspended, minus heap before spawning, / 100,000.",
  unit: "B/task",
  target: "≤ 0.6× native",
  contenders: {
    native: nativeMain,
    pollux: () => run(polluxMain(), { onOrphans: false }), // main leaves its idle tasks on purpose
    effect4: () => Effect.runPromise(effect4Main),
    effect3: () => Effect3.runPromise(effect3Main),
    effection: () => effectionRun(effectionMain),
  },
} satisfies Workload;
