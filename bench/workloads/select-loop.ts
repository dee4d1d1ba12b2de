/**
 * select-loop: waiting on "a message or a timeout" in a loop. 1,000,000 iterations; each sends one
 * message to a channel and then waits for whichever comes first, the message (always ready) or a
 * one-hour sleep (never ready), and adds the message to a sum. Measured: the loop's wall time, and
 * `heapGrowthMB`, the heap in use after the loop minus before it (both after a forced GC), read
 * while everything the loop created that is still reachable is alive.
 *
 * Contenders: native `await Promise.race([queue.recv(), hour])` with ONE long-lived one-hour
 * promise, the usual way to write it (a new timer per iteration would cost a setTimeout each), which
 * adds a reaction to `hour` on every call: the well-known `Promise.race` leak. pollux
 * `select({ msg: rx.recv(), timeout: sleep(3_600_000) })` over `mpsc.unbounded()`, with a new
 * `sleep` per iteration as idiomatic pollux (and Rust) code writes it: the losing branch is
 * cancelled, which unlinks its timer from the wheel if it was registered. Effect 4
 * `Effect.race(Queue.take(q), Effect.sleep("1 hour"))`.
 *
 * Not run (their functions are kept below for reference and by-hand runs): Effect 3, whose
 * `Effect.race` loop took 137 s for one sample here, beyond the harness's per-sample timeout (a
 * timed-out contender keeps running and would disturb the samples after it); and effection, whose
 * `race` in a loop grows with the iteration count (1,000 iterations: 1.1 s, 10,000: 6 s, 30,000:
 * 30 s), so one sample would take hours.
 */
import { Effect, Queue } from "effect";
import { Effect as Effect3, Queue as Queue3 } from "effect3";
import {
  createQueue,
  race as effectionRace,
  run as effectionRun,
  sleep as effectionSleep,
  type Operation,
} from "effection";
import { type Async, run } from "pollux";
import { select } from "pollux/future";
import { mpsc } from "pollux/sync";
import { sleep } from "pollux/time";
import { heapAfterGc } from "../lib/heap.js";
import { sumBelow } from "../lib/timed.js";
import type { Sample, Workload } from "../workload.js";

const N = 1_000_000;
const HOUR = 3_600_000;

/** One sample: wall time of the loop, heap growth across it; checks the sum. */
function sample(ms: number, before: number, after: number, sum: number): Sample {
  if (sum !== sumBelow(N)) throw new Error(`wrong result: expected ${sumBelow(N)}, got ${sum}`);
  return { value: ms, extra: { heapGrowthMB: (after - before) / 2 ** 20 } };
}

// --- native: the plainest promise queue, and Promise.race against one long-lived promise ---

class PromiseQueue<T> {
  private readonly items: T[] = [];
  private readonly receivers: ((value: T) => void)[] = [];

  send(value: T): void {
    const receiver = this.receivers.shift();
    if (receiver !== undefined) receiver(value);
    else this.items.push(value);
  }

  recv(): Promise<T> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift()!);
    return new Promise<T>((resolve) => this.receivers.push(resolve));
  }
}

async function nativeMain(n: number): Promise<Sample> {
  const queue = new PromiseQueue<number>();
  let timer: NodeJS.Timeout | undefined;
  const hour = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), HOUR);
  });
  const before = heapAfterGc();
  const start = performance.now();
  let sum = 0;
  for (let i = 0; i < n; i++) {
    queue.send(i);
    const v = await Promise.race([queue.recv(), hour]);
    if (v !== "timeout") sum += v;
  }
  const ms = performance.now() - start;
  const after = heapAfterGc(); // `hour` is alive: so are the reactions the loop added to it
  clearTimeout(timer);
  return sample(ms, before, after, sum);
}

// --- pollux ---

function* polluxMain(n: number): Async<Sample> {
  const [tx, rx] = mpsc.unbounded<number>();
  const before = heapAfterGc();
  const start = performance.now();
  let sum = 0;
  for (let i = 0; i < n; i++) {
    tx.send(i);
    const r = yield* select({ msg: rx.recv(), timeout: sleep(HOUR) });
    if (r.key === "msg") sum += r.value as number;
  }
  const ms = performance.now() - start;
  const after = heapAfterGc();
  return sample(ms, before, after, sum);
}

// --- Effect 4 and Effect 3 ---

const effect4Main = (n: number): Effect.Effect<Sample> =>
  Effect.gen(function* () {
    const q = yield* Queue.unbounded<number>();
    const before = heapAfterGc();
    const start = performance.now();
    let sum = 0;
    for (let i = 0; i < n; i++) {
      yield* Queue.offer(q, i);
      const v = yield* Effect.race(Queue.take(q), Effect.as(Effect.sleep(HOUR), -1));
      if (v >= 0) sum += v;
    }
    const ms = performance.now() - start;
    return sample(ms, before, heapAfterGc(), sum);
  });

const effect3Main = (n: number): Effect3.Effect<Sample> =>
  Effect3.gen(function* () {
    const q = yield* Queue3.unbounded<number>();
    const before = heapAfterGc();
    const start = performance.now();
    let sum = 0;
    for (let i = 0; i < n; i++) {
      yield* Queue3.offer(q, i);
      const v = yield* Effect3.race(Queue3.take(q), Effect3.as(Effect3.sleep(HOUR), -1));
      if (v >= 0) sum += v;
    }
    const ms = performance.now() - start;
    return sample(ms, before, heapAfterGc(), sum);
  });

// --- effection ---

function* effectionTimeout(): Operation<number> {
  yield* effectionSleep(HOUR);
  return -1;
}

function* effectionNext(queue: ReturnType<typeof createQueue<number, void>>): Operation<number> {
  return (yield* queue.next()).value as number;
}

function* effectionMain(n: number): Operation<Sample> {
  const queue = createQueue<number, void>();
  const before = heapAfterGc();
  const start = performance.now();
  let sum = 0;
  for (let i = 0; i < n; i++) {
    queue.add(i);
    const v = yield* effectionRace([effectionNext(queue), effectionTimeout()]);
    if (v >= 0) sum += v;
  }
  const ms = performance.now() - start;
  return sample(ms, before, heapAfterGc(), sum);
}

export default {
  name: "select-loop",
  description:
    "1,000,000 iterations of 'send a message, then wait for the message or a one-hour sleep': native " +
    "Promise.race against one long-lived promise, pollux `select` with a new `sleep` per iteration, " +
    "Effect 4 `Effect.race` (Effect 3 and effection are too slow to sample; see the file). Extra: heap " +
    "growth across the loop (MB).",
  target: "≤ 0.5× native, flat memory",
  samples: 5,
  contenders: {
    native: () => nativeMain(N),
    pollux: () => run(polluxMain(N)),
    effect4: () => Effect.runPromise(effect4Main(N)),
  },
} satisfies Workload;

/** Contenders left out of the harness run (see the header); run them by hand with these. */
export const slowContenders = {
  effect3: (): Promise<Sample> => Effect3.runPromise(effect3Main(N)),
  effection: (): Promise<Sample> => effectionRun(() => effectionMain(N)),
};
