/**
 * `explore(main, { seeds })`: `simulate` over many seeds, stopping at the first failure.
 *
 * Seeds run in order from `firstSeed` (default 1), so a run of `explore` is itself reproducible
 * and a CI failure names a seed anyone can replay. A failing seed is run a second time with the
 * trace on: the error carries that trace, and says so if the second run did not fail (the program
 * depends on something the simulation does not control).
 */

import { isFuture } from "../future/future.js";
import type { IntoFuture } from "../future/into-future.js";
import { isGenerator } from "../future/into-future.js";
import {
  checkFlag,
  checkKeys,
  checkMaxPolls,
  checkSeed,
  describeError,
  replayCall,
  runSimulated,
} from "./simulate.js";
import type { TraceEvent } from "./trace.js";

/** Options of {@link explore}. */
export interface ExploreOptions {
  /** How many seeds to run. Default 1,000. */
  seeds?: number;
  /** The first seed; seeds `firstSeed`, `firstSeed + 1`, ... run. Default 1. */
  firstSeed?: number;
  /** Run every seed with chaos (see {@link simulate}). Default false. */
  chaos?: boolean;
  /** A run that polls tasks this many times fails as never ending (see {@link simulate}). Default 1,000,000. */
  maxPolls?: number;
}

/** What {@link explore} resolves with when every seed passed. */
export interface ExploreResult {
  /** Seeds run (all passed). */
  readonly seeds: number;
  /** Task polls over all seeds. */
  readonly polls: number;
}

/**
 * A seed failed under {@link explore}. The message names the seed and the one-line call that
 * replays it; `cause` is what the program threw.
 *
 * @example
 * // explore: seed 37 failed after 36 passing seeds: Error: lost update: 1 !== 2
 * //   replay: simulate(main, { seed: 37 })
 */
export class ExploreError extends Error {
  override readonly name = "ExploreError";

  /** @internal thrown by `explore`. */
  constructor(
    /** The failing seed. */
    readonly seed: number,
    /** `simulate(main, { seed: 37 })`: the call that replays the failure. */
    readonly replay: string,
    /** Seeds that passed before this one. */
    readonly passed: number,
    cause: unknown,
    /** The failing run's trace (from a second run of the seed). */
    readonly trace: TraceEvent[] | undefined,
    replayed: boolean,
  ) {
    super(
      `explore: seed ${seed} failed after ${passed} passing seed${passed === 1 ? "" : "s"}: ${describeError(cause)}\n` +
        `  replay: ${replay}` +
        (replayed
          ? ""
          : "\n  warning: a second run of this seed did not fail: the program depends on something the simulation does not control (real IO, Date.now(), state shared between runs)."),
      { cause },
    );
  }
}

/** @internal `main` must be a function explore can call once per run. */
export function checkMainFn(fn: string, main: unknown): void {
  if (typeof main !== "function" || isFuture(main) || isGenerator(main)) {
    throw new TypeError(
      `${fn} runs main once per schedule, so it needs a function that makes a fresh program each time ` +
        `(function* () { ... } or () => future); got ${isFuture(main) ? "a future" : isGenerator(main) ? "a generator object" : String(main)}.`,
    );
  }
}

const OPTION_KEYS = new Set(["seeds", "firstSeed", "chaos", "maxPolls"]);

/**
 * Run `main` under {@link simulate} with seeds `firstSeed`, `firstSeed + 1`, ... (`seeds` of them,
 * default 1,000), and stop at the first that fails: throws an {@link ExploreError} naming the seed
 * and the one-line `simulate(main, { seed })` call that replays it, with the original error as
 * `cause`. `main` is called once per seed, so it must build a fresh program (and fresh state)
 * each time: pass the generator function, not a generator.
 *
 * Cost: one simulated run per seed; a two-task program runs thousands of seeds per second.
 *
 * @example
 * await explore(function* () {
 *   let n = 0;
 *   const inc = asyncFn(function* () { const v = n; yield* yieldNow(); n = v + 1; });
 *   yield* join(inc(), inc());
 *   if (n !== 2) throw new Error(`lost update: ${n}`);
 * }, { seeds: 1_000 }); // throws: explore: seed 3 failed ... replay: simulate(main, { seed: 3 })
 */
export async function explore(
  main: () => IntoFuture<unknown>,
  options: ExploreOptions = {},
): Promise<ExploreResult> {
  checkMainFn("explore()", main);
  const o = checkKeys("explore()", options, OPTION_KEYS);
  const seeds = o.seeds ?? 1000;
  if (typeof seeds !== "number" || !Number.isSafeInteger(seeds) || seeds < 1) {
    throw new RangeError(
      `explore() option seeds is how many seeds to run: a positive integer such as 1000; got ${String(seeds)}.`,
    );
  }
  const first = o.firstSeed === undefined ? 1 : checkSeed(o.firstSeed, "explore() option firstSeed");
  if (!Number.isSafeInteger(first + seeds - 1)) {
    throw new RangeError(
      `explore(): firstSeed + seeds - 1 must be a safe integer; got ${first} + ${seeds} - 1.`,
    );
  }
  const chaos = checkFlag("explore()", "chaos", o.chaos);
  const maxPolls = checkMaxPolls("explore()", o.maxPolls);
  let polls = 0;
  for (let i = 0; i < seeds; i++) {
    const seed = first + i;
    const out = await runSimulated(main as IntoFuture<unknown>, null, seed, chaos, false, maxPolls);
    polls += out.polls;
    if (!out.ok) {
      const again = await runSimulated(main as IntoFuture<unknown>, null, seed, chaos, true, maxPolls);
      throw new ExploreError(seed, replayCall(seed, undefined, chaos), i, out.error, again.trace, !again.ok);
    }
  }
  return { seeds, polls };
}
