/**
 * sim-overhead: what `simulate` (pollux/test) costs against the normal runtime, on spawn-join
 * (100k tasks) and ping-pong (200k messages over unbounded mpsc channels). Issue 15's target:
 * within 2× of the normal runtime.
 *
 *   npm run build && node --expose-gc --import tsx bench/sim-overhead.ts [major]
 *
 * Contenders alternate round by round with a young-generation GC before each (`major`: a full
 * GC, the other regime); prints medians.
 * The baseline is `run()` on the paused clock with `instrument: false`, which is what a
 * simulated runtime runs with (no slow-poll watch), so the ratio is the price of the simulated
 * drain (a seeded choice per poll, every runnable task moved through the strategy's array) alone.
 * `run() default` (instrumented, real clock) is printed for reference, and `choices: []` (the
 * simulated drain with a fixed order) separates the cost of the random order from the rest.
 */
import { type Async, END, type JoinHandle, run, spawn } from "pollux";
import { mpsc } from "pollux/sync";
import { simulate } from "pollux/test";
import { median } from "./blocking/median.js";

const TASKS = 100_000;
const MESSAGES = 200_000;
const ROUNDS = Number(process.env.ROUNDS ?? 11);

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

const groups: Record<string, Record<string, () => Promise<unknown>>> = {
  "spawn-join (100k tasks)": {
    "run() paused, no instrument": () => run(spawnJoin, { clock: "paused", instrument: false }),
    "simulate({ seed })": () => simulate(spawnJoin, { seed: 1 }),
    "simulate({ seed, chaos })": () => simulate(spawnJoin, { seed: 1, chaos: true }),
    "simulate({ choices: [] }) fixed": () => simulate(spawnJoin, { choices: [] }),
    "run() default": () => run(spawnJoin),
  },
  "ping-pong (200k messages)": {
    "run() paused, no instrument": () => run(pingPong, { clock: "paused", instrument: false }),
    "simulate({ seed })": () => simulate(pingPong, { seed: 1 }),
    "simulate({ seed, chaos })": () => simulate(pingPong, { seed: 1, chaos: true }),
    "run() default": () => run(pingPong),
  },
};

const gc = (globalThis as { gc?: (o?: object) => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc");
const major = process.argv.slice(2).includes("major");
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
  const base = median(Object.values(times)[0]!);
  console.log(`\n${title}`);
  for (const [name, xs] of Object.entries(times)) {
    const m = median(xs);
    console.log(`  ${name.padEnd(28)} median ${m.toFixed(1).padStart(7)} ms  ${(m / base).toFixed(2)}×`);
  }
}
