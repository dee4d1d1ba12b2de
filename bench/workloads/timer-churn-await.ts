/**
 * timer-churn-await: the timeout pattern as each library's users write it, in one task: 200,000
 * times, await an operation that completes after one suspension, under a 1 s time limit that never
 * fires. What is measured is the timer's arm/disarm plus one suspension and resumption through
 * each scheduler (compare `timer-churn`, the timer machinery alone, and `yield-many`, the
 * scheduler alone).
 *
 * Native: `setTimeout`, `await null` (one microtask), `clearTimeout`, the cheapest honest native
 * form (a `Promise.race` wrapper costs more). pollux: `yield* timeout(1000, yieldNow())`. Effect:
 * `Effect.timeout(Effect.yieldNow, 1000)`. effection: `race([op, sleep(1000)])` with an operation
 * that suspends once (`until(Promise.resolve())`), effection's idiom for a time limit.
 *
 * Sizes: with fewer iterations (50,000) the figure is dominated by re-optimizing code after the
 * harness's forced GC rather than by the pattern. effection is not sampled: its `race` spawns a
 * task per operand, and one sample took 31 s for 50,000 iterations by hand (about 340× native),
 * so 200,000 would exceed the harness's per-sample timeout. `effectionMain` is exported for a
 * manual run.
 */
import { Effect } from "effect";
import { Effect as Effect3 } from "effect3";
import { sleep as effectionSleep, type Operation, race, until } from "effection";
import { type Async, run, yieldNow } from "pollux";
import { timeout } from "pollux/time";
import { timed } from "../lib/timed.js";
import type { Workload } from "../workload.js";

const N = 200_000;

const onTimeout = (): void => {
  throw new Error("a 1 s timeout fired during the benchmark");
};

async function nativeMain(): Promise<number> {
  let done = 0;
  for (let i = 0; i < N; i++) {
    const id = setTimeout(onTimeout, 1_000);
    await null;
    clearTimeout(id);
    done++;
  }
  return done;
}

function* polluxMain(): Async<number> {
  let done = 0;
  for (let i = 0; i < N; i++) {
    yield* timeout(1_000, yieldNow());
    done++;
  }
  return done;
}

const effect4Main: Effect.Effect<number, unknown> = Effect.gen(function* () {
  let done = 0;
  for (let i = 0; i < N; i++) {
    yield* Effect.timeout(Effect.yieldNow, 1_000);
    done++;
  }
  return done;
});

const effect3Main: Effect3.Effect<number, unknown> = Effect3.gen(function* () {
  let done = 0;
  for (let i = 0; i < N; i++) {
    yield* Effect3.timeout(Effect3.yieldNow(), 1_000);
    done++;
  }
  return done;
});

function* suspendOnce(): Operation<number> {
  return yield* until(Promise.resolve(1));
}

/** Not sampled (see the header); exported for a manual run. */
export function* effectionMain(): Operation<number> {
  let done = 0;
  for (let i = 0; i < N; i++) {
    yield* race([suspendOnce(), effectionSleep(1_000)]);
    done++;
  }
  return done;
}

export default {
  name: "timer-churn-await",
  description:
    "200,000 times in one task: await an operation that completes after one suspension, under a 1 s " +
    "time limit that never fires. Native setTimeout + await null + clearTimeout; pollux " +
    "timeout(1000, yieldNow()); Effect.timeout(Effect.yieldNow, 1000). effection (race with sleep) is too " +
    "slow to sample at this size; see the file.",
  contenders: {
    native: () => timed(nativeMain, N),
    pollux: () => timed(() => run(polluxMain()), N),
    effect4: () => timed(() => Effect.runPromise(effect4Main), N),
    effect3: () => timed(() => Effect3.runPromise(effect3Main), N),
  },
} satisfies Workload;
