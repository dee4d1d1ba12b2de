/**
 * Forced garbage collection. The harness collects before every sample so one sample's garbage is
 * not paid for by the next contender; memory workloads collect before reading the heap. Both need
 * Node started with `--expose-gc`.
 *
 * A full (major) collection has a side effect worth knowing when reading the numbers: V8 drops maps
 * (hidden classes) that no live object uses any more, and deoptimizes the optimized code that
 * depended on them. A library whose objects all died with the previous sample (every task, the
 * runtime itself) therefore starts each sample with cold code and cleared inline caches, while
 * native async/await, implemented in V8 builtins, does not. A long-running program keeps live
 * instances and never sees this; `--gc minor` measures that steady state (young-generation GC
 * only, so old garbage of the previous sample may be collected during the next one).
 */

export type GcKind = "major" | "minor";

/** The `gc` function exposed by `--expose-gc`; throws a clear error naming the fix when absent. */
export function requireGc(): NodeJS.GCFunction {
  const gc = globalThis.gc;
  if (typeof gc !== "function") {
    throw new Error(
      "the benchmarks need forced GC: start Node with --expose-gc, e.g. `npm run bench` or " +
        "`node --expose-gc --import tsx bench/run.ts`.",
    );
  }
  return gc;
}

/** Collect garbage: two full collections (the second frees what the first one's finalizers released), or one minor one. */
export function collect(kind: GcKind = "major"): void {
  const gc = requireGc();
  if (kind === "minor") {
    gc({ type: "minor", execution: "sync" });
    return;
  }
  gc();
  gc();
}
