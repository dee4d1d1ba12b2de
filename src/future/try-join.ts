import { argumentNodes, iterableNodes, ReadyQueue } from "./child-waker.js";
import type { IntoFuture, IntoOutput } from "./into-future.js";
import type { JoinOutput } from "./join.js";
import { JoinAll } from "./join-all.js";

/**
 * Like `join`, but the first operand to throw cancels all the others (Rust's `try_join!`): their
 * `finally` blocks run, async ones to completion, before the error is thrown to the caller. On
 * success, the typed tuple of outputs.
 *
 * Use it when one failure makes the other results useless (fetching parts of one response). An
 * error thrown by a cancelled operand's cleanup is reported to the runtime's `onTaskError`; the
 * first error wins.
 *
 * Cost: as `join`; cancellation visits each running operand once.
 *
 * @example
 * try {
 *   const [a, b] = yield* tryJoin(fetchPart(1), fetchPart(2));
 * } catch (e) {
 *   // the other fetch was cancelled and its finally blocks have run
 * }
 */
export function tryJoin<F extends readonly IntoFuture<unknown>[]>(...futures: F): JoinAll<JoinOutput<F>> {
  const q = new ReadyQueue();
  return new JoinAll<JoinOutput<F>>(q, argumentNodes(q, futures, "tryJoin"), true, "tryJoin");
}

/**
 * `joinAll` with fail-fast: the first future to throw cancels the others (their `finally` blocks
 * run) and its error is thrown. Outputs in input order.
 *
 * Cost: as `joinAll`.
 *
 * @example
 * const pages = yield* tryJoinAll(urls.map((u) => fetchPage(u)));
 */
export function tryJoinAll<F extends IntoFuture<unknown>>(futures: Iterable<F>): JoinAll<IntoOutput<F>[]> {
  const q = new ReadyQueue();
  return new JoinAll(q, iterableNodes(q, futures, "tryJoinAll"), true, "tryJoinAll");
}
