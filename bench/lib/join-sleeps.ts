/**
 * join-sleeps: n sleeps of a seeded random 1–50 ms awaited under ONE combinator on one task
 * (pollux `joinAll` or `FuturesUnordered`), against native `Promise.all` of timer promises. It
 * checks that a combinator over many leaf futures stays linear once the coop budget runs out
 * (each task poll completes at most 128 children; the rest must stay queued, not be re-visited).
 * The sample is the total wall time; run at 80k and 200k, the ratio of the two shows linearity.
 */
import { type Async, FuturesUnordered, joinAll, run } from "pollux";
import { sleep } from "pollux/time";
import type { Workload } from "../workload.js";
import { seededDelays } from "./delays.js";
import { timed } from "./timed.js";

export function joinSleeps(n: number, combinator: "joinAll" | "FuturesUnordered"): Workload {
  const delays = seededDelays(n, 50);

  function nativeMain(): Promise<number> {
    const all = new Array<Promise<void>>(n);
    for (let i = 0; i < n; i++) all[i] = new Promise((resolve) => setTimeout(resolve, delays[i]!));
    return Promise.all(all).then((done) => done.length);
  }

  function* joinAllMain(): Async<number> {
    const sleeps = new Array(n);
    for (let i = 0; i < n; i++) sleeps[i] = sleep(delays[i]!);
    return (yield* joinAll(sleeps)).length;
  }

  function* unorderedMain(): Async<number> {
    const set = new FuturesUnordered<void>();
    for (let i = 0; i < n; i++) set.push(sleep(delays[i]!));
    let done = 0;
    while (set.size > 0) {
      yield* set.next();
      done++;
    }
    return done;
  }

  const polluxMain = combinator === "joinAll" ? joinAllMain : unorderedMain;
  const k = `${n / 1000}k`;
  return {
    name: combinator === "joinAll" ? `join-sleeps-${k}` : `unordered-sleeps-${k}`,
    description: `${n.toLocaleString("en")} sleeps of a seeded 1–50 ms under one pollux \`${combinator}\` on one task vs native \`Promise.all\` of setTimeout promises; total wall ms.`,
    target: "≤ 1.0× native; time at 200k ≤ 2.5× time at 80k",
    samples: 5,
    contenders: {
      native: () => timed(nativeMain, n),
      pollux: () => timed(() => run(polluxMain), n),
    },
  };
}
