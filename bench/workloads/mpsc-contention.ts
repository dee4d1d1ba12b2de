/**
 * mpsc-contention: many producers, one consumer. 5 tasks each send 100,000 numbers into ONE
 * bounded channel of capacity 1,024; the consumer receives all 500,000 and sums them. Producers
 * are faster than the consumer, so the channel is full most of the time: this measures the
 * backpressure path (senders queueing, slots handed over on receive) as much as the fast path.
 *
 * Contenders: native uses the plainest correct promise-based bounded queue (from `ping-pong`);
 * pollux `mpsc.channel(1024)`; Effect `Queue.bounded(1024)`. effection has no bounded queue, and
 * its unbounded `createQueue()` takes minutes here (its `unshift` per item is O(n) when 500,000
 * items pile up), so effection gets the same plainest bounded queue as native, built on `action`.
 */
import { Effect, Queue } from "effect";
import { Effect as Effect3, Queue as Queue3 } from "effect3";
import { action, run as effectionRun, spawn as effectionSpawn, type Operation } from "effection";
import { type Async, END, run, spawn } from "pollux";
import { mpsc } from "pollux/sync";
import { timed } from "../lib/timed.js";
import type { Workload } from "../workload.js";
import { PromiseQueue } from "./ping-pong.js";

const PRODUCERS = 5;
const PER_PRODUCER = 100_000;
const CAPACITY = 1024;
/** Producer p sends p*PER_PRODUCER .. (p+1)*PER_PRODUCER-1, so the total is 0 + 1 + ... + N-1. */
const TOTAL = PRODUCERS * PER_PRODUCER;
const EXPECTED = (TOTAL * (TOTAL - 1)) / 2;

async function nativeProducer(q: PromiseQueue<number>, p: number): Promise<void> {
  const base = p * PER_PRODUCER;
  for (let i = 0; i < PER_PRODUCER; i++) await q.send(base + i);
}

async function nativeMain(): Promise<number> {
  const q = new PromiseQueue<number>(CAPACITY);
  const producers = [];
  for (let p = 0; p < PRODUCERS; p++) producers.push(nativeProducer(q, p));
  let sum = 0;
  for (let i = 0; i < TOTAL; i++) sum += await q.recv();
  await Promise.all(producers);
  return sum;
}

function* polluxProducer(tx: mpsc.Sender<number>, p: number): Async<void> {
  const base = p * PER_PRODUCER;
  for (let i = 0; i < PER_PRODUCER; i++) yield* tx.send(base + i);
  tx.close();
}

function* polluxMain(): Async<number> {
  const [tx, rx] = mpsc.channel<number>(CAPACITY);
  for (let p = 0; p < PRODUCERS; p++) spawn(polluxProducer(tx.clone(), p));
  tx.close();
  let sum = 0;
  for (let v = yield* rx.recv(); v !== END; v = yield* rx.recv()) sum += v;
  return sum;
}

const effect4Main: Effect.Effect<number> = Effect.gen(function* () {
  const q = yield* Queue.bounded<number>(CAPACITY);
  for (let p = 0; p < PRODUCERS; p++) {
    yield* Effect.forkChild(
      Effect.gen(function* () {
        const base = p * PER_PRODUCER;
        for (let i = 0; i < PER_PRODUCER; i++) yield* Queue.offer(q, base + i);
      }),
    );
  }
  let sum = 0;
  for (let i = 0; i < TOTAL; i++) sum += yield* Queue.take(q);
  return sum;
});

const effect3Main: Effect3.Effect<number> = Effect3.gen(function* () {
  const q = yield* Queue3.bounded<number>(CAPACITY);
  for (let p = 0; p < PRODUCERS; p++) {
    yield* Effect3.fork(
      Effect3.gen(function* () {
        const base = p * PER_PRODUCER;
        for (let i = 0; i < PER_PRODUCER; i++) yield* Queue3.offer(q, base + i);
      }),
    );
  }
  let sum = 0;
  for (let i = 0; i < TOTAL; i++) sum += yield* Queue3.take(q);
  return sum;
});

/** The native PromiseQueue, with effection `action`s in place of promises. */
class EffectionBoundedQueue<T> {
  private readonly items: T[] = [];
  private readonly receivers: ((value: T) => void)[] = [];
  private readonly senders: (() => void)[] = [];

  constructor(private readonly capacity: number) {}

  *send(value: T): Operation<void> {
    while (this.items.length >= this.capacity) {
      yield* action<void>((resolve) => {
        this.senders.push(resolve);
        return () => remove(this.senders, resolve);
      });
    }
    const receiver = this.receivers.shift();
    if (receiver !== undefined) receiver(value);
    else this.items.push(value);
  }

  *recv(): Operation<T> {
    if (this.items.length > 0) {
      const value = this.items.shift()!;
      this.senders.shift()?.();
      return value;
    }
    return yield* action<T>((resolve) => {
      this.receivers.push(resolve);
      return () => remove(this.receivers, resolve);
    });
  }
}

function remove<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

function* effectionMain(): Operation<number> {
  const q = new EffectionBoundedQueue<number>(CAPACITY);
  for (let p = 0; p < PRODUCERS; p++) {
    yield* effectionSpawn(function* () {
      const base = p * PER_PRODUCER;
      for (let i = 0; i < PER_PRODUCER; i++) yield* q.send(base + i);
    });
  }
  let sum = 0;
  for (let i = 0; i < TOTAL; i++) sum += yield* q.recv();
  return sum;
}

export default {
  name: "mpsc-contention",
  description:
    "5 producer tasks × 100,000 messages into one bounded channel of capacity 1,024, one consumer: " +
    "native promise queue, pollux `mpsc.channel(1024)`, Effect `Queue.bounded(1024)`, effection: the " +
    "native queue on `action` (its `createQueue` is O(n²) at this depth).",
  target: "≤ 0.7× native",
  contenders: {
    native: () => timed(nativeMain, EXPECTED),
    pollux: () => timed(() => run(polluxMain), EXPECTED),
    effect4: () => timed(() => Effect.runPromise(effect4Main), EXPECTED),
    effect3: () => timed(() => Effect3.runPromise(effect3Main), EXPECTED),
    effection: () => timed(() => effectionRun(effectionMain), EXPECTED),
  },
} satisfies Workload;
