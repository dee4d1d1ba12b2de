// `node bench/cores/server.mjs <runtimes>`: the service on that many runtimes (1: this thread
// only), one port shared by descriptor; prints the port, serves until killed.
import { Runtime, sleep, spawn } from "pollux";
import { TcpListener } from "pollux/net";
import { coreMetrics, spawnOn } from "pollux/runtime";
import { acceptLoop } from "./service.mjs";

const runtimes = Number(process.argv[2] ?? 1);
const SERVE = { module: new URL("./service.mjs", import.meta.url), export: "serveFd" };
const rt = new Runtime({ workers: runtimes, instrument: false, onOrphans: false });
await rt.run(function* () {
  const listener = yield* TcpListener.bind("127.0.0.1:0");
  for (let i = 1; i < runtimes; i++) spawnOn(i, SERVE, listener.fd);
  console.log(listener.localAddr().port);
  if (process.env.STATS !== undefined) {
    // Connections served per runtime, on stderr, every second.
    spawn(function* () {
      for (;;) {
        yield* sleep(1000);
        const m = yield* coreMetrics();
        console.error(`tasks spawned per runtime: ${m.runtimes.map((r) => r.tasksSpawned).join(", ")}`);
      }
    });
  }
  yield* acceptLoop(listener);
});
