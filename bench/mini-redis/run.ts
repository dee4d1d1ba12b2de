/**
 * The mini-redis benchmark: `redis-benchmark -t ping_mbulk,set,get -n 200000 -c 50` (and again with
 * `-P 16`) against three servers on this machine:
 *
 * - pollux: examples/mini-redis (`main.ts`), a pollux task per connection;
 * - native: bench/mini-redis/native-server.ts, the same parser, keyspace and commands with
 *   native async/await connection handling on `node:net`;
 * - redis: the real `redis-server` (Debian's), persistence off.
 *
 * One run of this script makes `--rounds` rounds (default 3); in each, every server meets every
 * configuration, servers alternating (the order rotates from round to round and between the two
 * pipelining settings). The report gives each figure's median over the rounds, and every round's
 * requests/s. Each Node server is warmed up first with a short unrecorded run so V8 has optimised
 * its hot code. Each server is its own process; redis-benchmark is another, so on a 2-core machine
 * client and server compete for the CPU, the same way for every server.
 *
 * Writes bench/results/mini-redis.json and the "mini-redis" section of docs/benchmarks.md
 * (between its markers; `npm run bench` keeps that section when it regenerates the file).
 *
 * Run: `npm run bench:redis` (or `node --import tsx bench/mini-redis/run.ts [--requests N]`).
 */
import { execFile, spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { median } from "../harness/stats.js";

const exec = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "200000" },
    rounds: { type: "string", default: "3" },
    // Re-render the docs section from bench/results/mini-redis.json without running anything.
    "render-only": { type: "boolean", default: false },
  },
});
const REQUESTS = Number(values.requests);
const ROUNDS = Number(values.rounds);
if (!(Number.isInteger(ROUNDS) && ROUNDS >= 1)) {
  throw new Error(`bench:redis: --rounds must be a positive integer; got ${values.rounds}`);
}
const TESTS = "ping_mbulk,set,get";
const CLIENTS = 50;

interface Row {
  server: string;
  pipeline: number;
  test: string;
  rps: number;
  p50: number;
  p99: number;
  /** Server CPU time (user + system) per request, in microseconds. */
  cpuUs: number;
  /** Requests/s of every round, in order (the other figures are medians over the rounds). */
  rpsRounds?: number[];
}

interface Meta {
  date: string;
  node: string;
  cpus: string;
  load: number[];
  redis: string;
  requests: number;
  clients: number;
  /** Rounds per server and configuration (absent in reports from before rounds existed: 1). */
  rounds?: number;
}

interface Started {
  name: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

/** Start a server process and wait until it prints a port (or `fixedPort` accepts). */
async function start(name: string, cmd: string, args: string[], fixedPort?: number): Promise<Started> {
  const child = spawn(cmd, args, {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, NODE_ENV: "production" },
  });
  const port = await new Promise<number>((res, rej) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = /listening on [\d.]+:(\d+)/.exec(out) ?? /Ready to accept connections/.exec(out);
      if (m) res(fixedPort ?? Number(m[1]));
    });
    child.on("exit", (code) => rej(new Error(`${name} exited (${code}) before listening: ${out}`)));
  });
  return {
    name,
    port,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((res) => {
        child.on("exit", () => res());
        child.kill("SIGINT");
      }),
  };
}

/** CPU time (user + system) of process `pid` so far, in ms (Linux /proc; NaN elsewhere). */
async function cpuMs(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS;
  } catch {
    return Number.NaN;
  }
}
const TICKS = 100; // USER_HZ: clock ticks per second in /proc on Linux

/** One redis-benchmark run of one test; the server's CPU time is measured around it. */
async function benchmark(s: Started, pipeline: number, requests: number, test: string): Promise<Row> {
  const args = ["-h", "127.0.0.1", "-p", String(s.port), "-t", test, "-n", String(requests)];
  args.push("-c", String(CLIENTS), "-P", String(pipeline), "--csv");
  const before = await cpuMs(s.pid);
  const { stdout } = await exec("redis-benchmark", args, { maxBuffer: 1 << 20 });
  const after = await cpuMs(s.pid);
  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  const f = stdout
    .trim()
    .split("\n")[1]!
    .split(",")
    .map((x) => x.replace(/"/g, ""));
  return {
    server: s.name,
    pipeline,
    test: f[0]!,
    rps: Number(f[1]),
    p50: Number(f[4]),
    p99: Number(f[6]),
    cpuUs: ((after - before) * 1000) / requests,
  };
}

async function main(): Promise<void> {
  if (values["render-only"]) {
    const saved = JSON.parse(await readFile(`${root}/bench/results/mini-redis.json`, "utf8")) as {
      meta: Meta;
      rows: Row[];
    };
    await updateDoc(render(saved.meta, saved.rows));
    return;
  }
  await exec(`${root}/scripts/ensure-redis-tools.sh`, ["--server"]);
  await exec("npm", ["run", "build"], { cwd: root });
  const redisPort = await freePort();
  const servers = [
    await start("pollux", process.execPath, [
      "--import",
      "tsx",
      "examples/mini-redis/main.ts",
      "--port",
      "0",
      "--max-clients",
      "1000",
      // Measured as deployed: no console, no full instrumentation (npm start turns both on).
      "--no-console",
    ]),
    await start("native", process.execPath, [
      "--import",
      "tsx",
      "bench/mini-redis/native-server.ts",
      "--port",
      "0",
    ]),
    await start(
      "redis",
      "redis-server",
      ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      redisPort,
    ),
  ];
  const loadBefore = loadavg()[0]!;
  const runs: Row[] = [];
  try {
    for (const s of servers) if (s.name !== "redis") await benchmark(s, 1, 20_000, TESTS); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, pipeline] of [1, 16].entries()) {
        const shift = (round + i) % servers.length;
        const order = [...servers.slice(shift), ...servers.slice(0, shift)];
        for (const s of order) {
          console.error(
            `round ${round + 1}/${ROUNDS}, ${s.name}, -P ${pipeline}: ${REQUESTS} requests per test ...`,
          );
          for (const test of TESTS.split(",")) {
            const row = await benchmark(s, pipeline, REQUESTS, test);
            runs.push(row);
            console.error(
              `  ${row.test}: ${Math.round(row.rps)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, server CPU ${row.cpuUs.toFixed(2)} µs/req`,
            );
          }
        }
      }
    }
  } finally {
    for (const s of servers) await s.stop();
  }
  const rows = medians(runs);
  const loadAfter = loadavg()[0]!;
  const { stdout: version } = await exec("redis-server", ["--version"]);
  const meta: Meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: `${cpus()[0]?.model ?? "?"}, ${cpus().length} cores`,
    load: [loadBefore, loadAfter],
    redis: /v=([\d.]+)/.exec(version)?.[1] ?? "?",
    requests: REQUESTS,
    clients: CLIENTS,
    rounds: ROUNDS,
  };
  await writeFile(`${root}/bench/results/mini-redis.json`, `${JSON.stringify({ meta, rows }, null, 2)}\n`);
  await updateDoc(render(meta, rows));
}

/** One row per server, pipelining and test: the median of each figure over the rounds. */
function medians(runs: Row[]): Row[] {
  const groups = new Map<string, Row[]>();
  for (const r of runs) {
    const key = `${r.server}|${r.pipeline}|${r.test}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, [r]);
    else g.push(r);
  }
  return [...groups.values()].map((g) => ({
    server: g[0]!.server,
    pipeline: g[0]!.pipeline,
    test: g[0]!.test,
    rps: median(g.map((r) => r.rps)),
    p50: median(g.map((r) => r.p50)),
    p99: median(g.map((r) => r.p99)),
    cpuUs: median(g.map((r) => r.cpuUs)),
    rpsRounds: g.map((r) => Math.round(r.rps)),
  }));
}

const START = "<!-- mini-redis:start -->";
const END = "<!-- mini-redis:end -->";

function render(meta: Meta, rows: Row[]): string {
  const get = (server: string, pipeline: number, test: string) =>
    rows.find((r) => r.server === server && r.pipeline === pipeline && r.test === test);
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  const cpu = (r: Row) => r.cpuUs.toFixed(1);
  const lines = [
    START,
    "## mini-redis (redis-benchmark)",
    "",
    "<!-- Generated by bench/mini-redis/run.ts (`npm run bench:redis`). Kept by `npm run bench`. -->",
    "",
    `\`redis-benchmark -t ${TESTS} -n ${meta.requests} -c ${meta.clients}\`, without and with \`-P 16\`,`,
    "against [examples/mini-redis](../examples/mini-redis/) (pollux), the same server with native",
    "async/await connection handling (`bench/mini-redis/native-server.ts` in the repository: same",
    `parser, keyspace and commands) and the real \`redis-server\` ${meta.redis}.`,
    "",
    `One run of \`npm run bench:redis\`: ${meta.rounds ?? 1} round(s), in each every server meets every configuration,`,
    "servers alternating (the order rotates between rounds); each figure is the median over the rounds,",
    "and the last column gives pollux / native round by round.",
    `Machine: ${meta.cpus}, load average ${meta.load[0]!.toFixed(1)} before, ${meta.load[1]!.toFixed(1)} after, ${meta.date.slice(0, 10)}, Node ${meta.node}.`,
    "redis-benchmark runs on the same 2 cores as the server, so every figure is also a measure of",
    "how much CPU the server leaves to the client. Treat req/s differences under ~10% as noise. The",
    "server's CPU time per request (user + system, from /proc, for the server process only) is much",
    "less sensitive to the machine's other load: it is the cost the runtime adds per request.",
    "",
    "| -P | test | pollux req/s | native req/s | redis req/s | pollux / native | pollux / redis | p50 ms (pollux / native / redis) | p99 ms (pollux / native / redis) | server CPU µs/req (pollux / native / redis) | pollux / native by round |",
    "| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- |",
  ];
  for (const pipeline of [1, 16]) {
    for (const test of ["PING_MBULK", "SET", "GET"]) {
      const p = get("pollux", pipeline, test);
      const n = get("native", pipeline, test);
      const r = get("redis", pipeline, test);
      if (!p || !n || !r) continue;
      const pr = p.rpsRounds ?? [p.rps];
      const nr = n.rpsRounds ?? [n.rps];
      const byRound = pr.map((x, i) => (x / nr[i]!).toFixed(2)).join(" · ");
      lines.push(
        `| ${pipeline} | ${test} | ${fmt(p.rps)} | ${fmt(n.rps)} | ${fmt(r.rps)} | ${(p.rps / n.rps).toFixed(2)}× | ${(p.rps / r.rps).toFixed(2)}× | ${p.p50} / ${n.p50} / ${r.p50} | ${p.p99} / ${n.p99} / ${r.p99} | ${cpu(p)} / ${cpu(n)} / ${cpu(r)} | ${byRound} |`,
      );
    }
  }
  lines.push(
    "",
    "Targets (issue 14): pollux ≥ 1.1× the async/await server; ≥ 0.7× real Redis without pipelining.",
    "",
    "Where the time goes. Both Node servers make the same system calls per batch of requests: one",
    "read, one write. Most of their CPU is in the kernel: on loopback a `write` also delivers the",
    "bytes to the client and wakes it (7-15 µs per call under strace, for Node and Redis alike). What",
    "differs is the layer above. The async/await server gets each read through Node's Readable",
    "stream (a fresh 64 KiB ArrayBuffer per read, `push`, the async iterator's promise); pollux has",
    "Node read into one buffer shared by all sockets and hand the bytes straight to the connection's",
    "stream (`onread`, see [the net guide](guide-net.md)), then serves the whole batch in one poll of the",
    "connection's task. The server-CPU column is that difference. Without pipelining redis-benchmark,",
    "one thread on the same 2 cores, is the bottleneck, which is why Redis's lower CPU per request",
    "does not make it faster there; with `-P 16` parsing and commands weigh more, and Redis's C is",
    "ahead.",
    END,
  );
  return lines.join("\n");
}

async function updateDoc(section: string): Promise<void> {
  const path = `${root}/docs/benchmarks.md`;
  const doc = await readFile(path, "utf8");
  const a = doc.indexOf(START);
  const b = doc.indexOf(END);
  const next =
    a !== -1 && b !== -1
      ? doc.slice(0, a) + section + doc.slice(b + END.length)
      : `${doc.trimEnd()}\n\n${section}\n`;
  await writeFile(path, next);
  console.error(`report: ${path}`);
}

main().catch((e: unknown) => {
  console.error(`bench:redis: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
