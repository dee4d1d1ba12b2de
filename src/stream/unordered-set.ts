/**
 * `UnorderedSet`: the engine of `FuturesUnordered` and `bufferUnordered`: a growable set of
 * futures polled on one task, yielding outputs in completion order.
 *
 * Members live in an array (swap-remove keeps removal O(1)); each has a `Child` node as its waker.
 * A pushed future is put on the ready queue so the next `pollNext` polls it once; after that a
 * member is polled only when its waker fired. `pollNext` walks the woken chain and returns at the
 * first output, putting the unvisited rest of the chain back at the front of the queue, so each
 * wake costs O(1) whatever the size of the set. Members woken while the chain is walked wait for
 * the next call, so a member that wakes itself cannot make one call spin.
 *
 * Finished members' nodes are kept (up to `SPARE_NODES`) and handed to the next pushed future, so
 * a long-running set (`forEachConcurrent` over a million items, a `bufferUnordered` pipeline)
 * allocates no node per future in steady state. A node is only kept when it is off the ready
 * queue; a stale wake from its previous future's leftover registration at worst polls the new
 * future once for nothing, which the Future contract allows.
 *
 * It is not a future and not a stream by itself (no adapters), which lets `stream/stream.ts` use it
 * without an import cycle with `FuturesUnordered`.
 */

import {
  budgetSpent,
  Child,
  DONE,
  enqueueQuiet,
  LIVE,
  putBack,
  ReadyQueue,
  reportDropped,
  yieldRest,
} from "../future/child-waker.js";
import { current } from "../future/current.js";
import type { Future } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { END, type End } from "./poll-next.js";

/** How many finished nodes a set keeps for reuse. */
const SPARE_NODES = 64;

export class UnorderedSet<T> {
  private readonly q = new ReadyQueue();
  private live: Child[] = [];
  private readonly spare: Child[] = [];

  get size(): number {
    return this.live.length;
  }

  /**
   * Add a member; the next `pollNext` polls it. Wakes whoever last polled the set, unless that is
   * the code pushing now (same context): it polls the set again before it can wait on it.
   */
  push(future: Future<T>): void {
    const node = this.add(future);
    const cx = current.cx;
    if (cx !== null && cx.waker === this.q.waker) enqueueQuiet(this.q, node);
    else node.wake();
  }

  /** Add a member without waking anyone: for owners about to call `pollNext` themselves. */
  pushQuiet(future: Future<T>): void {
    enqueueQuiet(this.q, this.add(future));
  }

  private add(future: Future<T>): Child {
    const live = this.live;
    let node = this.spare.pop();
    if (node === undefined) node = new Child(this.q, future, live.length);
    else {
      node.future = future;
      node.index = live.length;
      node.state = LIVE;
    }
    live.push(node);
    return node;
  }

  /** The next output in completion order; END when the set is empty; throws a member's error. */
  pollNext(cx: Context): Poll<T | End> {
    const q = this.q;
    q.waker = cx.waker;
    if (this.live.length === 0) {
      q.head = q.tail = null; // only members that finished can be left on it
      return END;
    }
    const tail = q.tail;
    let node = q.detach();
    while (node !== null) {
      if (budgetSpent()) {
        yieldRest(q, node, tail, cx);
        return PENDING;
      }
      const next = node.unlinkReady();
      if (node.state === LIVE) {
        let out: unknown;
        try {
          out = node.future!.poll(node);
        } catch (e) {
          this.remove(node);
          putBack(q, next, tail);
          throw e;
        }
        if (out !== PENDING) {
          this.remove(node);
          putBack(q, next, tail);
          return out as T;
        }
      }
      node = next;
    }
    return PENDING;
  }

  private remove(node: Child): void {
    node.state = DONE;
    node.future = null;
    const live = this.live;
    const last = live.pop()!;
    if (last !== node) {
      live[node.index] = last;
      last.index = node.index;
    }
    if (!node.queued && this.spare.length < SPARE_NODES) this.spare.push(node);
  }

  /** Cancel every member (synchronous drop; async fn cleanup continues on a detached task). */
  cancelAll(): void {
    const live = this.live;
    this.live = [];
    const q = this.q;
    q.head = q.tail = null;
    q.waker = null;
    for (const node of live) {
      const f = node.future!;
      node.state = DONE;
      node.future = null;
      node.queued = false;
      node.nextReady = null;
      try {
        f.cancel?.();
      } catch (e) {
        reportDropped(e, "FuturesUnordered: cancelling a member threw");
      }
    }
  }

  describe(): string {
    return `${this.live.length} futures`;
  }
}
