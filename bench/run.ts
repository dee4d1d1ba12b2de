/**
 * The benchmark harness: `node --expose-gc --import tsx bench/run.ts [options]` (see
 * `harness/cli.ts` for the options). It discovers the workloads in `bench/workloads/`, measures
 * every contender of each in this one process (`harness/measure.ts` explains how), prints a table
 * per workload, writes every sample to `bench/results/latest.json` and regenerates
 * `docs/benchmarks.md` from the same data.
 */
import { loadavg } from "node:os";

// Measure pollux as deployed: blocking detection (two clock reads per poll, on by default outside
// production) is off. Its cost is measured on its own by bench/blocking/instrument-overhead.ts.
process.env.NODE_ENV ??= "production";

import { fileURLToPath } from "node:url";
import { parseArgs } from "./harness/cli.js";
import { CONTENDERS, discoverWorkloads, type LoadError } from "./harness/discover.js";
import { textTable } from "./harness/format.js";
import { requireGc } from "./harness/gc.js";
import { describeMachine } from "./harness/machine.js";
import { runWorkload, type WorkloadResult } from "./harness/measure.js";
import { writeReport } from "./harness/report.js";
import { makeOptionsRecord, type RunResults, readResults, writeResults } from "./harness/results.js";
import { installCrashGuards } from "./harness/sample.js";
import { contenderVersions } from "./harness/versions.js";
import type { Contender } from "./workload.js";

const path = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url));

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  requireGc();
  const loadErrors: LoadError[] = [];
  let workloads = await discoverWorkloads(path("./workloads/"), loadErrors);
  for (const { file, error } of loadErrors)
    console.error(`bench: skipping bench/workloads/${file}: ${error}`);
  if (options.list) {
    for (const w of workloads) console.log(`${w.name.padEnd(16)} ${w.description}`);
    return;
  }
  if (options.only !== null) {
    const unknown = options.only.filter((name) => !workloads.some((w) => w.name === name));
    if (unknown.length > 0) {
      throw new Error(
        `unknown workload(s): ${unknown.join(", ")}. Known: ${workloads.map((w) => w.name).join(", ")}.`,
      );
    }
    workloads = workloads.filter((w) => options.only!.includes(w.name));
  }
  if (options.contenders !== null) {
    const unknown = options.contenders.filter((name) => !CONTENDERS.includes(name as Contender));
    if (unknown.length > 0) {
      throw new Error(`unknown contender(s): ${unknown.join(", ")}. Known: ${CONTENDERS.join(", ")}.`);
    }
  }
  installCrashGuards();

  const started = performance.now();
  const loadBefore = loadavg()[0]!;
  const date = new Date().toISOString();
  const results: WorkloadResult[] = [];
  for (const workload of workloads) {
    console.error(`\n▶ ${workload.name}`);
    const result = await runWorkload(workload, options, (line) => console.error(line));
    results.push(result);
    console.log(`\n${textTable(result)}`);
  }

  const complete =
    loadErrors.length === 0 &&
    options.only === null &&
    options.contenders === null &&
    !options.quick &&
    options.samples === null &&
    options.warmup === null;
  const record: RunResults = {
    date,
    complete,
    options: makeOptionsRecord(options),
    machine: describeMachine(loadBefore),
    versions: contenderVersions(),
    durationS: (performance.now() - started) / 1000,
    loadErrors,
    workloads: results,
  };
  // A complete run of each GC regime has its own file; the report shows both (the young-GC run
  // first, the steady state of a long-lived program) from the latest complete run of each.
  const latest = { minor: path("./results/latest.json"), major: path("./results/latest-major.json") };
  const json = complete ? latest[options.gc] : path("./results/partial.json");
  await writeResults(json, record);
  console.error(`\nresults: ${json}`);
  if (complete || options.report) {
    const md = path("../docs/benchmarks.md");
    const other = complete ? await readResults(latest[options.gc === "minor" ? "major" : "minor"]) : null;
    const minor = options.gc === "minor" ? record : (other ?? record);
    const major = options.gc === "major" ? (other === null ? null : record) : other;
    await writeReport(md, minor, major);
    console.error(`report:  ${md}`);
  }
  console.error(`total: ${Math.round(record.durationS)} s`);
}

main().then(
  // Straggling work of a timed-out contender must not keep the process alive.
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
