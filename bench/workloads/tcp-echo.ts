/**
 * tcp-echo: an echo server on loopback, driven by ONE client program (`bench/lib/tcp-echo-client.mjs`,
 * plain `node:net`, in its own process) in four configurations: 50 and 500 concurrent connections,
 * 64-byte and 16 KiB messages, each connection a closed loop (send, wait for the whole echo, repeat).
 *
 * Servers (each in this process, Nagle off, fresh per sample):
 * - callback: `socket.on("data", (d) => socket.write(d))`, the plainest Node server;
 * - native: async/await, `for await (const chunk of socket)` and `await once(socket, "drain")` when
 *   `write` returns false;
 * - pollux: `TcpListener` + a task per connection doing `read` into a 16 KiB buffer and `writeAll`.
 *
 * The sample is the client's wall time summed over the four configurations (lower is better); the
 * extras give each configuration's throughput (messages/s) and p50/p99 round-trip latency (µs) as
 * the client saw them, and the server's CPU time per message (user + system, this process only: the
 * machine's other load does not inflate it the way it inflates wall time).
 */
import { execFile } from "node:child_process";
import { once } from "node:events";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type Async, Runtime, spawn } from "pollux";
import { TcpListener, type TcpStream } from "pollux/net";
import type { Sample, Workload } from "../workload.js";

const CLIENT = fileURLToPath(new URL("../lib/tcp-echo-client.mjs", import.meta.url));
const run = promisify(execFile);

interface Config {
  key: string;
  conns: number;
  size: number;
  rounds: number;
}

/** 100,000 small round trips; 20,000 large ones (~330 MB each way). */
const CONFIGS: Config[] = [
  { key: "c50-64B", conns: 50, size: 64, rounds: 2000 },
  { key: "c500-64B", conns: 500, size: 64, rounds: 200 },
  { key: "c50-16KiB", conns: 50, size: 16 * 1024, rounds: 400 },
  { key: "c500-16KiB", conns: 500, size: 16 * 1024, rounds: 40 },
];

interface Running {
  port: number;
  close(): Promise<void>;
}

interface ClientReport {
  ms: number;
  messages: number;
  msgPerS: number;
  p50Us: number;
  p99Us: number;
}

async function drive(server: Running): Promise<Sample> {
  let total = 0;
  const extra: Record<string, number> = {};
  try {
    for (const c of CONFIGS) {
      const cpu = process.cpuUsage();
      const { stdout } = await run(process.execPath, [
        CLIENT,
        String(server.port),
        String(c.conns),
        String(c.size),
        String(c.rounds),
      ]);
      const used = process.cpuUsage(cpu);
      const r = JSON.parse(stdout) as ClientReport;
      if (r.messages !== c.conns * c.rounds) throw new Error(`client echoed ${r.messages} messages`);
      total += r.ms;
      extra[`${c.key} msg/s`] = r.msgPerS;
      extra[`${c.key} p50 µs`] = r.p50Us;
      extra[`${c.key} p99 µs`] = r.p99Us;
      extra[`${c.key} server CPU µs/msg`] = (used.user + used.system) / r.messages;
    }
  } finally {
    await server.close();
  }
  return { value: total, extra };
}

// --- Node servers ---

async function listen(server: Server, sockets: Set<Socket>): Promise<Running> {
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, "close");
    },
  };
}

function callbackServer(): Promise<Running> {
  const server = createServer({ noDelay: true }, (socket) => {
    socket.on("data", (chunk) => socket.write(chunk));
    socket.on("error", () => {});
  });
  return listen(server, new Set());
}

async function asyncEcho(socket: Socket): Promise<void> {
  try {
    for await (const chunk of socket) {
      if (!socket.write(chunk as Buffer)) await once(socket, "drain");
    }
  } catch {
    // the client went away
  }
}

function asyncServer(): Promise<Running> {
  const server = createServer({ noDelay: true }, (socket) => void asyncEcho(socket));
  return listen(server, new Set());
}

// --- pollux server ---

function* echo(conn: TcpStream): Async<void> {
  using c = conn;
  c.setNoDelay(true);
  const buf = new Uint8Array(16 * 1024);
  try {
    for (let n = yield* c.read(buf); n > 0; n = yield* c.read(buf)) yield* c.writeAll(buf.subarray(0, n));
  } catch {
    // the client went away
  }
}

function* acceptLoop(listener: TcpListener): Async<void> {
  using l = listener;
  for (;;) {
    const [conn] = yield* l.accept();
    spawn(echo(conn));
  }
}

async function polluxServer(): Promise<Running> {
  const rt = new Runtime();
  const listener = await rt.run(TcpListener.bind("127.0.0.1:0"));
  rt.spawn(acceptLoop(listener));
  return { port: listener.localAddr().port, close: () => rt.shutdown() };
}

export default {
  name: "tcp-echo",
  description:
    "echo server on loopback, one node:net client process: 50 and 500 connections × 64 B and 16 KiB " +
    "messages, closed loop; ms = client time summed over the four; extras: msg/s, p50/p99 µs each.",
  target: "throughput ≥ 0.95× callback and ≥ 1.1× native async/await; p99 no worse than either",
  samples: 5,
  warmup: 1,
  contenders: {
    native: async () => drive(await asyncServer()),
    callback: async () => drive(await callbackServer()),
    pollux: async () => drive(await polluxServer()),
  },
} satisfies Workload;
