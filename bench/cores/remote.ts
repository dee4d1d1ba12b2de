/**
 * Remote tasks and cross-thread channels (issue 17), in one process, contenders alternating,
 * medians:
 * - remote-spawn-join: 100,000 tiny remote tasks (`spawnAnywhere` of an async fn returning its
 *   argument) against piscina `run()` with the same number of worker threads. Target ≥ 1.0×
 *   piscina's throughput.
 * - remote round trip: one `spawnOn` awaited at a time, against a bare `postMessage` ping-pong
 *   with a worker thread, measured in the same run. Target ≤ 1.2× the bare round trip.
 * - cross-thread channel: a worker runtime sends 200,000 numbers on `crossThread.channel(1024)`,
 *   this thread receives them; against a worker posting each number with `postMessage`.
 *
 *   npm run build && node --import tsx bench/cores/remote.ts
 *
 * Without --expose-gc on purpose: a forced full GC before each sample (what bench/blocking/median.ts
 * does when `gc` is exposed) left pollux's round trip at ~30 µs instead of ~16 µs for the samples
 * that followed, while the bare round trip did not move (Node 20.20, measured 2026-11-30); that is
 * worth its own look, and it is not what a running program sees.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { Piscina } from "piscina";
import { END, Runtime } from "pollux";
import { spawnAnywhere, spawnOn } from "pollux/runtime";
import { crossThread } from "pollux/sync";
import { compare, print } from "../blocking/median.js";

const THREADS = availableParallelism();
const TASKS = Number(process.env.TASKS ?? 100_000);
const TRIPS = Number(process.env.TRIPS ?? 4_000);
const STREAM = Number(process.env.STREAM ?? 200_000);
const SAMPLES = Number(process.env.SAMPLES ?? 7);

const ECHO = { module: new URL("./tasks.mjs", import.meta.url), export: "echo" };
const PRODUCE = { module: new URL("./tasks.mjs", import.meta.url), export: "produce" };

const piscina = new Piscina({
  filename: new URL("../blocking/jobs.mjs", import.meta.url).href,
  minThreads: THREADS,
  maxThreads: THREADS,
  idleTimeout: 60_000,
});
// THREADS worker runtimes besides this thread's: the same number of threads as piscina's.
const rt = new Runtime({ workers: THREADS + 1, instrument: false, onOrphans: false });
const bare = new Worker(new URL("./echo-thread.cjs", import.meta.url));

const want = (TASKS * (TASKS - 1)) / 2;
function check(got: number, expected: number): void {
  if (got !== expected) throw new Error(`wrong result: ${got} !== ${expected}`);
}

async function timed(fn: () => Promise<number>, expected: number): Promise<number> {
  const t = performance.now();
  check(await fn(), expected);
  return performance.now() - t;
}

const spawnJoin = await compare(
  {
    piscina: () =>
      timed(async () => {
        const ps = [];
        for (let i = 0; i < TASKS; i++) ps.push(piscina.run(i));
        return (await Promise.all(ps)).reduce((a: number, b: number) => a + b, 0);
      }, want),
    "pollux spawnAnywhere": () =>
      timed(
        () =>
          rt.run(function* () {
            const hs = [];
            for (let i = 0; i < TASKS; i++) hs.push(spawnAnywhere<number>(ECHO, i));
            let s = 0;
            for (const h of hs) s += yield* h;
            return s;
          }),
        want,
      ),
  },
  SAMPLES,
  2,
);
print(`remote-spawn-join: ${TASKS} tiny remote tasks, ${THREADS} worker threads`, spawnJoin);

function barePing(m: number): Promise<number> {
  return new Promise((resolve) => {
    bare.once("message", resolve);
    bare.postMessage(m);
  });
}

const tripWant = (TRIPS * (TRIPS - 1)) / 2;
const trips = await compare(
  {
    "bare postMessage": () =>
      timed(async () => {
        let s = 0;
        for (let i = 0; i < TRIPS; i++) s += await barePing(i);
        return s;
      }, tripWant),
    "pollux spawnOn": () =>
      timed(
        () =>
          rt.run(function* () {
            let s = 0;
            for (let i = 0; i < TRIPS; i++) s += yield* spawnOn<number>(1, ECHO, i);
            return s;
          }),
        tripWant,
      ),
  },
  SAMPLES,
  4, // the JIT needs several thousand round trips before either side is at its steady state
);
print(`remote round trip: ${TRIPS} sequential round trips (per trip: divide by ${TRIPS})`, trips);
for (const [n, r] of Object.entries(trips))
  console.log(`  ${n}: ${((r.median * 1000) / TRIPS).toFixed(1)} µs per round trip`);

const streamWant = (STREAM * (STREAM - 1)) / 2;
const stream = await compare(
  {
    "postMessage per value": () =>
      timed(
        () =>
          new Promise<number>((resolve) => {
            let s = 0;
            const on = (v: number) => {
              if (v === -1) {
                bare.off("message", on);
                resolve(s);
              } else s += v;
            };
            bare.on("message", on);
            bare.postMessage({ stream: STREAM });
          }),
        streamWant,
      ),
    "pollux crossThread.channel": () =>
      timed(
        () =>
          rt.run(function* () {
            const [tx, rx] = crossThread.channel<number>(1024);
            const h = spawnOn(1, PRODUCE, tx, STREAM);
            let s = 0;
            for (let v = yield* rx.recv(); v !== END; v = yield* rx.recv()) s += v;
            yield* h;
            return s;
          }),
        streamWant,
      ),
  },
  SAMPLES,
  1,
);
print(`cross-thread channel: ${STREAM} numbers, one producer thread, one consumer`, stream);
for (const [n, r] of Object.entries(stream))
  console.log(`  ${n}: ${(STREAM / r.median / 1000).toFixed(2)} M msg/s`);

await piscina.destroy();
await bare.terminate();
await rt.shutdown();
