/**
 * `simulate(main, { seed })`: run `main` once on a runtime whose every scheduling decision comes
 * from a seed, with the paused clock, so the run can be replayed event for event.
 *
 * What is controlled: which runnable task is polled next (the seed picks among all of them; the
 * LIFO slot and queue order of the normal runtime are not used), time (the paused clock: it moves
 * only when no task can run, to the next timer, so a one-hour timeout costs nothing and never
 * depends on the machine), chaos decisions, `Math.random` during polls, and task ids (per
 * runtime, from 1). What is not: anything the program takes from outside the runtime — real IO
 * (files, sockets, child processes), promises it awaits through `fromPromise`, `Date.now()`,
 * `Instant.now()`'s absolute value (differences are simulated; the origin is the real time at
 * start), worker threads (`spawnBlocking`). Such a program still runs, but a seed may not replay.
 *
 * One simulation runs at a time in a process: `Math.random` is swapped during its drains.
 */
import type { IntoFuture } from "../future/into-future.js";
import { Runtime } from "../runtime/runtime.js";
import type { TimeDriver } from "../time/driver.js";
import { Prng } from "./prng.js";
import { type Chooser, SeededChooser, SimScheduler } from "./scheduler.js";
import type { TraceEvent } from "./trace.js";

/** Options of {@link simulate}. */
export interface SimulateOptions {
  /** The schedule's seed: a positive safe integer. The same seed replays the same schedule. */
  seed?: number;
  /**
   * Replay a schedule found by {@link exhaust}: the index chosen at each choice point (among the
   * runnable tasks, when two or more can run). Instead of `seed`.
   */
  choices?: readonly number[];
  /** Insert yields at await points and spurious wakes, decided by the seed. Default false. */
  chaos?: boolean;
  /** Record the ordered list of spawns, wakes, polls and completions. Default false. */
  trace?: boolean;
  /**
   * Fail the run after this many task polls (a livelock, or a program that never ends: on the
   * paused clock a loop over `sleep` spins at full speed). Default 1,000,000.
   */
  maxPolls?: number;
}

/** What {@link simulate} resolves with. */
export interface SimulationResult<T> {
  /** What `main` returned. */
  readonly value: T;
  /** The seed it ran with (undefined when replaying `choices`). */
  readonly seed: number | undefined;
  /** Task polls in the whole run. */
  readonly polls: number;
  /** Choice points: polls chosen among two or more runnable tasks. */
  readonly choicePoints: number;
  /** With `trace: true`, every spawn, wake, poll and completion in order; else undefined. */
  readonly trace: TraceEvent[] | undefined;
}

/**
 * A simulated run failed: `main` threw (or was cancelled, or deadlocked), or a task failed and
 * nobody awaited it. `cause` is the original error, `replay` the one-line call that runs the same
 * schedule again, `trace` the run's trace when it was recorded.
 *
 * @example
 * try { await simulate(main, { seed: 42 }); }
 * catch (e) { if (e instanceof SimulationError) console.log(e.replay, e.cause); }
 */
export class SimulationError extends Error {
  override readonly name = "SimulationError";

  /** @internal thrown by `simulate`. */
  constructor(
    readonly seed: number | undefined,
    /** `simulate(main, { seed: 42 })`: paste it into a test to replay the failing schedule. */
    readonly replay: string,
    cause: unknown,
    readonly trace: TraceEvent[] | undefined,
    readonly polls: number,
  ) {
    super(`simulation failed: ${describeError(cause)}\n  replay: ${replay}`, { cause });
  }
}

/** @internal `message` of an Error, else its string form. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

const OPTION_KEYS = new Set(["seed", "choices", "chaos", "trace", "maxPolls"]);

/** @internal default of `maxPolls`. */
export const DEFAULT_MAX_POLLS = 1_000_000;

/** @internal validate `maxPolls`. */
export function checkMaxPolls(fn: string, value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_POLLS;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(
      `${fn} option maxPolls must be a positive integer (task polls before a run counts as never ending); got ${String(value)}.`,
    );
  }
  return value;
}

/** @internal validate a seed: a positive safe integer. */
export function checkSeed(seed: unknown, what: string): number {
  if (typeof seed !== "number" || !Number.isSafeInteger(seed) || seed < 1) {
    throw new RangeError(
      `${what} must be a positive safe integer (1, 2, ... up to 2^53 - 1); got ${typeof seed === "number" ? seed : JSON.stringify(seed)}. ` +
        "Seeds start at 1: use the seed an explore() failure printed, or any whole number you like.",
    );
  }
  return seed;
}

/** @internal validate an options bag's keys. */
export function checkKeys(fn: string, options: unknown, known: Set<string>): Record<string, unknown> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${fn} options must be an object; got ${String(options)}.`);
  }
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      throw new TypeError(`unknown ${fn} option "${key}"; known options: ${[...known].join(", ")}.`);
    }
  }
  return options as Record<string, unknown>;
}

/** @internal validate a boolean option. */
export function checkFlag(fn: string, name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") {
    throw new TypeError(`${fn} option ${name} must be true or false; got ${String(value)}.`);
  }
  return value;
}

/** @internal a chooser replaying recorded choices, then choosing the first runnable task. */
export class ReplayChooser implements Chooser {
  private i = 0;
  mismatch: Error | null = null;

  constructor(private readonly choices: readonly number[]) {}

  choose(n: number): number {
    const c = this.i < this.choices.length ? this.choices[this.i]! : 0;
    this.i++;
    if (c >= n) {
      this.mismatch ??= new Error(
        `simulate({ choices }): choice ${this.i - 1} is ${c}, but only ${n} tasks are runnable there: ` +
          "these choices were recorded from another program, or the program is not deterministic.",
      );
      return n - 1;
    }
    return c;
  }
}

/** @internal the outcome of one simulated run. */
export interface RunOutcome<T> {
  ok: boolean;
  value: T | undefined;
  error: unknown;
  polls: number;
  choicePoints: number;
  trace: TraceEvent[] | undefined;
}

/** The seed of `Math.random` when a run has no seed (exhaust, replay of choices). */
const CHOICES_RANDOM_SEED = 1;

/** @internal run `main` once under the simulated scheduler. Never rejects. */
export async function runSimulated<T>(
  main: IntoFuture<T>,
  chooser: Chooser | null,
  seed: number,
  chaos: boolean,
  trace: boolean,
  maxPolls: number,
  configure?: (sim: SimScheduler) => void,
): Promise<RunOutcome<T>> {
  const prng = new Prng(seed);
  let rt: Runtime | null = null;
  let origin = -1;
  const clock = (): number => {
    const driver = rt?.time as TimeDriver | null | undefined;
    if (driver === null || driver === undefined) return 0;
    if (origin < 0) origin = driver.lastNow;
    return driver.lastNow - origin;
  };
  const unobserved: unknown[] = [];
  const budget = 128;
  const sim = new SimScheduler(
    chooser ?? new SeededChooser(prng),
    prng,
    chaos,
    trace,
    clock,
    budget,
    maxPolls,
  );
  configure?.(sim);
  rt = new Runtime({
    clock: "paused",
    scheduler: sim,
    budget,
    instrument: false,
    onOrphans: false,
    onTaskError: (error, task) => {
      unobserved.push(
        new Error(
          `task #${task.id}${task.name === undefined ? "" : ` "${task.name}"`} failed and nobody awaited it: ${describeError(error)}`,
          { cause: error },
        ),
      );
    },
  });
  const runtime = rt;
  // From a microtask, after the drain that hit the limit has parked its runnable tasks at the
  // head of the queue (the runtime expects them there), not from inside the drain.
  sim.onLimit = () => queueMicrotask(() => void runtime.shutdown());
  let ok = true;
  let value: T | undefined;
  let error: unknown;
  try {
    value = await rt.run(main);
  } catch (e) {
    ok = false;
    error = e;
  }
  await rt.shutdown();
  const mismatch = chooser?.mismatch ?? null;
  if (mismatch !== null) {
    ok = false;
    error = mismatch;
  } else if (sim.limited) {
    ok = false;
    error = new Error(
      `the simulation stopped after ${maxPolls} task polls with main still running: a livelock, or a program ` +
        "that never ends (on the paused clock a loop over sleep() or yieldNow() spins at full speed). " +
        "Raise maxPolls if the program is just long.",
    );
  } else if (ok && unobserved.length > 0) {
    ok = false;
    error = unobserved[0];
  }
  return { ok, value, error, polls: sim.polls, choicePoints: sim.choices, trace: sim.trace ?? undefined };
}

/** @internal the one-line call that replays a run. */
export function replayCall(
  seed: number | undefined,
  choices: readonly number[] | undefined,
  chaos: boolean,
): string {
  const what = seed !== undefined ? `seed: ${seed}` : `choices: [${(choices ?? []).join(", ")}]`;
  return `simulate(main, { ${what}${chaos ? ", chaos: true" : ""} })`;
}

/**
 * Run `main` once under deterministic simulation: a paused clock, and a scheduler that picks the
 * next task to poll among all runnable ones with a generator seeded by `seed`. The same seed (and
 * program) gives the same schedule, event for event, in any process; different seeds give
 * different interleavings. With `chaos: true` the seed also inserts yields at await points and
 * spurious wakes. With `trace: true` the result (or the error) carries the ordered list of spawns,
 * wakes, polls and completions (see {@link formatTrace}).
 *
 * Rejects with a {@link SimulationError} (the original error as `cause`, and the one-line replay
 * call) when `main` throws, is cancelled or deadlocks, or when a task fails and nobody awaits it.
 * Tasks still alive when `main` returns are cancelled, as `run()` does.
 *
 * What is simulated and what is not: see docs/guide-testing.md. In short, everything the runtime
 * schedules is; real IO, `fromPromise` promises and `Date.now()` are not. One simulation at a
 * time per process.
 *
 * Cost: a runtime per call; each poll costs one choice (a few nanoseconds) on top of the normal
 * runtime's work, plus an event object per step with `trace`.
 *
 * @example
 * const { value, trace } = await simulate(function* () {
 *   const a = spawn(work("a"));
 *   const b = spawn(work("b"));
 *   return [yield* a, yield* b];
 * }, { seed: 1234, trace: true });
 */
export async function simulate<T>(
  main: IntoFuture<T>,
  options: SimulateOptions,
): Promise<SimulationResult<T>> {
  const o = checkKeys("simulate()", options, OPTION_KEYS);
  const chaos = checkFlag("simulate()", "chaos", o.chaos);
  const trace = checkFlag("simulate()", "trace", o.trace);
  let seed: number | undefined;
  let choices: readonly number[] | undefined;
  if (o.choices !== undefined) {
    if (o.seed !== undefined) {
      throw new TypeError("simulate(): pass either seed or choices, not both.");
    }
    const c = o.choices;
    if (!Array.isArray(c) || !c.every((x) => Number.isSafeInteger(x) && x >= 0)) {
      throw new TypeError(
        `simulate() option choices must be an array of integers >= 0, as an exhaust() failure prints; got ${String(c)}.`,
      );
    }
    choices = c as readonly number[];
  } else {
    if (o.seed === undefined) {
      throw new TypeError(
        "simulate() needs a seed: simulate(main, { seed: 1 }); explore() tries many seeds.",
      );
    }
    seed = checkSeed(o.seed, "simulate() option seed");
  }
  const chooser = choices !== undefined ? new ReplayChooser(choices) : null;
  const maxPolls = checkMaxPolls("simulate()", o.maxPolls);
  const out = await runSimulated(main, chooser, seed ?? CHOICES_RANDOM_SEED, chaos, trace, maxPolls);
  if (!out.ok) {
    throw new SimulationError(seed, replayCall(seed, choices, chaos), out.error, out.trace, out.polls);
  }
  return {
    value: out.value as T,
    seed,
    polls: out.polls,
    choicePoints: out.choicePoints,
    trace: out.trace,
  };
}
