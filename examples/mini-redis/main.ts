/**
 * mini-redis, the command line: `npm start` (or `npm start -- --port 7000`).
 *
 * Binds, prints the addresses, serves until Ctrl-C (or SIGTERM), then shuts down gracefully:
 * stops accepting, tells every connection, waits for them, and exits with status 0. A second
 * Ctrl-C during that wait exits at once (status 130).
 *
 * Options: --port N (default 6379, 0 = any free port), --host H (default 127.0.0.1),
 * --max-clients N (default 250), --max-output-buffer BYTES (default 64 MiB),
 * --console-port N (the live console, pollux/console; default 6669, 0 = any free port),
 * --no-console (run without it and without full instrumentation).
 */
import { parseArgs } from "node:util";
import { type Async, fromPromise, Runtime, select } from "pollux";
import { type ConsoleServer, startConsole } from "pollux/console";
import { IoError } from "pollux/io";
import { TcpListener } from "pollux/net";
import { ctrlC, signal } from "pollux/signal";
import { Server } from "./server.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "6379" },
    host: { type: "string", default: "127.0.0.1" },
    "max-clients": { type: "string", default: "250" },
    "max-output-buffer": { type: "string", default: String(64 * 1024 * 1024) },
    "console-port": { type: "string", default: "6669" },
    "no-console": { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

if (values.help) {
  console.log(
    "usage: npm start -- [--port 6379] [--host 127.0.0.1] [--max-clients 250] [--max-output-buffer BYTES] [--console-port 6669] [--no-console]",
  );
  process.exit(0);
}

function intOption(name: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    console.error(`mini-redis: --${name} must be an integer >= ${min}; got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return n;
}

const port = intOption("port", values.port, 0);
const maxClients = intOption("max-clients", values["max-clients"], 1);
const maxOutputBuffer = intOption("max-output-buffer", values["max-output-buffer"], 1);
const consolePort = intOption("console-port", values["console-port"], 0);
const withConsole = !values["no-console"];
// Full instrumentation feeds the console (per-task metrics, lints); without it, the default.
const runtime = new Runtime(withConsole ? { instrument: true } : {});
let console_ = null as ConsoleServer | null;

/** Ctrl-C or SIGTERM, whichever comes first. */
function* interrupted(): Async<string> {
  const term = signal("SIGTERM");
  try {
    const r = yield* select({ int: ctrlC(), term: term.recv() });
    return r.key === "int" ? "Ctrl-C" : "SIGTERM";
  } finally {
    term.close();
  }
}

function* main(): Async<void> {
  let listener: TcpListener;
  try {
    listener = yield* TcpListener.bind({ host: values.host, port });
  } catch (e) {
    const hint =
      e instanceof IoError && e.kind === "AddrInUse"
        ? " (is a Redis server already running there? try: npm start -- --port 6380)"
        : "";
    console.error(`mini-redis: cannot listen on ${values.host}:${port}: ${(e as Error).message}${hint}`);
    process.exitCode = 1;
    return;
  }
  const addr = listener.localAddr();
  const server = new Server(
    { maxClients, maxOutputBuffer, log: (line) => console.error(`mini-redis: ${line}`) },
    new Map([
      ["port", String(addr.port)],
      ["bind", addr.address],
    ]),
  );
  console.log(`mini-redis listening on ${addr.address}:${addr.port} (try: redis-cli -p ${addr.port} ping)`);
  if (withConsole) {
    console_ = startConsole(runtime, { port: consolePort });
    try {
      console.log(`pollux console: ${yield* fromPromise(() => console_!.ready)} (every task, live)`);
    } catch (e) {
      console.error(`mini-redis: the console could not start: ${(e as Error).message}; serving without it`);
    }
  }
  const serving = server.serve(listener);
  // The server stops when the signal task calls shutdown(); a second Ctrl-C exits at once.
  yield* select.biased({
    done: serving,
    stop: (function* () {
      const why = yield* interrupted();
      console.log(`mini-redis: ${why}: shutting down (${server.connected} connections)`);
      server.shutdown();
      yield* ctrlC();
      console.log("mini-redis: second Ctrl-C: exiting now");
      process.exit(130);
    })(),
  });
  console.log("mini-redis: stopped");
}

try {
  await runtime.run(main);
} finally {
  await console_?.close();
  await runtime.shutdown();
}
process.exitCode ??= 0;
