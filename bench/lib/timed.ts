/**
 * `timed`: the body of every timed contender. It measures the wall time of `work` only, then
 * checks its result, so a contender that silently did less work than the others fails loudly
 * instead of winning.
 */

/** Run `work`, return its wall time in ms; throw if its result is not `expected`. */
export async function timed<T>(work: () => Promise<T>, expected: T): Promise<number> {
  const start = performance.now();
  const result = await work();
  const ms = performance.now() - start;
  if (!Object.is(result, expected)) {
    throw new Error(`wrong result: expected ${String(expected)}, got ${String(result)}`);
  }
  return ms;
}

/** 0 + 1 + … + (n - 1): the result of the loops that sum their indices. */
export function sumBelow(n: number): number {
  return (n * (n - 1)) / 2;
}
