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
import { run } from "pollux";
import { simulate } from "pollux/test";
import { pingPong as pingPongOf, spawnJoin as spawnJoinOf } from "./lib/core-workloads.js";
import { compareRounds, type Groups, majorGc } from "./lib/rounds.js";

const TASKS = 100_000;
const MESSAGES = 200_000;
const ROUNDS = Number(process.env.ROUNDS ?? 11);
const spawnJoin = () => spawnJoinOf(TASKS);
const pingPong = () => pingPongOf(MESSAGES);

const groups: Groups = {
  "spawn-join (100k tasks)": {
    "run() paused, no instrument": () => run(spawnJoin(), { clock: "paused", instrument: false }),
    "simulate({ seed })": () => simulate(spawnJoin(), { seed: 1 }),
    "simulate({ seed, chaos })": () => simulate(spawnJoin(), { seed: 1, chaos: true }),
    "simulate({ choices: [] }) fixed": () => simulate(spawnJoin(), { choices: [] }),
    "run() default": () => run(spawnJoin()),
  },
  "ping-pong (200k messages)": {
    "run() paused, no instrument": () => run(pingPong(), { clock: "paused", instrument: false }),
    "simulate({ seed })": () => simulate(pingPong(), { seed: 1 }),
    "simulate({ seed, chaos })": () => simulate(pingPong(), { seed: 1, chaos: true }),
    "run() default": () => run(pingPong()),
  },
};

await compareRounds(groups, ROUNDS, majorGc());
