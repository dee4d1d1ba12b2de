/**
 * blocking-tiny and blocking-cpu: pollux's `spawnBlocking` pool against piscina and workerpool,
 * same pool size (os.availableParallelism()), one process, warm pools, contenders alternating.
 * - blocking-tiny: 20,000 jobs that return their argument (per-job overhead: messaging, queueing,
 *   waking). Target: throughput ≥ 1.0× piscina's.
 * - blocking-cpu: 100 jobs of 20 ms CPU each. Target: within 1.1× of the ideal time,
 *   100 × 20 ms / threads.
 *
 *   npm run build && node --expose-gc --import tsx bench/blocking/pool.ts
 */
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import { run, spawnBlocking } from "pollux";
import workerpool from "workerpool";
import { compare, print } from "./median.js";

const THREADS = availableParallelism();
const TINY = 20_000;
const CPU_JOBS = 100;
const CPU_MS = 20;
const SAMPLES = Number(process.env.SAMPLES ?? 7);

const jobs = new URL("./jobs.mjs", import.meta.url);
const piscina = new Piscina({
  filename: jobs.href,
  minThreads: THREADS,
  maxThreads: THREADS,
  idleTimeout: 60_000,
});
const wp = workerpool.pool(fileURLToPath(new URL("./workerpool-worker.cjs", import.meta.url)), {
  maxWorkers: THREADS,
  minWorkers: THREADS,
  workerType: "thread",
});
const opts = { maxBlockingThreads: THREADS, threadKeepAliveMs: 60_000, instrument: false };

function check(got: number, want: number): void {
  if (got !== want) throw new Error(`wrong result: ${got} !== ${want}`);
}

async function timedRun(fn: () => Promise<number>, want: number): Promise<number> {
  const t = performance.now();
  const got = await fn();
  const ms = performance.now() - t;
  check(got, want);
  return ms;
}

const tinySum = (TINY * (TINY - 1)) / 2;
const cpuSum = CPU_JOBS * CPU_MS;

const tiny = await compare(
  {
    piscina: () =>
      timedRun(async () => {
        const ps = [];
        for (let i = 0; i < TINY; i++) ps.push(piscina.run(i));
        return (await Promise.all(ps)).reduce((a: number, b: number) => a + b, 0);
      }, tinySum),
    workerpool: () =>
      timedRun(async () => {
        const ps = [];
        for (let i = 0; i < TINY; i++) ps.push(wp.exec("echo", [i]));
        return (await Promise.all(ps)).reduce((a: number, b: number) => a + b, 0);
      }, tinySum),
    "pollux module form": () =>
      timedRun(
        () =>
          run(function* () {
            const hs = [];
            for (let i = 0; i < TINY; i++)
              hs.push(spawnBlocking<number>({ module: jobs, export: "echo2" }, i));
            let s = 0;
            for (const h of hs) s += yield* h;
            return s;
          }, opts),
        tinySum,
      ),
    "pollux function form": () =>
      timedRun(
        () =>
          run(function* () {
            const hs = [];
            for (let i = 0; i < TINY; i++) hs.push(spawnBlocking((x: number) => x, i));
            let s = 0;
            for (const h of hs) s += yield* h;
            return s;
          }, opts),
        tinySum,
      ),
  },
  SAMPLES,
  2,
);
print(`blocking-tiny: ${TINY} jobs returning their argument, ${THREADS} threads`, tiny);

const cpu = await compare(
  {
    piscina: () =>
      timedRun(async () => {
        const ps = [];
        for (let i = 0; i < CPU_JOBS; i++) ps.push(piscina.run(CPU_MS, { name: "spin" }));
        return (await Promise.all(ps)).reduce((a: number, b: number) => a + b, 0);
      }, cpuSum),
    workerpool: () =>
      timedRun(async () => {
        const ps = [];
        for (let i = 0; i < CPU_JOBS; i++) ps.push(wp.exec("spin", [CPU_MS]));
        return (await Promise.all(ps)).reduce((a: number, b: number) => a + b, 0);
      }, cpuSum),
    pollux: () =>
      timedRun(
        () =>
          run(function* () {
            const hs = [];
            for (let i = 0; i < CPU_JOBS; i++)
              hs.push(spawnBlocking<number>({ module: jobs, export: "spin" }, CPU_MS));
            let s = 0;
            for (const h of hs) s += yield* h;
            return s;
          }, opts),
        cpuSum,
      ),
  },
  Math.min(SAMPLES, 5),
  1,
);
print(
  `blocking-cpu: ${CPU_JOBS} jobs × ${CPU_MS} ms CPU, ${THREADS} threads (ideal ${(CPU_JOBS * CPU_MS) / THREADS} ms)`,
  cpu,
);

await piscina.destroy();
await wp.terminate();
