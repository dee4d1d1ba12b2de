/**
 * pollux against the featureless reference executor (`../shared/reference/proto-executor.mjs`, kept
 * outside this repository: a ring-buffer run queue, task = waker, ready futures polled inline; no
 * budget, LIFO slot, abort, metrics, names or deadlock check). Issue 10's yardstick: spawn-join
 * and ping-pong within 1.3× of it, measured in one process.
 *
 *   npm run build && node --expose-gc --import tsx bench/reference.ts [path/to/proto-executor.mjs]
 *
 * Contenders alternate round by round with a young-generation GC before each (`--gc major`
 * as the last argument: a full GC, the regime of a long-lived server). Prints medians.
 */
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { type Async, END, type JoinHandle, run, spawn } from "pollux";
import { mpsc } from "pollux/sync";
import { median } from "./blocking/median.js";

const args = process.argv.slice(2);
const major = args.includes("--gc=major") || args.at(-1) === "major";
const file =
  args.find((a) => a.endsWith(".mjs")) ??
  new URL("../../shared/reference/proto-executor.mjs", import.meta.url).pathname;
if (!existsSync(file)) {
  console.error(`bench/reference: no reference executor at ${file}; pass its path as the first argument.`);
  process.exit(2);
}

interface Ref {
  run(g: unknown): Promise<number>;
  spawn(g: unknown): unknown;
  Channel: new () => { send(v: number): void; recv(): unknown };
  Future: new () => object;
}
const R = (await import(`${pathToFileURL(file).href}?mode=inline`)) as Ref;

const TASKS = 100_000;
const MESSAGES = 200_000;
const ROUNDS = Number(process.env.ROUNDS ?? 15);

function* child(i: number): Async<number> {
  return i;
}

function* spawnJoin(): Async<number> {
  const hs = new Array<JoinHandle<number>>(TASKS);
  for (let i = 0; i < TASKS; i++) hs[i] = spawn(child(i));
  let s = 0;
  for (const h of hs) s += yield* h;
  return s;
}

function* refChild(i: number): Generator<unknown, number, unknown> {
  return i;
}

function* refSpawnJoin(): Generator<unknown, number, unknown> {
  const hs = new Array<unknown>(TASKS);
  for (let i = 0; i < TASKS; i++) hs[i] = R.spawn(refChild(i));
  let s = 0;
  for (const h of hs) s += (yield* h as Iterable<unknown>) as number;
  return s;
}

function* ponger(rx: mpsc.UnboundedReceiver<number>, tx: mpsc.UnboundedSender<number>): Async<void> {
  for (let v = yield* rx.recv(); v !== END; v = yield* rx.recv()) tx.send(v);
}

function* pingPong(): Async<number> {
  const [pingTx, pingRx] = mpsc.unbounded<number>();
  const [pongTx, pongRx] = mpsc.unbounded<number>();
  const p = spawn(ponger(pingRx, pongTx));
  let s = 0;
  for (let i = 0; i < MESSAGES; i++) {
    pingTx.send(i);
    s += (yield* pongRx.recv()) as number;
  }
  pingTx.close();
  yield* p;
  return s;
}

function* pingPongBounded(): Async<number> {
  const [pingTx, pingRx] = mpsc.channel<number>(1);
  const [pongTx, pongRx] = mpsc.channel<number>(1);
  const p = spawn(
    (function* (): Async<void> {
      for (let v = yield* pingRx.recv(); v !== END; v = yield* pingRx.recv()) yield* pongTx.send(v);
    })(),
  );
  let s = 0;
  for (let i = 0; i < MESSAGES; i++) {
    yield* pingTx.send(i);
    s += (yield* pongRx.recv()) as number;
  }
  pingTx.close();
  yield* p;
  return s;
}

function* refPonger(
  rx: { recv(): unknown },
  tx: { send(v: number): void },
): Generator<unknown, void, unknown> {
  for (;;) {
    const v = (yield* rx.recv() as Iterable<unknown>) as number;
    if (v < 0) return;
    tx.send(v);
  }
}

function* refPingPong(): Generator<unknown, number, unknown> {
  const ping = new R.Channel();
  const pong = new R.Channel();
  const p = R.spawn(refPonger(ping, pong));
  let s = 0;
  for (let i = 0; i < MESSAGES; i++) {
    ping.send(i);
    s += (yield* pong.recv() as Iterable<unknown>) as number;
  }
  ping.send(-1);
  yield* p as Iterable<unknown>;
  return s;
}

const groups: Record<string, Record<string, () => Promise<number>>> = {
  "spawn-join (100k tasks)": {
    reference: () => R.run(refSpawnJoin()),
    pollux: () => run(spawnJoin()),
  },
  "ping-pong (200k messages)": {
    reference: () => R.run(refPingPong()),
    "pollux unbounded": () => run(pingPong()),
    "pollux channel(1)": () => run(pingPongBounded()),
  },
};

const gc = (globalThis as { gc?: (o?: object) => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc");
console.log(`GC before each round: ${major ? "full (major)" : "young generation (minor)"}`);
for (const [title, contenders] of Object.entries(groups)) {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS + 2; r++) {
    for (const [name, fn] of Object.entries(contenders)) {
      if (major) gc();
      else gc({ type: "minor", execution: "sync" });
      const t = performance.now();
      await fn();
      if (r >= 2) times[name]!.push(performance.now() - t);
    }
  }
  const ref = median(times.reference!);
  console.log(`\n${title}`);
  for (const [name, xs] of Object.entries(times)) {
    const m = median(xs);
    console.log(
      `  ${name.padEnd(20)} median ${m.toFixed(1).padStart(7)} ms  ${(m / ref).toFixed(2)}× reference`,
    );
  }
}
