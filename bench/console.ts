/**
 * console: what one console update costs with 10,000 live tasks: the snapshot (reading the task
 * table and the lints, diffing the rows) and the message (JSON) for a page that has the previous
 * update (delta) and for one that does not (the whole table).
 *
 *   node --import tsx bench/console.ts
 *
 * Two sources: a real runtime (through `taskMetrics()` when the runtime has it, else the
 * console's adapter over `tasks()`), and synthetic `TaskMetrics` rows of full instrumentation (every field
 * set, a 104-bucket poll histogram per task), which measure the console's own cost on top of
 * whatever `taskMetrics()` costs. Deltas are measured with no task changed, with 1,000 changed and
 * with all 10,000 changed. An end-to-end pass through a real server and WebSocket client checks the
 * sizes the page receives. Prints medians of 21 rounds.
 */
import WebSocket from "ws";
import { startConsole } from "../src/console/index.js";
import { RowTable } from "../src/console/rows.js";
import { sourceOf } from "../src/console/source.js";
import { lowerBoundsUs } from "../src/runtime/histogram.js";
import { Runtime } from "../src/runtime/index.js";
import type { TaskMetrics } from "../src/runtime/task-metrics-types.js";
import { CancellationToken } from "../src/task/index.js";
import { sleep } from "../src/time/index.js";

const TASKS = 10_000;
const ROUNDS = 21;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;

function* idle() {
  yield* sleep(10_000_000);
}

/** One update as the server builds it: snapshot + diff, then JSON of the delta and of the whole table. */
function measure(
  label: string,
  snapshot: () => { changed: unknown[]; table: RowTable; lints: unknown },
): void {
  const snap: number[] = [];
  const enc: number[] = [];
  let delta = 0;
  let full = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    const { changed, table, lints } = snapshot();
    const t1 = performance.now();
    delta = JSON.stringify({ t: "update", rows: changed, gone: [], lints }).length;
    const t2 = performance.now();
    full = JSON.stringify({ t: "update", rows: table.all(), sites: table.sites, lints }).length;
    snap.push(t1 - t0);
    enc.push(t2 - t1);
  }
  console.log(
    `${label.padEnd(44)} snapshot ${median(snap).toFixed(2).padStart(6)} ms   delta JSON ${median(enc).toFixed(2).padStart(5)} ms, ${kb(delta).padStart(9)}   whole table ${kb(full).padStart(9)}`,
  );
}

function histogram(polls: number) {
  const counts = new Array<number>(lowerBoundsUs().length).fill(0);
  counts[3] = polls;
  return { count: polls, lowerBoundsUs: lowerBoundsUs(), counts };
}

function synthetic(id: number, polls: number): TaskMetrics {
  return {
    id,
    name: `conn-${id}`,
    parentId: 1,
    spawnSite: "/srv/app/src/server/connection.ts:88:17",
    state: "idle",
    awaits: "TcpStream(127.0.0.1:40112).read()",
    ageMs: 1234.5,
    firstPollDelayMs: 0.02,
    totalPollCount: polls,
    totalPollDurationMs: polls * 0.004,
    totalFastPollCount: polls,
    totalFastPollDurationMs: polls * 0.004,
    totalSlowPollCount: 0,
    totalSlowPollDurationMs: 0,
    measuredPollCount: polls,
    maxPollDurationMs: 0.03,
    totalScheduledCount: polls,
    totalScheduledDurationMs: polls * 0.002,
    totalShortDelayCount: polls,
    totalLongDelayCount: 0,
    totalLongDelayDurationMs: 0,
    totalIdledCount: polls,
    totalIdleDurationMs: polls * 12.5,
    maxIdleDurationMs: 40,
    wakes: polls,
    selfWakes: 0,
    lostWakerPolls: 0,
    pollDurations: histogram(polls),
  };
}

async function main(): Promise<void> {
  console.log(`console update cost, ${TASKS.toLocaleString("en-US")} live tasks, median of ${ROUNDS}\n`);

  // A real runtime: 10,000 sleeping tasks, read through tasks() (the derived source).
  const rt = new Runtime({ instrument: true, onOrphans: false, onSlowPoll: () => {} });
  const stop = new CancellationToken();
  const running = rt.run(function* () {
    yield* stop.cancelled();
  });
  for (let i = 0; i < TASKS; i++) rt.spawn(idle(), { name: `idle-${i}` });
  await new Promise((r) => setTimeout(r, 50));
  const source = sourceOf(rt);
  const real = new RowTable();
  real.update(source.tasks());
  const read: number[] = [];
  const linting: number[] = [];
  const what = source.mode === "full" ? "runtime.taskMetrics()" : "runtime.tasks() (adapter)";
  measure(`${what}, sleeping tasks`, () => {
    const t0 = performance.now();
    const tasks = source.tasks();
    read.push(performance.now() - t0);
    const changed = real.update(tasks).changed;
    const t1 = performance.now();
    const lints = source.lints();
    linting.push(performance.now() - t1);
    return { changed, table: real, lints };
  });
  console.log(
    `${"".padEnd(44)} (of which ${what} itself: ${median(read).toFixed(2)} ms, lints(): ${median(linting).toFixed(2)} ms)`,
  );

  // Synthetic full instrumentation.
  const polls = new Array<number>(TASKS).fill(10);
  const rows = () => polls.map((p, i) => synthetic(i + 2, p));
  for (const [label, changes] of [
    ["taskMetrics() rows, nothing changed", 0],
    ["taskMetrics() rows, 1,000 changed", 1000],
    ["taskMetrics() rows, all 10,000 changed", TASKS],
  ] as const) {
    const table = new RowTable();
    table.update(rows());
    let round = 0;
    const tm: number[] = [];
    measure(label, () => {
      round++;
      for (let i = 0; i < changes; i++) polls[(i * 7 + round) % TASKS]!++;
      const t0 = performance.now();
      const r = rows();
      tm.push(performance.now() - t0);
      return { changed: table.update(r).changed, table, lints: [] };
    });
    console.log(`${"".padEnd(44)} (of which building the synthetic rows: ${median(tm).toFixed(2)} ms)`);
  }

  // End to end: what a page receives from a real server.
  const server = startConsole(rt, { port: 0, intervalMs: 250 });
  const url = await server.ready;
  const sizes: number[] = [];
  const snaps: number[] = [];
  let wire = 0;
  await new Promise<void>((resolve) => {
    const ws = new WebSocket(`${url.replace("http", "ws")}/ws`);
    ws.on("message", (d) => {
      const m = JSON.parse(String(d));
      if (m.t !== "update") return;
      sizes.push(String(d).length);
      snaps.push(m.snapshotMs);
      if (sizes.length === 8) {
        wire = (ws as unknown as { _socket: { bytesRead: number } })._socket.bytesRead;
        ws.close();
        resolve();
      }
    });
  });
  console.log(
    `\nend to end (${what}): first message ${kb(sizes[0]!)}, later ones ${kb(median(sizes.slice(1)))}; ` +
      `snapshot reported by the server ${median(snaps.slice(1)).toFixed(2)} ms; ` +
      `${kb(wire)} on the wire for all ${sizes.length} (permessage-deflate)`,
  );
  await server.close();
  stop.cancel();
  await running;
  await rt.shutdown();
}

await main();
