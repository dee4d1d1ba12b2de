/**
 * The machine-readable record of a run: every sample, medians, ratios, versions, machine. The
 * markdown report is generated from this same object, so the two cannot disagree.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Options } from "./cli.js";
import type { LoadError } from "./discover.js";
import type { Machine } from "./machine.js";
import type { WorkloadResult } from "./measure.js";
import { median } from "./stats.js";

export interface RunResults {
  date: string;
  /** True when this run measured every workload with the default sample counts. */
  complete: boolean;
  options: {
    only: string[] | null;
    contenders?: string[] | null;
    samples: number | null;
    warmup: number | null;
    quick: boolean;
    timeoutS: number;
    budgetS: number;
    gc: "major" | "minor";
  };
  machine: Machine;
  versions: Record<string, string>;
  durationS: number;
  /** Workload files that failed to load and were skipped. */
  loadErrors: LoadError[];
  workloads: WorkloadResult[];
}

export function makeOptionsRecord(o: Options): RunResults["options"] {
  return {
    only: o.only,
    contenders: o.contenders,
    samples: o.samples,
    warmup: o.warmup,
    quick: o.quick,
    timeoutS: o.timeoutMs / 1000,
    budgetS: o.budgetMs / 1000,
    gc: o.gc,
  };
}

/** Write `results` as JSON, adding the median of every secondary ("extra") figure. */
export async function writeResults(path: string, results: RunResults): Promise<void> {
  const json = {
    ...results,
    workloads: results.workloads.map((w) => ({
      ...w,
      contenders: w.contenders.map((c) => ({
        ...c,
        extraMedians: Object.fromEntries(Object.entries(c.extra).map(([k, v]) => [k, median(v)])),
      })),
    })),
  };
  await mkdir(dirname(path), { recursive: true });
  await writeFile(
    path,
    `${JSON.stringify(json, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2)}\n`,
  );
}

/** The results a complete earlier run wrote to `path`, or null when there are none. */
export async function readResults(path: string): Promise<RunResults | null> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as RunResults;
  } catch {
    return null;
  }
}
