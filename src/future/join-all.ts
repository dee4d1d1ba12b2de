/**
 * `JoinAll`: the future behind `join`, `joinAll`, `tryJoin` and `tryJoinAll`.
 *
 * All children run on the awaiting task; none is spawned. The first poll polls every child once,
 * in order. After that only children whose waker fired are polled (see `child-waker.ts`), so a
 * join of 10,000 futures costs O(1) per wake, not O(10,000).
 *
 * Errors: without fail-fast (`join`, `joinAll`), every child runs to completion and then the first
 * error thrown is rethrown (later ones go to the runtime's `onTaskError`). With fail-fast (`tryJoin`,
 * `tryJoinAll`), the first error cancels every other child, their `finally` blocks run (async ones
 * to completion), and then the error is thrown.
 */
import {
  budgetSpent,
  CANCELLING,
  type Child,
  ChildGroup,
  DONE,
  describeChildren,
  INIT,
  iterableNodes,
  LIVE,
  NO_ERROR,
  pollAfterDone,
  ReadyQueue,
  RUNNING,
  reportDropped,
  yieldRest,
} from "./child-waker.js";
import type { IntoFuture, IntoOutput } from "./into-future.js";
import { type Context, PENDING, type Poll } from "./poll.js";

/**
 * The future returned by {@link joinAll}, `join`, `tryJoin` and `tryJoinAll`: resolves to the
 * outputs of its children, in input order. Build it with those functions, not `new`. Besides
 * `poll`, it implements `pollCancel` (cancelling it drives its children's async cleanup to the
 * end) and `cancel` (synchronous drop).
 *
 * Cost: one node per child; O(1) per child wake.
 *
 * @example
 * const all: JoinAll<number[]> = joinAll(jobs);
 * const outputs = yield* all;
 */
export class JoinAll<T extends unknown[]> extends ChildGroup<T> {
  private readonly results: unknown[];
  private remaining: number;

  /** @internal use `join`, `joinAll`, `tryJoin` or `tryJoinAll`. */
  constructor(
    q: ReadyQueue,
    nodes: Child[],
    private readonly failFast: boolean,
    private readonly name: string,
  ) {
    super(q, nodes);
    this.results = new Array(nodes.length);
    this.remaining = nodes.length;
  }

  protected get label(): string {
    return this.name;
  }

  poll(cx: Context): Poll<T> {
    const phase = this.phase;
    if (phase === RUNNING) {
      const q = this.q;
      q.waker = cx.waker;
      const tail = q.tail;
      let node = q.detach();
      while (node !== null) {
        if (budgetSpent()) {
          yieldRest(q, node, tail, cx);
          break;
        }
        const next = node.unlinkReady();
        if (node.state === LIVE && !this.pollChild(node)) break;
        node = next;
      }
    } else if (phase === INIT) {
      this.phase = RUNNING;
      this.q.waker = cx.waker;
      const nodes = this.nodes;
      for (let i = 0; i < nodes.length; i++) if (!this.pollChild(nodes[i]!)) break;
    } else if (phase === CANCELLING) {
      return this.continueCancel(cx) ? this.finish() : PENDING;
    } else {
      throw pollAfterDone(this.name);
    }
    if (this.failFast && this.error !== NO_ERROR) return this.beginCancel() ? this.finish() : PENDING;
    return this.remaining === 0 ? this.finish() : PENDING;
  }

  /** Poll one live child. Returns false when a fail-fast join must stop polling. */
  private pollChild(node: Child): boolean {
    let out: unknown;
    try {
      out = node.future!.poll(node);
    } catch (e) {
      node.state = DONE;
      node.future = null;
      this.remaining--;
      if (this.error === NO_ERROR) this.error = e;
      else reportDropped(e, `${this.name}: another child also failed after the first error`);
      return !this.failFast;
    }
    if (out !== PENDING) {
      node.state = DONE;
      node.future = null;
      this.results[node.index] = out;
      this.remaining--;
    }
    return true;
  }

  protected output(): T {
    return this.results as T;
  }

  override describe(): string {
    return describeChildren(this.name, this.nodes);
  }
}

/**
 * Await every future of an iterable concurrently, on the current task, and get their outputs as an
 * array in input order (not completion order). Nothing is spawned: each child gets its own waker
 * and only woken children are polled again.
 *
 * Every child runs to completion even if another throws; then the first error thrown is rethrown
 * (further errors go to the runtime's `onTaskError`). To stop at the first error and cancel the
 * others, use {@link tryJoinAll}. Cancelling the join cancels every child still running.
 *
 * Use it for a dynamic number of futures; for a fixed list with a typed tuple, use `join`. For
 * results in completion order, use `FuturesUnordered`.
 *
 * Cost: one node per child (its waker), allocated when the join is built; O(1) per child wake.
 * Building the join iterates `futures` (runs nothing: futures are lazy).
 *
 * @example
 * const users = yield* joinAll(ids.map((id) => fetchUser(id))); // User[]
 */
export function joinAll<F extends IntoFuture<unknown>>(futures: Iterable<F>): JoinAll<IntoOutput<F>[]> {
  const q = new ReadyQueue();
  return new JoinAll(q, iterableNodes(q, futures, "joinAll"), false, "joinAll");
}
