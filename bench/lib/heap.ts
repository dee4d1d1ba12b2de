/**
 * Heap measurement for memory workloads: collect garbage, then read the V8 heap in use. Taken
 * before spawning and again once every task is suspended, the difference divided by the task
 * count is what a suspended task costs.
 */
import { collect } from "../harness/gc.js";

/** Bytes of V8 heap in use after a forced full GC. */
export function heapAfterGc(): number {
  collect();
  return process.memoryUsage().heapUsed;
}
