/**
 * The same pseudo-random delays for every contender and sample (xorshift32 from a fixed seed), so
 * timer workloads compare like with like.
 */
export function seededDelays(n: number, longest: number): number[] {
  let x = 0x2545f491;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = 1 + ((x >>> 0) % longest);
  }
  return out;
}
