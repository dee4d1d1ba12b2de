/**
 * The shape every benchmark workload exports. The harness (`bench/run.ts`) runs each contender's
 * function in ONE process, alternating contenders round by round after warm-up, and reports the
 * median of the samples and the ratio to `native`.
 *
 * A contender function performs the whole workload once and returns ONE measurement in the
 * workload's unit: wall milliseconds measured inside the function (with `performance.now()`, around
 * the work only, not the set-up), or bytes per task for memory workloads. It may return
 * `{ value, extra }` to attach secondary figures (for example heap growth) to the sample.
 */
/**
 * `native`: async/await and promises, the baseline of every ratio. `callback`: plain Node callbacks
 * with no promise at all (used where Node's own callback API is the fastest thing to beat, such as
 * an echo server on `node:net`).
 */
export type Contender = "native" | "callback" | "pollux" | "effect4" | "effect3" | "effection";

export type Sample = number | { value: number; extra?: Record<string, number> };

export interface Workload {
  /** Short id, e.g. "await-chain". */
  name: string;
  /** One line: what is measured, with sizes. */
  description: string;
  /** "ms" (default) or "B/task" for memory workloads; lower is better either way. */
  unit?: "ms" | "B/task";
  /** Which issue's targets it checks, e.g. "≤ 0.6× native". Free text shown in the report. */
  target?: string;
  /** Samples per contender after warm-up (default from the harness, usually 7). */
  samples?: number;
  /** Warm-up runs per contender (default 2). */
  warmup?: number;
  contenders: Partial<Record<Contender, () => Promise<Sample>>>;
}
