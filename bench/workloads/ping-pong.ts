/**
 * ping-pong: the round-trip cost of a channel between two tasks. A pinger sends 0..N-1 through one
 * capacity-1 channel; a ponger sends each value back through another; the pinger sums the
 * replies. 100,000 round trips = 200,000 messages. Every message crosses a task switch, so this
 * measures send + wake + reschedule + recv, nothing else.
 *
 * Contenders: native uses the plainest correct promise-based bounded queue (below); pollux
 * `mpsc.channel(1)`; Effect `Queue.bounded(1)`; effection `createQueue()` (effection has no
 * bounded queue; in a strict ping-pong the bound never matters).
 */
import { Effect, Queue } from "effect";
import { Effect as Effect3, Queue as Queue3 } from "effect3";
import {
  createQueue,
  type Queue as EffectionQueue,
  run as effectionRun,
  spawn as effectionSpawn,
  type Operation,
} from "effection";
import { type Async, END, run, spawn } from "pollux";
import { mpsc } from "pollux/sync";
import { sumBelow, timed } from "../lib/timed.js";
import type { Workload } from "../workload.js";

const ROUNDS = 100_000;

// --- native: a promise-based bounded queue, the plainest correct one ---

/** A bounded promise-based queue: the plainest correct one. Also used by mpsc-contention. */
export class PromiseQueue<T> {
  private readonly items: T[] = [];
  private readonly receivers: ((value: T) => void)[] = [];
  private readonly senders: (() => void)[] = [];

  constructor(private readonly capacity: number) {}

  async send(value: T): Promise<void> {
    while (this.items.length >= this.capacity)
      await new Promise<void>((resolve) => this.senders.push(resolve));
    const receiver = this.receivers.shift();
    if (receiver !== undefined) receiver(value);
    else this.items.push(value);
  }

  recv(): Promise<T> {
    if (this.items.length > 0) {
      const value = this.items.shift()!;
      this.senders.shift()?.();
      return Promise.resolve(value);
    }
    return new Promise<T>((resolve) => this.receivers.push(resolve));
  }
}

async function nativePonger(rx: PromiseQueue<number>, tx: PromiseQueue<number>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await tx.send(await rx.recv());
}

async function nativeMain(n: number): Promise<number> {
  const ping = new PromiseQueue<number>(1);
  const pong = new PromiseQueue<number>(1);
  const ponger = nativePonger(ping, pong, n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    await ping.send(i);
    sum += await pong.recv();
  }
  await ponger;
  return sum;
}

// --- pollux ---

function* polluxPonger(rx: mpsc.Receiver<number>, tx: mpsc.Sender<number>): Async<void> {
  for (let v = yield* rx.recv(); v !== END; v = yield* rx.recv()) yield* tx.send(v);
  tx.close();
}

function* polluxMain(n: number): Async<number> {
  const [pingTx, pingRx] = mpsc.channel<number>(1);
  const [pongTx, pongRx] = mpsc.channel<number>(1);
  const ponger = spawn(polluxPonger(pingRx, pongTx));
  let sum = 0;
  for (let i = 0; i < n; i++) {
    yield* pingTx.send(i);
    sum += (yield* pongRx.recv()) as number;
  }
  pingTx.close();
  yield* ponger;
  return sum;
}

// --- Effect 4 and Effect 3: Queue.bounded(1) ---

const effect4Main = (n: number): Effect.Effect<number> =>
  Effect.gen(function* () {
    const ping = yield* Queue.bounded<number>(1);
    const pong = yield* Queue.bounded<number>(1);
    yield* Effect.forkChild(
      Effect.gen(function* () {
        for (let i = 0; i < n; i++) yield* Queue.offer(pong, yield* Queue.take(ping));
      }),
    );
    let sum = 0;
    for (let i = 0; i < n; i++) {
      yield* Queue.offer(ping, i);
      sum += yield* Queue.take(pong);
    }
    return sum;
  });

const effect3Main = (n: number): Effect3.Effect<number> =>
  Effect3.gen(function* () {
    const ping = yield* Queue3.bounded<number>(1);
    const pong = yield* Queue3.bounded<number>(1);
    yield* Effect3.fork(
      Effect3.gen(function* () {
        for (let i = 0; i < n; i++) yield* Queue3.offer(pong, yield* Queue3.take(ping));
      }),
    );
    let sum = 0;
    for (let i = 0; i < n; i++) {
      yield* Queue3.offer(ping, i);
      sum += yield* Queue3.take(pong);
    }
    return sum;
  });

// --- effection: createQueue ---

function* effectionPonger(
  rx: EffectionQueue<number, void>,
  tx: EffectionQueue<number, void>,
  n: number,
): Operation<void> {
  for (let i = 0; i < n; i++) {
    const next = yield* rx.next();
    tx.add(next.value as number);
  }
}

function* effectionMain(n: number): Operation<number> {
  const ping = createQueue<number, void>();
  const pong = createQueue<number, void>();
  yield* effectionSpawn(() => effectionPonger(ping, pong, n));
  let sum = 0;
  for (let i = 0; i < n; i++) {
    ping.add(i);
    sum += (yield* pong.next()).value as number;
  }
  return sum;
}

export default {
  name: "ping-pong",
  description:
    "two tasks exchange 200,000 messages (100,000 round trips) through two capacity-1 channels: native " +
    "promise queue, pollux `mpsc.channel(1)`, Effect `Queue.bounded(1)`, effection `createQueue`.",
  target: "≤ 0.5× native",
  contenders: {
    native: () => timed(() => nativeMain(ROUNDS), sumBelow(ROUNDS)),
    pollux: () => timed(() => run(polluxMain(ROUNDS)), sumBelow(ROUNDS)),
    effect4: () => timed(() => Effect.runPromise(effect4Main(ROUNDS)), sumBelow(ROUNDS)),
    effect3: () => timed(() => Effect3.runPromise(effect3Main(ROUNDS)), sumBelow(ROUNDS)),
    effection: () => timed(() => effectionRun(() => effectionMain(ROUNDS)), sumBelow(ROUNDS)),
  },
} satisfies Workload;
