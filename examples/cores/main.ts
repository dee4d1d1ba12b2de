/**
 * A TCP service on every core: the main runtime binds the port, every worker runtime accepts on
 * the same socket by file descriptor (Node 20 has no `reusePort`), and each runtime serves the
 * connections it accepts with a task per connection. The main runtime serves too: it is one of
 * the cores (and its listener accepts connections whether or not a task waits on it).
 *
 * Run: `npm run build && node --import tsx examples/cores/main.ts [port]`, then
 * `printf 'hello\nworld\n' | nc 127.0.0.1 7001`: each answer names the thread that served it.
 * `--self-test` connects 64 clients, prints how many threads answered, and exits.
 *
 * For process isolation instead of threads (a crash takes down one process, not the service),
 * Node's `cluster` with `cluster.schedulingPolicy = cluster.SCHED_NONE` gives each process its
 * own accept on a shared socket, with one pollux runtime per process; see docs/guide-cores.md.
 */
import { connect } from "node:net";
import { availableParallelism } from "node:os";
import { type Async, fromPromise, JoinError, type JoinHandle, runMain, spawn } from "pollux";
import { TcpListener } from "pollux/net";
import { coreMetrics, spawnOn } from "pollux/runtime";
import { acceptLoop } from "./service.js";

// Worker threads load the service through a shim that registers tsx there (see worker.mjs).
const SERVE_FD = { module: new URL("./worker.mjs", import.meta.url), export: "serveFd" };
const selfTest = process.argv.includes("--self-test");
const port = selfTest ? 0 : Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 7001);
const cores = Math.max(2, availableParallelism());

/** One request on a fresh connection: the id of the thread that answered. */
function ask(p: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(p, "127.0.0.1", () => s.end(`${line}\n`));
    let text = "";
    s.setEncoding("utf8");
    s.on("data", (d) => {
      text += d;
    });
    s.on("end", () => resolve(text.trim().split(" ")[1] ?? "?"));
    s.on("error", reject);
  });
}

/** Wait for an aborted task; a failure other than the cancellation is reported. */
function* stopped(h: JoinHandle<unknown>): Async<void> {
  try {
    yield* h;
  } catch (e) {
    if (!(e instanceof JoinError && e.cancelled)) console.error(e);
  }
}

runMain(
  function* () {
    using listener = yield* TcpListener.bind({ host: "127.0.0.1", port });
    const p = listener.localAddr().port;
    const workers = [];
    for (let i = 1; i < cores; i++) workers.push(spawnOn(i, SERVE_FD, listener.fd));
    const local = spawn(acceptLoop(listener), { name: "accept (main)" });
    console.log(`serving on 127.0.0.1:${p} from ${cores} runtimes`);
    try {
      if (!selfTest) {
        yield* local; // until Ctrl-C
        return;
      }
      const threads = new Set<string>();
      for (let round = 0; round < 50 && threads.size < cores; round++) {
        const ids = yield* fromPromise(() =>
          Promise.all(Array.from({ length: 64 }, (_, i) => ask(p, `request ${round}.${i}`))),
        );
        for (const id of ids) threads.add(id);
      }
      const m = yield* coreMetrics();
      console.log(
        `${threads.size} threads answered; tasks spawned per runtime: ${m.runtimes.map((r) => r.tasksSpawned).join(", ")}`,
      );
    } finally {
      // Workers first, then the owner of the socket (closing any sharer closes it for all).
      for (const w of workers) w.abort();
      for (const w of workers) yield* stopped(w);
      local.abort();
      yield* stopped(local);
    }
  },
  { workers: cores },
);
