/**
 * `Barrier`: `n` tasks wait until all `n` have arrived, then all continue; one of them (the last
 * to arrive) is told it is the leader.
 *
 * HOW: an arrival counter and a `WaitList` of the tasks that arrived before the last one. The n-th
 * arrival completes at once as leader, wakes every queued task, and resets the counter: the
 * barrier is reusable, generation after generation.
 */
import { FutureBase } from "../future/future.js";
import { type Context, PENDING, type Poll, type Waker } from "../future/poll.js";
import { checkCount } from "./validate.js";
import { WaitList } from "./wait-list.js";

const INIT = 0;
const WAITING = 1;
const RELEASED = 2;
const DONE = 3;

/**
 * What {@link Barrier.wait} returns. Exactly one task per generation gets `isLeader: true`.
 *
 * @example
 * const { isLeader } = yield* barrier.wait();
 * if (isLeader) console.log("everyone arrived");
 */
export class BarrierWaitResult {
  /** @internal shared instances: waiting allocates no result object. */
  constructor(
    /** True for exactly one task per generation: the last to arrive. */
    readonly isLeader: boolean,
  ) {}
}

const LEADER = Object.freeze(new BarrierWaitResult(true));
const FOLLOWER = Object.freeze(new BarrierWaitResult(false));

class BarrierWait extends FutureBase<BarrierWaitResult> {
  qPrev: BarrierWait | null = null;
  qNext: BarrierWait | null = null;
  waker: Waker | null = null;
  state = INIT;

  constructor(private readonly barrier: Barrier) {
    super();
  }

  poll(cx: Context): Poll<BarrierWaitResult> {
    const b = this.barrier;
    switch (this.state) {
      case INIT:
        if (++b.arrived >= b.n) {
          b.arrived = 0;
          b.releaseAll();
          this.state = DONE;
          return LEADER;
        }
        this.state = WAITING;
        this.waker = cx.waker;
        b.waiters.push(this);
        return PENDING;
      case WAITING:
        this.waker = cx.waker;
        return PENDING;
      case RELEASED:
        this.state = DONE;
        return FOLLOWER;
      default:
        throw new Error("Barrier.wait() future polled after it completed; call wait() again.");
    }
  }

  override cancel(): void {
    // The arrival stays counted (as in Tokio): the other tasks are not held back by it.
    if (this.state === WAITING) {
      this.barrier.waiters.remove(this);
      this.waker = null;
    }
    this.state = DONE;
  }

  override describe(): string {
    return `Barrier.wait() (${this.barrier.arrived} of ${this.barrier.n} arrived)`;
  }
}

/**
 * A reusable rendezvous point for `n` tasks.
 *
 * When to use: phases of a parallel computation (all workers finish phase 1 before any starts
 * phase 2), or starting a set of tasks together in a test or benchmark.
 *
 * Cost: one future per `wait()`; the last arrival wakes the n - 1 others.
 *
 * @throws RangeError when `n` is not an integer ≥ 0 (0 behaves like 1, as in Tokio).
 * @example
 * const barrier = new Barrier(3);
 * for (let i = 0; i < 3; i++) spawn(function* () {
 *   loadShard(i);
 *   const { isLeader } = yield* barrier.wait();
 *   if (isLeader) console.log("all shards loaded");
 * });
 */
export class Barrier {
  /** Tasks that must arrive before all continue. */
  readonly n: number;
  /** @internal arrivals in the current generation. */
  arrived = 0;
  /** @internal */
  readonly waiters = new WaitList<BarrierWait>();

  constructor(n: number) {
    this.n = Math.max(1, checkCount("new Barrier(n): n", n, 0, "Pass how many tasks must meet."));
  }

  /**
   * Arrive and wait until `n` tasks (counting this one) have arrived in this generation. The last
   * to arrive continues at once with `isLeader: true`; the others get `isLeader: false`.
   *
   * Cancel safety: NOT cancel-safe, as in Tokio: the arrival counts from the first poll, and
   * cancelling the wait afterwards does not take it back (the barrier may then release with one
   * task fewer actually waiting).
   *
   * @example
   * yield* barrier.wait();
   */
  wait(): FutureBase<BarrierWaitResult> {
    return new BarrierWait(this);
  }

  /** @internal */
  releaseAll(): void {
    for (let n = this.waiters.takeAll(); n !== null; ) {
      const next = n.qNext;
      n.qPrev = null;
      n.qNext = null;
      n.state = RELEASED;
      const w = n.waker!;
      n.waker = null;
      w.wake();
      n = next;
    }
  }
}
