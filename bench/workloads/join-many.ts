/**
 * join-many: awaiting many things at once on ONE task. 10,000 futures each complete after exactly
 * one wake (their own signal, fired once all of them are being awaited); the parent awaits them
 * all with one combinator and sums the outputs.
 *
 * The children are leaf futures, as the issue states the workload ("joinAll of 10,000 futures that
 * each complete after one wake, vs Promise.all"), so this measures the combinator itself: native
 * `Promise.all` over 10,000 promises, each resolved once by hand; pollux `joinAll` over 10,000 oneshot
 * receivers (leaf futures), each woken once by a second task (no child is spawned: each gets a child waker and only
 * woken children are polled again); Effect `Effect.all(..., { concurrency: "unbounded" })` over
 * `Deferred.await` (a fiber per child); effection `all` over `withResolvers` operations (a task per
 * child). With async-fn children instead (each awaiting its signal), the cost of driving 10,000
 * generators is added on both sides; that variant is not in this file.
 */
import { Deferred, Effect, Fiber } from "effect";
import { Deferred as Deferred3, Effect as Effect3, Fiber as Fiber3 } from "effect3";
import {
  all as effectionAll,
  run as effectionRun,
  spawn as effectionSpawn,
  type Operation,
  withResolvers,
} from "effection";
import { type Async, run, spawn } from "pollux";
import { joinAll } from "pollux/future";
import { type OneshotReceiver, type OneshotSender, oneshot } from "pollux/sync";
import { sumBelow, timed } from "../lib/timed.js";
import type { Workload } from "../workload.js";

const N = 10_000;

// --- native ---

async function nativeMain(n: number): Promise<number> {
  const resolvers = new Array<(value: number) => void>(n);
  const children = new Array<Promise<number>>(n);
  for (let i = 0; i < n; i++) {
    children[i] = new Promise<number>((resolve) => {
      resolvers[i] = resolve;
    });
  }
  const all = Promise.all(children);
  for (let i = 0; i < n; i++) resolvers[i]!(i); // every child is awaited: wake each once
  let sum = 0;
  for (const v of await all) sum += v;
  return sum;
}

// --- pollux ---

// Each child is a oneshot receiver, pollux's own "resolved once by hand" leaf future, as Effect's
// children are `Deferred`s and effection's `withResolvers`. (A class of the benchmark's own would
// measure V8 in the full-GC regime: its hidden classes die with every sample, and the code that
// used them is thrown away; the library types of every contender outlive a sample.)

function* fireAll(senders: OneshotSender<number>[]): Async<void> {
  for (let i = 0; i < senders.length; i++) senders[i]!.send(i);
}

function* polluxMain(n: number): Async<number> {
  const senders = new Array<OneshotSender<number>>(n);
  const receivers = new Array<OneshotReceiver<number>>(n);
  for (let i = 0; i < n; i++) [senders[i], receivers[i]] = oneshot<number>();
  // Runs once this task suspends, i.e. once every receiver is being awaited.
  spawn(fireAll(senders));
  let sum = 0;
  for (const v of yield* joinAll(receivers)) sum += v;
  return sum;
}

// --- Effect 4 and Effect 3 ---

const effect4Main = (n: number): Effect.Effect<number> =>
  Effect.gen(function* () {
    const deferreds = new Array<Deferred.Deferred<number>>(n);
    for (let i = 0; i < n; i++) deferreds[i] = yield* Deferred.make<number>();
    const fiber = yield* Effect.forkChild(
      Effect.all(
        deferreds.map((d) => Deferred.await(d)),
        { concurrency: "unbounded" },
      ),
    );
    yield* Effect.yieldNow;
    for (let i = 0; i < n; i++) yield* Deferred.succeed(deferreds[i]!, i);
    let sum = 0;
    for (const v of yield* Fiber.join(fiber)) sum += v;
    return sum;
  });

const effect3Main = (n: number): Effect3.Effect<number> =>
  Effect3.gen(function* () {
    const deferreds = new Array<Deferred3.Deferred<number>>(n);
    for (let i = 0; i < n; i++) deferreds[i] = yield* Deferred3.make<number>();
    const fiber = yield* Effect3.fork(
      Effect3.all(
        deferreds.map((d) => Deferred3.await(d)),
        { concurrency: "unbounded" },
      ),
    );
    yield* Effect3.yieldNow();
    for (let i = 0; i < n; i++) yield* Deferred3.succeed(deferreds[i]!, i);
    let sum = 0;
    for (const v of yield* Fiber3.join(fiber)) sum += v;
    return sum;
  });

// --- effection ---

function* effectionMain(n: number): Operation<number> {
  const resolvers = new Array<ReturnType<typeof withResolvers<number>>>(n);
  const children = new Array<Operation<number>>(n);
  for (let i = 0; i < n; i++) {
    const r = withResolvers<number>();
    resolvers[i] = r;
    children[i] = r.operation;
  }
  const task = yield* effectionSpawn(() => effectionAll(children));
  for (let i = 0; i < n; i++) resolvers[i]!.resolve(i);
  let sum = 0;
  for (const v of yield* task) sum += v;
  return sum;
}

export default {
  name: "join-many",
  description:
    "await 10,000 futures that each complete after one wake, on one task: native Promise.all over " +
    "10,000 promises resolved once each, pollux `joinAll` over 10,000 oneshot receivers woken once each " +
    "(child wakers, no spawn), Effect `Effect.all` unbounded over `Deferred.await`, effection `all` " +
    "over `withResolvers`.",
  target: "≤ 0.5× native",
  contenders: {
    native: () => timed(() => nativeMain(N), sumBelow(N)),
    pollux: () => timed(() => run(polluxMain(N)), sumBelow(N)),
    effect4: () => timed(() => Effect.runPromise(effect4Main(N)), sumBelow(N)),
    effect3: () => timed(() => Effect3.runPromise(effect3Main(N)), sumBelow(N)),
    effection: () => timed(() => effectionRun(() => effectionMain(N)), sumBelow(N)),
  },
} satisfies Workload;
