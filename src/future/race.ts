import { argumentNodes, ReadyQueue } from "./child-waker.js";
import type { IntoFuture, IntoOutput } from "./into-future.js";
import { Select } from "./select.js";

function makeRace(args: readonly unknown[], biased: boolean): Select<never> {
  const name = biased ? "race.biased" : "race";
  if (args.length === 0) {
    throw new TypeError(
      `${name}() needs at least one future: a race with none would never complete. Use pending() if you mean that.`,
    );
  }
  if (args.length === 1 && Array.isArray(args[0])) {
    throw new TypeError(
      `${name}() takes futures as separate arguments; got one array. Spread it: ${name}(...futures).`,
    );
  }
  const q = new ReadyQueue();
  return new Select(q, argumentNodes(q, args, name), null, biased);
}

/**
 * The positional form of `select`: wait for the first of several futures and resolve to its value
 * (the union of the operands' output types). The others are cancelled before `race` returns; their
 * `finally` blocks run. Fair: operands are polled from a random start. If the first to finish
 * throws, `race` throws.
 *
 * Use it when you only need the value; use `select` to know which operand won.
 *
 * Cost: as `select`.
 *
 * @example
 * const page = yield* race(fetchFrom(mirrorA), fetchFrom(mirrorB));
 */
export function race<F extends readonly IntoFuture<unknown>[]>(...futures: F): Select<IntoOutput<F[number]>> {
  return makeRace(futures, false) as Select<IntoOutput<F[number]>>;
}

/**
 * `race` polling operands in argument order: when several are ready, the first listed wins.
 *
 * Cost: as `race`.
 *
 * @example
 * const v = yield* race.biased(cache.get(key), db.get(key));
 */
race.biased = function biased<F extends readonly IntoFuture<unknown>[]>(
  ...futures: F
): Select<IntoOutput<F[number]>> {
  return makeRace(futures, true) as Select<IntoOutput<F[number]>>;
};
