/**
 * instrument-overhead: what blocking detection (`instrument`, on by default outside production)
 * costs on the two hottest workloads, ping-pong (200,000 task switches) and spawn-join (100,000
 * spawns: the spawn site capture). Each runs the workload's own pollux contender with detection
 * off (NODE_ENV=production, the runtime's default) and on, alternating round by round.
 *
 *   npm run build && node --expose-gc --import tsx bench/blocking/instrument-overhead.ts
 */
import pingPong from "../workloads/ping-pong.js";
import spawnJoin from "../workloads/spawn-join.js";
import { compare, print } from "./median.js";

const SAMPLES = Number(process.env.SAMPLES ?? 9);

function withEnv(env: string, fn: () => Promise<unknown>): () => Promise<number> {
  return async () => {
    const prev = process.env.NODE_ENV;
    process.env.NODE_ENV = env;
    try {
      return (await fn()) as number;
    } finally {
      process.env.NODE_ENV = prev;
    }
  };
}

for (const w of [pingPong, spawnJoin]) {
  const pollux = w.contenders.pollux!;
  const res = await compare(
    {
      "detection off": withEnv("production", pollux),
      "detection on": withEnv("development", pollux),
    },
    SAMPLES,
    2,
  );
  print(`${w.name} (pollux)`, res);
}
