/**
 * instrument-overhead: what instrumentation costs on the hottest workloads, ping-pong (200,000
 * task switches), spawn-join (100,000 spawns: the spawn site look-up, a record per task) and
 * tcp-echo (IO). Two levels against none:
 * - `polls`, blocking detection (on by default outside production): target ≤ 10%;
 * - `true`, full instrumentation (per-task metrics, histograms, lints; the console): target ≤ 25%.
 *
 * Each mode runs in its own process (`POLLUX_INSTRUMENT=false|polls|true`), processes
 * alternating, and the figure is the median over processes of each process's median. One process
 * switching modes would measure V8, not pollux: the drain's optimized code is specialized for one
 * mode, and switching deoptimizes it every round.
 *
 *   npm run build && node --expose-gc --import tsx bench/blocking/instrument-overhead.ts [workload]
 *   (GC=minor: a young-generation GC before each run instead of a full one)
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import pingPong from "../workloads/ping-pong.js";
import spawnJoin from "../workloads/spawn-join.js";
import tcpEcho from "../workloads/tcp-echo.js";
import { median, print } from "./median.js";

const PROCESSES = Number(process.env.PROCESSES ?? 5);
const SAMPLES = Number(process.env.SAMPLES ?? 9);
const WARMUP = 3;
const MINOR = process.env.GC === "minor";
const workloads = { "ping-pong": pingPong, "spawn-join": spawnJoin, "tcp-echo": tcpEcho };
type Name = keyof typeof workloads;

const child = process.env.INSTRUMENT_OVERHEAD_CHILD as Name | undefined;
if (child !== undefined) {
  // One process, one mode (from POLLUX_INSTRUMENT): print this process's median in ms.
  const pollux = workloads[child].contenders.pollux!;
  const times: number[] = [];
  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    // Full GC before each run unless GC=minor (the young-generation regime `npm run bench` uses).
    (globalThis as { gc?: (o?: { type: string }) => void }).gc?.(MINOR ? { type: "minor" } : undefined);
    const sample = await pollux();
    const ms = typeof sample === "number" ? sample : sample.value;
    if (i >= WARMUP) times.push(ms);
  }
  console.log(median(times));
} else {
  const self = fileURLToPath(import.meta.url);
  const modes = { off: "false", "polls (detection)": "polls", "true (full)": "true" };
  const only = process.argv[2];
  for (const name of Object.keys(workloads) as Name[]) {
    if (only !== undefined && only !== name) continue;
    const got: Record<string, number[]> = Object.fromEntries(Object.keys(modes).map((m) => [m, []]));
    for (let p = 0; p < PROCESSES; p++) {
      for (const [mode, env] of Object.entries(modes)) {
        const out = execFileSync(process.execPath, ["--expose-gc", "--import", "tsx", self], {
          env: { ...process.env, POLLUX_INSTRUMENT: env, INSTRUMENT_OVERHEAD_CHILD: name },
          encoding: "utf8",
          stdio: ["ignore", "pipe", "ignore"], // a detection-on child reports its own slow polls
        });
        got[mode]!.push(Number(out.trim().split("\n").at(-1)));
      }
    }
    print(
      `${name} (pollux; ${PROCESSES} processes per mode, median of ${SAMPLES} runs each)`,
      Object.fromEntries(
        Object.entries(got).map(([m, xs]) => [
          m,
          { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) },
        ]),
      ),
    );
  }
}
