/**
 * How one workload is measured.
 *
 * 1. Warm-up: each contender runs `warmup` times (round-robin), so V8 has compiled the hot code
 *    before anything is recorded. A contender whose warm-up run already takes longer than
 *    `LONG_RUN_MS` skips its remaining warm-ups; a first run longer than `SELF_WARMING_MS` is
 *    also recorded as a sample (after ten seconds of work, JIT warm-up is noise).
 * 2. Rounds: in round r every contender runs once, in an order rotated by r, so no contender is
 *    always first after GC, or always right after the most garbage-heavy one. Every sample is
 *    preceded by forced GC (see `sample.ts`).
 * 3. Time budget: a slow contender takes fewer samples instead of smaller sizes (the work is the
 *    same for everyone): it stops after `budget / its median wall time` samples (at least one).
 *    Its remaining rounds are simply skipped, so the alternation of the others is unchanged.
 * 4. A contender that throws or times out is marked failed; the others carry on.
 */
import type { Contender, Workload } from "../workload.js";
import type { Options } from "./cli.js";
import { CONTENDERS } from "./discover.js";
import { type Outcome, runSample } from "./sample.js";
import { max, median, min } from "./stats.js";

const QUICK_SAMPLES = 3;
const LONG_RUN_MS = 5_000;
const SELF_WARMING_MS = 10_000;

export interface ContenderResult {
  contender: Contender;
  /** Measured values, in the workload's unit, in the order they were taken. */
  samples: number[];
  /** Wall time of each measured call, in ms (harness view, includes set-up). */
  wallMs: number[];
  /** Secondary figures attached by the contender, per key, one entry per sample. */
  extra: Record<string, number[]>;
  median: number;
  min: number;
  max: number;
  /** Median / native median; null when there is no native figure or this contender failed. */
  ratio: number | null;
  /** Why it failed (error message or timeout), or null. */
  failed: string | null;
  /** True when its first run (over `SELF_WARMING_MS`) was recorded as a sample instead of a warm-up. */
  warmupCounted: boolean;
}

export interface WorkloadResult {
  name: string;
  description: string;
  unit: "ms" | "B/task";
  target: string | null;
  samplesPlanned: number;
  warmup: number;
  contenders: ContenderResult[];
}

interface State {
  result: ContenderResult;
  fn: () => ReturnType<NonNullable<Workload["contenders"][Contender]>>;
  walls: number[];
}

function plan(state: State, samples: number, budgetMs: number): number {
  const wall = median(state.walls);
  if (!(wall > 0)) return samples;
  return Math.min(samples, Math.max(1, Math.floor(budgetMs / wall)));
}

/** Measure `workload`; `log` receives one-line progress messages. */
export async function runWorkload(
  workload: Workload,
  options: Options,
  log: (line: string) => void,
): Promise<WorkloadResult> {
  const samples = options.samples ?? (options.quick ? QUICK_SAMPLES : (workload.samples ?? 7));
  const warmup = options.warmup ?? (options.quick ? 1 : (workload.warmup ?? 2));
  const states: State[] = [];
  for (const contender of CONTENDERS) {
    const fn = workload.contenders[contender];
    if (fn === undefined) continue;
    if (options.contenders !== null && !options.contenders.includes(contender)) continue;
    states.push({
      fn,
      walls: [],
      result: {
        contender,
        samples: [],
        wallMs: [],
        extra: {},
        median: Number.NaN,
        min: Number.NaN,
        max: Number.NaN,
        ratio: null,
        failed: null,
        warmupCounted: false,
      },
    });
  }

  const record = (state: State, outcome: Extract<Outcome, { ok: true }>): void => {
    const r = state.result;
    r.samples.push(outcome.value);
    r.wallMs.push(outcome.wallMs);
    for (const [key, value] of Object.entries(outcome.extra)) (r.extra[key] ??= []).push(value);
  };

  const runOne = async (state: State): Promise<Outcome> => {
    const outcome = await runSample(state.fn, options.timeoutMs, options.gc);
    state.walls.push(outcome.wallMs);
    if (!outcome.ok) {
      state.result.failed = outcome.error;
      log(`  ${state.result.contender}: FAILED (${outcome.error})`);
    }
    return outcome;
  };

  for (let k = 0; k < warmup; k++) {
    for (const state of states) {
      if (state.result.failed !== null || state.result.warmupCounted) continue;
      if (k > 0 && state.walls.some((w) => w > LONG_RUN_MS)) continue;
      const outcome = await runOne(state);
      if (outcome.ok && k === 0 && outcome.wallMs > SELF_WARMING_MS) {
        state.result.warmupCounted = true;
        record(state, outcome);
        log(
          `  ${state.result.contender}: one run took ${Math.round(outcome.wallMs / 1000)} s; recorded as a sample`,
        );
      }
    }
  }
  for (let round = 0; round < samples; round++) {
    for (let i = 0; i < states.length; i++) {
      const state = states[(i + round) % states.length]!;
      const r = state.result;
      if (r.failed !== null || r.samples.length >= plan(state, samples, options.budgetMs)) continue;
      const outcome = await runOne(state);
      if (outcome.ok) record(state, outcome);
    }
    log(`  round ${round + 1}/${samples} done`);
  }

  for (const { result: r } of states) {
    r.median = median(r.samples);
    r.min = min(r.samples);
    r.max = max(r.samples);
  }
  const native = states.find((s) => s.result.contender === "native")?.result;
  for (const { result: r } of states) {
    if (r.failed === null && native !== undefined && native.failed === null && native.median > 0) {
      r.ratio = r.median / native.median;
    }
  }
  return {
    name: workload.name,
    description: workload.description,
    unit: workload.unit ?? "ms",
    target: workload.target ?? null,
    samplesPlanned: samples,
    warmup,
    contenders: states.map((s) => s.result),
  };
}
