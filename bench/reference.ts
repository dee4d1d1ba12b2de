/**
 * pollux against the featureless reference executor (`../shared/reference/proto-executor.mjs`, kept
 * outside this repository: a ring-buffer run queue, task = waker, ready futures polled inline; no
 * budget, LIFO slot, abort, metrics, names or deadlock check). Issue 10's yardstick: spawn-join
 * and ping-pong within 1.3× of it, measured in one process.
 *
 *   npm run build && node --expose-gc --import tsx bench/reference.ts [path/to/proto-executor.mjs] [major]
 *
 * Contenders alternate round by round with a young-generation GC before each (`major`
 * as an argument: a full GC, the regime of a long-lived server). Prints medians (`bench/lib/rounds.ts`).
 */
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { type Async, END, run, spawn } from "pollux";
import { mpsc } from "pollux/sync";
import { pingPong, spawnJoin } from "./lib/core-workloads.js";
import { compareRounds, type Groups, majorGc } from "./lib/rounds.js";

const args = process.argv.slice(2);
const major = majorGc();
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

const groups: Groups = {
  "spawn-join (100k tasks)": {
    reference: () => R.run(refSpawnJoin()),
    pollux: () => run(spawnJoin(TASKS)),
  },
  "ping-pong (200k messages)": {
    reference: () => R.run(refPingPong()),
    "pollux unbounded": () => run(pingPong(MESSAGES)),
    "pollux channel(1)": () => run(pingPongBounded()),
  },
};

await compareRounds(groups, ROUNDS, major);
