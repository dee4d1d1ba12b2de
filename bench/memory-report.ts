/**
 * Cost and output of `runtime.memory()` with N live tasks (default 1,000 and 10,000), each
 * measurement in a fresh process: wall time of the call (snapshot + parse + analysis), the
 * process's peak RSS growth during it, and the sites. Half the tasks hold a 10,000-element array across an await (one big object each), half
 * hold 20 small records with a string each (41 objects each: a graph of many small nodes).
 *
 *   node --import tsx bench/memory-report.ts [counts...]
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Runtime } from "../src/runtime/index.js";
import { sleep } from "../src/time/index.js";

function* big() {
  const data = new Array<number>(10_000).fill(1.5);
  yield* sleep(1_000_000);
  return data.length;
}

function* records() {
  const list = Array.from({ length: 20 }, (_, i) => ({ i, label: `record ${i}` }));
  yield* sleep(1_000_000);
  return list.length;
}

/** One measurement, in a process of its own: peak RSS is a high-water mark for the whole process. */
async function measure(n: number, instrument: boolean): Promise<void> {
  const rt = new Runtime({ instrument, onOrphans: false, onSlowPoll: () => {} });
  for (let i = 0; i < n / 2; i++) {
    rt.spawn(big());
    rt.spawn(records());
  }
  // Until every task had its first poll: each is suspended in its sleep, holding its locals.
  while (rt.metrics().polls < n) await new Promise((r) => setImmediate(r));
  const peakBefore = process.resourceUsage().maxRSS * 1024;
  const rssBefore = process.memoryUsage().rss;
  const start = performance.now();
  const report = await rt.memory();
  const ms = performance.now() - start;
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(
    `${n} tasks, instrument ${instrument}: ${ms.toFixed(0)} ms, heap ${(report.heapBytes / 1e6).toFixed(1)} MB in ` +
      `${report.heapObjects} objects, tasks ${(report.taskBytes / 1e6).toFixed(1)} MB, RSS ${(rssBefore / 1e6).toFixed(0)} MB ` +
      `before, peak RSS +${(Math.max(0, peak - Math.max(peakBefore, rssBefore)) / 1e6).toFixed(0)} MB during the call`,
  );
  for (const s of report.sites) {
    console.log(
      `  ${s.site ?? s.definedAt ?? s.function} ${s.function}: ${s.tasks} tasks, ${s.bytesPerTask} B/task, largest #${s.largestTask.id} ${s.largestTask.bytes} B`,
    );
  }
  await rt.shutdown();
}

const [mode, count, flag] = process.argv.slice(2);
if (mode === "--one") {
  await measure(Number(count), flag === "true");
} else {
  const counts = process.argv.slice(2).map(Number);
  for (const n of counts.length > 0 ? counts : [1_000, 10_000]) {
    for (const instrument of [true, false]) {
      execFileSync(
        process.execPath,
        [...process.execArgv, fileURLToPath(import.meta.url), "--one", String(n), String(instrument)],
        {
          stdio: "inherit",
        },
      );
    }
  }
}
