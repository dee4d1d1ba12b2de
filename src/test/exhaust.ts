/**
 * `exhaust(main, { maxSchedules })`: run `main` under every distinct schedule, depth first over
 * its choice points (Rust's loom, for pollux's scheduler).
 *
 * HOW: a choice point is a poll at which two or more tasks are runnable; a schedule is the list
 * of indices chosen at each one. The first run chooses 0 everywhere and records, per choice
 * point, the choice and how many tasks were runnable. The next schedule keeps the longest prefix
 * that still has an untried alternative, takes the next alternative at its last point, and
 * chooses 0 after it. Since the program is deterministic given its choices (the paused clock,
 * seeded `Math.random`), this visits every schedule of the simulated scheduler exactly once, and
 * `complete: true` means none is left.
 *
 * Pruning: none beyond the obvious (a poll with one runnable task is not a choice). No
 * partial-order reduction: two schedules that differ only in the order of independent polls are
 * both run. That is sound, and fine for the small programs exhaust is for; the bound keeps large
 * ones finite (`complete: false`).
 *
 * What it does not explore: time. Timers fire only when no task can run (the paused clock), so a
 * schedule where a timer fires "in the middle" of runnable work is not among those tried; chaos
 * (yields inserted at await points) is not a choice either. Use `explore` with `chaos: true` for
 * those.
 */
import type { IntoFuture } from "../future/into-future.js";
import { checkMainFn } from "./explore.js";
import type { Chooser } from "./scheduler.js";
import { checkKeys, checkMaxPolls, describeError, replayCall, runSimulated } from "./simulate.js";
import type { TraceEvent } from "./trace.js";

/** Options of {@link exhaust}. */
export interface ExhaustOptions {
  /** Stop after this many schedules (then `complete` is false if any was left). Default 10,000. */
  maxSchedules?: number;
  /** A schedule that polls tasks this many times fails as never ending (see {@link simulate}). Default 1,000,000. */
  maxPolls?: number;
}

/** What {@link exhaust} resolves with when no schedule failed. */
export interface ExhaustResult {
  /** Schedules run, all passed. */
  readonly schedules: number;
  /** True when they were all the schedules there are; false when `maxSchedules` stopped it. */
  readonly complete: boolean;
}

/**
 * A schedule failed under {@link exhaust}. `choices` is that schedule, `replay` the one-line
 * `simulate(main, { choices: [...] })` call that runs it again, `cause` what the program threw.
 *
 * @example
 * // exhaust: schedule 2 of the tried ones failed: Error: lost update: 1 !== 2
 * //   replay: simulate(main, { choices: [0, 1, 0] })
 */
export class ExhaustError extends Error {
  override readonly name = "ExhaustError";

  /** @internal thrown by `exhaust`. */
  constructor(
    /** The failing schedule: the index chosen at each choice point. */
    readonly choices: readonly number[],
    /** `simulate(main, { choices: [0, 1, 0] })`: the call that replays the failure. */
    readonly replay: string,
    /** Schedules run, the failing one included. */
    readonly schedules: number,
    cause: unknown,
    /** The failing schedule's trace. */
    readonly trace: TraceEvent[] | undefined,
  ) {
    super(`exhaust: schedule ${schedules} failed: ${describeError(cause)}\n  replay: ${replay}`, { cause });
  }
}

/** @internal chooses along `prefix`, then 0; records every choice and its width. */
class DepthFirst implements Chooser {
  readonly made: number[] = [];
  readonly widths: number[] = [];
  mismatch: Error | null = null;

  constructor(
    private readonly prefix: readonly number[],
    private readonly prefixWidths: readonly number[],
  ) {}

  choose(n: number): number {
    const d = this.made.length;
    let c = 0;
    if (d < this.prefix.length) {
      c = this.prefix[d]!;
      if (n !== this.prefixWidths[d] && this.mismatch === null) {
        this.mismatch = new Error(
          `exhaust(): at choice point ${d} the same choices led to ${n} runnable tasks this time and ${this.prefixWidths[d]} before: ` +
            "main is not deterministic (it depends on state kept between runs, real IO, or Date.now()), so its schedules cannot be enumerated.",
        );
      }
      if (c >= n) c = n - 1;
    }
    this.made.push(c);
    this.widths.push(n);
    return c;
  }
}

const OPTION_KEYS = new Set(["maxSchedules", "maxPolls"]);

/**
 * Run `main` under every distinct schedule of the simulated scheduler, depth first over the
 * points where two or more tasks are runnable, up to `maxSchedules` (default 10,000). Resolves
 * with how many schedules ran and whether that was all of them (`complete`); throws an
 * {@link ExhaustError} at the first failing schedule, with the choices that replay it through
 * `simulate(main, { choices })` and the original error as `cause`.
 *
 * For small programs: schedules grow exponentially with choice points. No partial-order
 * reduction (see docs/guide-testing.md); time and chaos are not enumerated. `main` is called once
 * per schedule and must build fresh state each time.
 *
 * @example
 * const { schedules, complete } = await exhaust(function* () {
 *   const m = new Mutex(0);
 *   function* inc() { using g = yield* m.lock(); const v = g.value; yield* yieldNow(); g.value = v + 1; }
 *   const a = spawn(inc());
 *   const b = spawn(inc());
 *   yield* a;
 *   yield* b;
 *   using g = yield* m.lock();
 *   if (g.value !== 2) throw new Error(`lost update: ${g.value}`);
 * });
 * // complete === true: every interleaving passed
 */
export async function exhaust(
  main: () => IntoFuture<unknown>,
  options: ExhaustOptions = {},
): Promise<ExhaustResult> {
  checkMainFn("exhaust()", main);
  const o = checkKeys("exhaust()", options, OPTION_KEYS);
  const max = o.maxSchedules ?? 10_000;
  if (typeof max !== "number" || !Number.isSafeInteger(max) || max < 1) {
    throw new RangeError(
      `exhaust() option maxSchedules bounds how many schedules run: a positive integer such as 10000; got ${String(max)}.`,
    );
  }
  const maxPolls = checkMaxPolls("exhaust()", o.maxPolls);
  let prefix: number[] = [];
  let widths: number[] = [];
  let schedules = 0;
  for (;;) {
    if (schedules === max) return { schedules, complete: false };
    const chooser = new DepthFirst(prefix, widths);
    const out = await runSimulated(main as IntoFuture<unknown>, chooser, 1, false, false, maxPolls);
    schedules++;
    if (!out.ok) {
      const replay = replayCall(undefined, chooser.made, false);
      const again = await runSimulated(
        main as IntoFuture<unknown>,
        new DepthFirst(chooser.made, chooser.widths),
        1,
        false,
        true,
        maxPolls,
      );
      throw new ExhaustError(chooser.made, replay, schedules, out.error, again.trace);
    }
    // Backtrack: the deepest choice point with an alternative left.
    const made = chooser.made;
    let d = made.length - 1;
    while (d >= 0 && made[d]! + 1 >= chooser.widths[d]!) d--;
    if (d < 0) return { schedules, complete: true };
    prefix = made.slice(0, d + 1);
    prefix[d]!++;
    widths = chooser.widths.slice(0, d + 1);
  }
}
