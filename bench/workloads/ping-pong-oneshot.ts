/**
 * ping-pong-oneshot: the same 100,000 round trips (200,000 messages) as `ping-pong`, but every
 * message travels in a fresh one-shot channel, as in request/reply code. Each ping carries the
 * sender of its reply and the receiver on which the next ping will arrive, so every round
 * creates two one-shot pairs: the cost measured is creating, sending and awaiting one-shots.
 *
 * Contenders: native uses deferred promises (`new Promise` + its resolve function); pollux
 * `oneshot()`; Effect `Deferred`; effection `withResolvers()`.
 */
import { Deferred, Effect } from "effect";
import { Deferred as Deferred3, Effect as Effect3 } from "effect3";
import { run as effectionRun, spawn as effectionSpawn, type Operation, withResolvers } from "effection";
import { type Async, run, spawn } from "pollux";
import { type OneshotReceiver, type OneshotSender, oneshot } from "pollux/sync";
import { sumBelow, timed } from "../lib/timed.js";
import type { Workload } from "../workload.js";

const ROUNDS = 100_000;

// --- native: deferred promises ---

interface NativePing {
  value: number;
  reply: (value: number) => void;
  next: Promise<NativePing | null>;
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

async function nativePonger(first: Promise<NativePing | null>): Promise<void> {
  for (let ping = await first; ping !== null; ping = await ping.next) ping.reply(ping.value);
}

async function nativeMain(n: number): Promise<number> {
  let send = deferred<NativePing | null>();
  const ponger = nativePonger(send.promise);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const reply = deferred<number>();
    const next = deferred<NativePing | null>();
    send.resolve({ value: i, reply: reply.resolve, next: next.promise });
    send = next;
    sum += await reply.promise;
  }
  send.resolve(null);
  await ponger;
  return sum;
}

// --- pollux: oneshot() ---

interface Ping {
  value: number;
  reply: OneshotSender<number>;
  next: OneshotReceiver<Ping | null>;
}

function* polluxPonger(first: OneshotReceiver<Ping | null>): Async<void> {
  for (let ping = yield* first; ping !== null; ping = yield* ping.next) ping.reply.send(ping.value);
}

function* polluxMain(n: number): Async<number> {
  let [tx, rx] = oneshot<Ping | null>();
  const ponger = spawn(polluxPonger(rx));
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const [replyTx, replyRx] = oneshot<number>();
    const [nextTx, nextRx] = oneshot<Ping | null>();
    tx.send({ value: i, reply: replyTx, next: nextRx });
    tx = nextTx;
    sum += yield* replyRx;
  }
  tx.send(null);
  yield* ponger;
  return sum;
}

// --- Effect 4 and Effect 3: Deferred ---

interface EffectPing {
  value: number;
  reply: Deferred.Deferred<number>;
  next: Deferred.Deferred<EffectPing | null>;
}

const effect4Main = (n: number): Effect.Effect<number> =>
  Effect.gen(function* () {
    let send = yield* Deferred.make<EffectPing | null>();
    const first = send;
    yield* Effect.forkChild(
      Effect.gen(function* () {
        for (
          let ping = yield* Deferred.await(first);
          ping !== null;
          ping = yield* Deferred.await(ping.next)
        ) {
          yield* Deferred.succeed(ping.reply, ping.value);
        }
      }),
    );
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const reply = yield* Deferred.make<number>();
      const next = yield* Deferred.make<EffectPing | null>();
      yield* Deferred.succeed(send, { value: i, reply, next });
      send = next;
      sum += yield* Deferred.await(reply);
    }
    yield* Deferred.succeed(send, null);
    return sum;
  });

interface Effect3Ping {
  value: number;
  reply: Deferred3.Deferred<number>;
  next: Deferred3.Deferred<Effect3Ping | null>;
}

const effect3Main = (n: number): Effect3.Effect<number> =>
  Effect3.gen(function* () {
    let send = yield* Deferred3.make<Effect3Ping | null>();
    const first = send;
    yield* Effect3.fork(
      Effect3.gen(function* () {
        for (
          let ping = yield* Deferred3.await(first);
          ping !== null;
          ping = yield* Deferred3.await(ping.next)
        ) {
          yield* Deferred3.succeed(ping.reply, ping.value);
        }
      }),
    );
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const reply = yield* Deferred3.make<number>();
      const next = yield* Deferred3.make<Effect3Ping | null>();
      yield* Deferred3.succeed(send, { value: i, reply, next });
      send = next;
      sum += yield* Deferred3.await(reply);
    }
    yield* Deferred3.succeed(send, null);
    return sum;
  });

// --- effection: withResolvers ---

interface EffectionPing {
  value: number;
  reply: (value: number) => void;
  next: Operation<EffectionPing | null>;
}

function* effectionPonger(first: Operation<EffectionPing | null>): Operation<void> {
  for (let ping = yield* first; ping !== null; ping = yield* ping.next) ping.reply(ping.value);
}

function* effectionMain(n: number): Operation<number> {
  let send = withResolvers<EffectionPing | null>();
  const first = send.operation;
  yield* effectionSpawn(() => effectionPonger(first));
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const reply = withResolvers<number>();
    const next = withResolvers<EffectionPing | null>();
    send.resolve({ value: i, reply: reply.resolve, next: next.operation });
    send = next;
    sum += yield* reply.operation;
  }
  send.resolve(null);
  return sum;
}

export default {
  name: "ping-pong-oneshot",
  description:
    "two tasks exchange 200,000 messages (100,000 round trips), each in a fresh one-shot channel (two " +
    "pairs per round): native deferred promises, pollux `oneshot()`, Effect `Deferred`, effection " +
    "`withResolvers`.",
  target: "≤ 0.5× native",
  contenders: {
    native: () => timed(() => nativeMain(ROUNDS), sumBelow(ROUNDS)),
    pollux: () => timed(() => run(polluxMain(ROUNDS)), sumBelow(ROUNDS)),
    effect4: () => timed(() => Effect.runPromise(effect4Main(ROUNDS)), sumBelow(ROUNDS)),
    effect3: () => timed(() => Effect3.runPromise(effect3Main(ROUNDS)), sumBelow(ROUNDS)),
    effection: () => timed(() => effectionRun(() => effectionMain(ROUNDS)), sumBelow(ROUNDS)),
  },
} satisfies Workload;
