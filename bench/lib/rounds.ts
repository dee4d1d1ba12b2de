/**
 * Alternating rounds for the standalone comparison scripts (`bench/reference.ts`,
 * `bench/sim-overhead.ts`): every contender of a group runs once per round, with a GC before each
 * run (young generation, or full with `major`: the two regimes of docs/benchmarks.md), two
 * warm-up rounds, and medians printed relative to the group's first contender.
 */
import { median } from "../blocking/median.js";

/** Groups of contenders by title; each contender runs the work once. */
export type Groups = Record<string, Record<string, () => Promise<unknown>>>;

/** True when the script's arguments ask for the full-GC regime (`major`). */
export function majorGc(): boolean {
  return process.argv.slice(2).includes("major");
}

export async function compareRounds(groups: Groups, rounds: number, major: boolean): Promise<void> {
  const gc = (globalThis as { gc?: (o?: object) => void }).gc;
  if (gc === undefined) throw new Error("run with --expose-gc");
  console.log(`GC before each round: ${major ? "full (major)" : "young generation (minor)"}`);
  for (const [title, contenders] of Object.entries(groups)) {
    const names = Object.keys(contenders);
    const times: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]));
    for (let r = 0; r < rounds + 2; r++) {
      for (const [name, fn] of Object.entries(contenders)) {
        if (major) gc();
        else gc({ type: "minor", execution: "sync" });
        const t = performance.now();
        await fn();
        if (r >= 2) times[name]!.push(performance.now() - t);
      }
    }
    const base = median(times[names[0]!]!);
    console.log(`\n${title}`);
    for (const [name, xs] of Object.entries(times)) {
      const m = median(xs);
      console.log(
        `  ${name.padEnd(28)} median ${m.toFixed(1).padStart(7)} ms  ${(m / base).toFixed(2)}× ${names[0]}`,
      );
    }
  }
}
