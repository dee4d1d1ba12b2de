import { argumentNodes, ReadyQueue } from "./child-waker.js";
import type { IntoFuture, IntoOutput } from "./into-future.js";
import { JoinAll } from "./join-all.js";

/**
 * The output of `join(a, b, ...)`: the tuple of the operands' outputs, in operand order.
 *
 * @example
 * type T = JoinOutput<[Future<number>, AsyncFnFuture<string>]>; // [number, string]
 */
export type JoinOutput<F extends readonly unknown[]> = { -readonly [K in keyof F]: IntoOutput<F[K]> };

/**
 * Await several futures concurrently on the current task (Rust's `join!`) and get a typed tuple
 * of their outputs. Each operand may be a future, a generator object or a generator function.
 * Nothing is spawned: each operand gets its own waker, and only operands that were woken are
 * polled again.
 *
 * Every operand runs to completion even if another throws; then the first error thrown is
 * rethrown. Use `tryJoin` to cancel the others at the first error. Cancelling the join (for
 * example when the task is aborted) cancels every operand still running; their `finally` blocks run.
 *
 * Cost: one node per operand; O(1) per wake. Cheaper than `spawn` + await by a task, a queue
 * round trip and a JoinHandle per operand.
 *
 * @example
 * const [user, posts] = yield* join(fetchUser(id), fetchPosts(id)); // [User, Post[]]
 */
export function join<F extends readonly IntoFuture<unknown>[]>(...futures: F): JoinAll<JoinOutput<F>> {
  const q = new ReadyQueue();
  return new JoinAll<JoinOutput<F>>(q, argumentNodes(q, futures, "join"), false, "join");
}
