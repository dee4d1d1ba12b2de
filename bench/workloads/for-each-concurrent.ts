/**
 * for-each-concurrent: 1,000,000 items handled by an async function, at most 16 at a time. Every
 * 8th item suspends once (a cache miss that waits for the scheduler); the others complete at once.
 *
 * Contenders:
 * - native: 16 workers share one async iterator (an async generator), each `for await`-ing items
 *   and awaiting the handler; a miss is `await null` (one microtask turn);
 * - pollux: `fromIterable(source()).forEachConcurrent(16, handle)` on one task; a miss is
 *   `yieldNow()` (a trip through the run queue).
 */
import { type Async, asyncFn, run, yieldNow } from "pollux";
import { fromIterable } from "pollux/stream";
import { sumBelow, timed } from "../lib/timed.js";
import type { Workload } from "../workload.js";

const ITEMS = 1_000_000;
const LIMIT = 16;
const EXPECTED = sumBelow(ITEMS);

// --- native ---

async function* nativeSource(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
}

async function nativeMain(): Promise<number> {
  let sum = 0;
  const handle = async (i: number): Promise<void> => {
    if ((i & 7) === 0) await null;
    sum += i;
  };
  const it = nativeSource(ITEMS);
  const worker = async (): Promise<void> => {
    for await (const i of it) await handle(i);
  };
  const workers: Promise<void>[] = [];
  for (let w = 0; w < LIMIT; w++) workers.push(worker());
  await Promise.all(workers);
  return sum;
}

// --- pollux ---

function* source(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

let polluxSum = 0;
const handle = asyncFn(function* (i: number) {
  if ((i & 7) === 0) yield* yieldNow();
  polluxSum += i;
});

function* polluxMain(): Async<number> {
  polluxSum = 0;
  yield* fromIterable(source(ITEMS)).forEachConcurrent(LIMIT, handle);
  return polluxSum;
}

export default {
  name: "for-each-concurrent",
  description: "1,000,000 items, an async handler at most 16 at a time, every 8th suspending once",
  target: "≤ 1.0× native",
  samples: 5,
  contenders: {
    native: () => timed(nativeMain, EXPECTED),
    pollux: () => timed(() => run(polluxMain()), EXPECTED),
  },
} satisfies Workload;
