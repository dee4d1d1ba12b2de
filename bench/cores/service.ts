/**
 * cpu-bound service (issue 17): a line protocol where each request costs 50 µs of CPU, 50
 * connections each sending requests one at a time; the service on every core (worker runtimes
 * accepting on the main runtime's socket by descriptor) against the same service on one runtime.
 * Each server is its own process; the load generator is this process (plain Node sockets), on the
 * same machine, so it takes CPU from the servers too. Contenders alternate; medians.
 * Target: ≥ 1.8× the throughput of one runtime on 2 cores.
 *
 *   npm run build && node --import tsx bench/cores/service.ts
 */
import { type ChildProcess, spawn } from "node:child_process";
import { connect, type Socket } from "node:net";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { compare, print } from "../blocking/median.js";

const CONNS = 50;
const REQS = Number(process.env.REQS ?? 200); // per connection
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

async function load(port: number): Promise<number> {
  const t = performance.now();
  await Promise.all(Array.from({ length: CONNS }, () => client(port)));
  return performance.now() - t;
}

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
print(`cpu-bound service: ${CONNS} connections × ${REQS} requests of 50 µs CPU`, res);
for (const [n, r] of Object.entries(res)) {
  console.log(`  ${n}: ${((CONNS * REQS) / r.median).toFixed(1)} k req/s`);
}
const base = Object.values(res)[0]!.median;
const every = Object.values(res)[1]!.median;
console.log(`  throughput, every core vs one runtime: ${(base / every).toFixed(2)}×`);
one.kill();
all.kill();
