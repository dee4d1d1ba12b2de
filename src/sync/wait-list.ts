/**
 * `WaitList`: the FIFO queue of waiting futures behind every primitive in `pollux/sync`.
 *
 * HOW: an intrusive doubly-linked list. The waiting future IS the list node (it carries `qPrev`
 * and `qNext`; `next` belongs to the iterator protocol), so queueing a waiter allocates nothing,
 * and a cancelled waiter unlinks itself in O(1) from anywhere in the queue: no tombstones, no scan.
 * A future knows whether it is queued from its own state field; the list never checks membership.
 *
 * WHY not an array or a ring buffer: waiters leave from the middle (cancellation, `select`,
 * `timeout`). With an array that is O(n) per cancel; with lazy deletion a loop of timed-out
 * `send`s on a stuck channel would grow the queue forever.
 */

/** @internal a node of a {@link WaitList}: a waiting future with its two links. */
export interface Linked<N> {
  qPrev: N | null;
  qNext: N | null;
}

/** @internal FIFO of waiting futures; see the file comment. */
export class WaitList<N extends Linked<N>> {
  head: N | null = null;
  tail: N | null = null;
  length = 0;

  /** Queue `node` at the back. It must not be queued already. */
  push(node: N): void {
    const tail = this.tail;
    node.qPrev = tail;
    node.qNext = null;
    if (tail === null) this.head = node;
    else tail.qNext = node;
    this.tail = node;
    this.length++;
  }

  /** Unqueue and return the front node, or null when empty. */
  shift(): N | null {
    const node = this.head;
    if (node === null) return null;
    const next = node.qNext;
    this.head = next;
    if (next === null) this.tail = null;
    else next.qPrev = null;
    node.qNext = null;
    this.length--;
    return node;
  }

  /** Unlink `node`, which must be queued in this list. */
  remove(node: N): void {
    const prev = node.qPrev;
    const next = node.qNext;
    if (prev === null) this.head = next;
    else prev.qNext = next;
    if (next === null) this.tail = prev;
    else next.qPrev = prev;
    node.qPrev = null;
    node.qNext = null;
    this.length--;
  }

  /**
   * Detach every node and return the old head. Walk the detached chain with `qNext`, reading each
   * node's `qNext` before clearing its links.
   */
  takeAll(): N | null {
    const head = this.head;
    this.head = null;
    this.tail = null;
    this.length = 0;
    return head;
  }
}
