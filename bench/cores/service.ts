/**
 * cpu-bound service (issue 17): a line protocol where each request costs 50 µs of CPU, 50
 * connections each sending requests one at a time; the service on every core (worker runtimes
 * accepting on the main runtime's socket by descriptor) against the same service on one runtime.
 * Each server is its own process. The load generator is redis-benchmark's inline PING (C, one
 * thread; the service answers `+PONG`) when it is installed, else this process with plain Node
 * sockets; either runs on the same machine and takes CPU from the servers (a Node client takes
 * several times more than redis-benchmark). Contenders alternate; medians.
 * Target: ≥ 1.8× the throughput of one runtime on 2 cores.
 *
 *   npm run build && node --import tsx bench/cores/service.ts
 */
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { connect, type Socket } from "node:net";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { compare, median, print } from "../blocking/median.js";

const CONNS = 50;
const REQS = Number(process.env.REQS ?? 400); // per connection
const SAMPLES = Number(process.env.SAMPLES ?? 7);
const CORES = availableParallelism();

async function server(runtimes: number): Promise<[ChildProcess, number]> {
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL("./server.mjs", import.meta.url)), String(runtimes)],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const port = await new Promise<number>((resolve) => {
    child.stdout!.once("data", (d: Buffer) => resolve(Number.parseInt(d.toString(), 10)));
  });
  return [child, port];
}

/** One connection sending REQS requests, each after the previous reply. */
function client(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s: Socket = connect(port, "127.0.0.1");
    s.setNoDelay(true);
    let sent = 0;
    let pending = "";
    const next = () => {
      if (sent === REQS) {
        s.end();
        resolve();
        return;
      }
      sent++;
      s.write(`request number ${sent}\n`);
    };
    s.setEncoding("utf8");
    s.on("connect", next);
    s.on("data", (d: string) => {
      pending += d;
      let i = pending.indexOf("\n");
      while (i >= 0) {
        pending = pending.slice(i + 1);
        next();
        i = pending.indexOf("\n");
      }
    });
    s.on("error", reject);
  });
}

function hasRedisBenchmark(): boolean {
  try {
    execFileSync("redis-benchmark", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const REDIS_BENCHMARK = process.env.NODE_CLIENT === undefined && hasRedisBenchmark();

function redisBenchmark(port: number): Promise<number> {
  const n = String(CONNS * REQS);
  const args = [
    "-h",
    "127.0.0.1",
    "-p",
    String(port),
    "-t",
    "ping_inline",
    "-c",
    String(CONNS),
    "-n",
    n,
    "-q",
  ];
  return new Promise((resolve, reject) => {
    const t = performance.now();
    execFile("redis-benchmark", args, (error, stdout) => {
      if (error) reject(error);
      else if (!/PING_INLINE/.test(stdout)) reject(new Error(`unexpected redis-benchmark output: ${stdout}`));
      else resolve(performance.now() - t);
    });
  });
}

async function load(port: number): Promise<number> {
  if (REDIS_BENCHMARK) return redisBenchmark(port);
  const t = performance.now();
  await Promise.all(Array.from({ length: CONNS }, () => client(port)));
  return performance.now() - t;
}

/**
 * The yardstick of the run: how much two busy threads get done against one, right now (a shared
 * machine gives less than 2× when its other tenants are busy). Median of 5.
 */
async function parallelism(): Promise<number> {
  const src = `const { parentPort } = require("node:worker_threads");
    parentPort.on("message", (ms) => { const end = performance.now() + ms; let n = 0; while (performance.now() < end) n++; parentPort.postMessage(n); });`;
  const ws = [0, 1].map(() => new Worker(src, { eval: true }));
  const spin = (w: Worker, ms: number) =>
    new Promise<number>((resolve) => {
      w.once("message", resolve);
      w.postMessage(ms);
    });
  const ratios: number[] = [];
  for (let i = 0; i < 5; i++) {
    const alone = await spin(ws[0]!, 300);
    const both = await Promise.all(ws.map((w) => spin(w, 300)));
    ratios.push((both[0]! + both[1]!) / alone);
  }
  for (const w of ws) await w.terminate();
  return median(ratios);
}

const before = await parallelism();
const [one, onePort] = await server(1);
const [all, allPort] = await server(CORES);
const res = await compare(
  {
    "one runtime": () => load(onePort),
    [`${CORES} runtimes (every core)`]: () => load(allPort),
  },
  SAMPLES,
  2,
);
print(
  `cpu-bound service: ${CONNS} connections × ${REQS} requests of 50 µs CPU (load: ${REDIS_BENCHMARK ? "redis-benchmark" : "Node client"})`,
  res,
);
for (const [n, r] of Object.entries(res)) {
  console.log(`  ${n}: ${((CONNS * REQS) / r.median).toFixed(1)} k req/s`);
}
const base = Object.values(res)[0]!.median;
const every = Object.values(res)[1]!.median;
console.log(`  throughput, every core vs one runtime: ${(base / every).toFixed(2)}×`);
const after = await parallelism();
console.log(
  `  yardstick: two busy threads did ${before.toFixed(2)}× (before) and ${after.toFixed(2)}× (after) the work of one on this machine`,
);
one.kill();
all.kill();
