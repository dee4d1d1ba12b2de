/** Shared helpers of the blocking benchmarks: alternate contenders round by round, report medians. */

import { median } from "../harness/stats.js";

export { median };

/**
 * Run every contender `warmup` times, then `samples` rounds in which each contender runs once
 * (alternating, so machine noise hits all of them alike). Returns name → median ms.
 */
export async function compare(
  contenders: Record<string, () => Promise<number>>,
  samples: number,
  warmup: number,
): Promise<Record<string, { median: number; min: number; max: number }>> {
  const names = Object.keys(contenders);
  for (let i = 0; i < warmup; i++) for (const n of names) await contenders[n]!();
  const got: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < samples; i++) {
    for (const n of names) {
      (globalThis as { gc?: () => void }).gc?.();
      got[n]!.push(await contenders[n]!());
    }
  }
  return Object.fromEntries(
    names.map((n) => [n, { median: median(got[n]!), min: Math.min(...got[n]!), max: Math.max(...got[n]!) }]),
  );
}

export function print(
  title: string,
  res: Record<string, { median: number; min: number; max: number }>,
): void {
  console.log(`\n${title}`);
  const base = Object.values(res)[0]!.median;
  for (const [n, r] of Object.entries(res)) {
    console.log(
      `  ${n.padEnd(24)} median ${r.median.toFixed(1).padStart(8)} ms  (min ${r.min.toFixed(1)}, max ${r.max.toFixed(1)})  ${(r.median / base).toFixed(3)}×`,
    );
  }
}
