/**
 * Child wakers: how a combinator polls many futures on ONE task and re-polls only the woken ones.
 *
 * Every child of a combinator (a `join` operand, a `select` branch, a future in a
 * `FuturesUnordered`, a stream in a `merge`) gets a `Child` node. The node is the child's `Context`
 * and `Waker` at once (like a task, it is its own waker), so handing it out and waking it allocate
 * nothing. Waking a node appends it to its combinator's `ReadyQueue`, an intrusive FIFO linked
 * through the nodes themselves, and wakes the combinator's own waker (the task, or the node of an
 * enclosing combinator) only when the queue goes from empty to non-empty.
 *
 * A combinator's poll detaches the whole queue and polls exactly the nodes on it, so the cost of a
 * poll is proportional to the number of wakes, never to the number of children: a child woken once
 * is polled once. A node woken again while it is being polled goes onto the fresh queue, and the
 * combinator's waker is woken, so it is polled in the next round instead of spinning in this one.
 *
 * Invariant every user of the queue keeps: when a poll returns PENDING, the queue is empty or its
 * owner's waker has been woken since the queue became non-empty. A poll that returns a value early
 * may put the unpolled rest of the chain back (`putBack`) without a wake: whoever got the value
 * polls again before relying on a wake.
 *
 * `ChildGroup` adds the cancellation protocol shared by `join`, `tryJoin` and `select`: losers and
 * abandoned children are cancelled with `pollCancel` when they have it (their async `finally`
 * blocks are driven to completion, re-polling only the children whose cleanup was woken), else
 * with `cancel()`.
 */

import { describeValue } from "./async-fn.js";
import { current } from "./current.js";
import { describeFuture, type Future, FutureBase, isFuture } from "./future.js";
import { intoFuture } from "./into-future.js";
import type { Context, Waker } from "./poll.js";

// States of a child node.
/** Running: polled when woken. */
export const LIVE = 0;
/** Being cancelled with `pollCancel`: re-polled with `pollCancel` when woken. */
export const CLEANING = 1;
/** Finished, failed or cancelled: wakes are ignored. */
export const DONE = 2;

/** "No error recorded": errors may be any value, `undefined` included. */
export const NO_ERROR: unique symbol = Symbol("pollux.noError");

/** The queue of woken children of one combinator, and the waker of whoever polls the combinator. */
export class ReadyQueue {
  head: Child | null = null;
  tail: Child | null = null;
  /** Waker of the last poll of the owning combinator. */
  waker: Waker | null = null;

  /**
   * Take the whole chain of woken children and leave the queue empty, so children woken while the
   * chain is being polled queue up for the next poll. Walk it with `Child.unlinkReady`.
   */
  detach(): Child | null {
    const head = this.head;
    this.head = this.tail = null;
    return head;
  }
}

/**
 * One child of a combinator: its future, and the waker and context it is polled with.
 * One allocation per child; nothing is allocated per poll or per wake.
 */
export class Child implements Waker, Context {
  /** The child future; null once it is done, so it can be collected. */
  future: Future<unknown> | null;
  /** Position in the owner's child list. */
  index: number;
  state = LIVE;
  /** On the ready queue (or on a chain detached from it and not yet polled). */
  queued = false;
  nextReady: Child | null = null;

  constructor(
    readonly queue: ReadyQueue,
    future: Future<unknown> | null,
    index: number,
  ) {
    this.future = future;
    this.index = index;
  }

  /** Unlink this child from a detached chain: it may queue itself again. Returns the next one. */
  unlinkReady(): Child | null {
    const next = this.nextReady;
    this.nextReady = null;
    this.queued = false;
    return next;
  }

  /** Context: the node is its own waker (a getter, so it costs no field). */
  get waker(): Waker {
    current.wakerRead = true;
    return this;
  }

  wake(): void {
    if (this.queued || this.state === DONE) return;
    this.queued = true;
    const q = this.queue;
    const tail = q.tail;
    if (tail === null) {
      q.head = q.tail = this;
      const w = q.waker;
      if (w !== null) w.wake();
    } else {
      tail.nextReady = this;
      q.tail = this;
    }
  }
}

/** Put a child on the ready queue without waking anyone: the caller will poll the queue itself. */
export function enqueueQuiet(q: ReadyQueue, node: Child): void {
  if (node.queued) return;
  node.queued = true;
  const tail = q.tail;
  if (tail === null) q.head = q.tail = node;
  else {
    tail.nextReady = node;
    q.tail = node;
  }
}

/**
 * Put the unpolled rest of a detached chain (`head` .. `tail`, still flagged `queued`) back at the
 * front of the queue, ahead of children woken since it was detached.
 */
export function putBack(q: ReadyQueue, head: Child | null, tail: Child | null): void {
  if (head === null || tail === null) return;
  tail.nextReady = q.head;
  if (q.head === null) q.tail = tail;
  q.head = head;
}

/**
 * True when the running task's coop budget is spent. A combinator walking a detached chain of
 * woken children stops there and calls `yieldRest`: every further child would fail its own budget
 * check and queue itself again, so walking on would cost O(woken children) per poll for nothing,
 * and O(n²) over a join of n leaf futures.
 */
export function budgetSpent(): boolean {
  return current.budget <= 0;
}

/**
 * Stop a walk whose budget is spent: put the unpolled rest of the chain (`node` .. `tail`) back at
 * the front of the queue and wake the owner (`cx`), so the rest is polled first at the next poll.
 */
export function yieldRest(q: ReadyQueue, node: Child, tail: Child | null, cx: Context): void {
  putBack(q, node, tail);
  if (current.runtime !== null) current.runtime.counters.budgetYields++;
  cx.waker.wake();
}

/** Empty the queue and reset the `queued` flag of every node (before a change of phase). */
export function clearQueue(q: ReadyQueue, nodes: readonly Child[]): void {
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    node.queued = false;
    node.nextReady = null;
  }
  q.head = q.tail = null;
}

/**
 * `isFuture` with a fast path for pollux's own futures: `instanceof` is one prototype-chain walk,
 * cheaper than looking up `poll` and `Symbol.iterator` on objects of many classes.
 */
export function isFutureFast(value: unknown): value is Future<unknown> {
  return value instanceof FutureBase || isFuture(value);
}

/**
 * Convert a combinator operand to a future (as `intoFuture` does), with an error that names the
 * operand: `where` reads like `join() argument 2` or `select() branch "timeout"`.
 */
export function childFuture(value: unknown, where: string): Future<unknown> {
  if (isFuture(value)) return value;
  try {
    return intoFuture(value as Future<unknown>, where);
  } catch {
    let hint = "";
    if (Array.isArray(value)) hint = " To await an array of futures, use joinAll(array), or spread it.";
    else if (typeof (value as PromiseLike<unknown> | null)?.then === "function") {
      hint = " Promises are eager: wrap them as fromPromise(() => promise).";
    } else if (typeof value === "function") {
      hint = " A plain or async function is not a future: write it as function* () { ... }.";
    }
    throw new TypeError(
      `${where} must be a Future, a generator object or a generator function; got ${describeValue(value)}.${hint}`,
    );
  }
}

/**
 * Nodes for the operands of a variadic combinator (`join(a, b)`), named `${name}() argument N` in
 * errors.
 */
export function argumentNodes(q: ReadyQueue, args: readonly unknown[], name: string): Child[] {
  const nodes = new Array<Child>(args.length);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    nodes[i] = new Child(q, isFutureFast(a) ? a : childFuture(a, `${name}() argument ${i + 1}`), i);
  }
  rejectShared(nodes, name, (i) => `argument ${i + 1}`);
  return nodes;
}

/**
 * A future has one owner: given twice to one combinator, it would keep only the last child's
 * waker and the other child would never be woken (a silent hang). Reject it up front. O(n²) for
 * the handful of operands a `join(a, b)` or `select({...})` has; a Set beyond that.
 */
export function rejectShared(nodes: readonly Child[], name: string, what: (i: number) => string): void {
  const n = nodes.length;
  if (n < 2) return;
  if (n <= 16) {
    for (let i = 1; i < n; i++) {
      const f = nodes[i]!.future;
      for (let j = 0; j < i; j++) if (nodes[j]!.future === f) throw sharedFuture(name, what(j), what(i));
    }
    return;
  }
  const seen = new Map<unknown, number>();
  for (let i = 0; i < n; i++) {
    const first = seen.get(nodes[i]!.future);
    if (first !== undefined) throw sharedFuture(name, what(first), what(i));
    seen.set(nodes[i]!.future, i);
  }
}

function sharedFuture(name: string, a: string, b: string): TypeError {
  return new TypeError(
    `${name}(): ${a} and ${b} are the same future; a future has one owner and keeps one waker, so one of ` +
      "them would never be woken. Pass two separate futures, or spawn the work once and share its result " +
      "through a watch or oneshot channel.",
  );
}

/** Nodes for the futures of an iterable (`joinAll(list)`), named `${name}() item N` in errors. */
export function iterableNodes(q: ReadyQueue, futures: unknown, name: string): Child[] {
  if (isFuture(futures)) {
    throw new TypeError(
      `${name}() expects an iterable of futures (an array, a Set, ...); got a single future. ` +
        `Await one future with yield* directly, or pass several: ${name}([a, b]).`,
    );
  }
  if (
    futures === null ||
    (typeof futures !== "object" && typeof futures !== "function") ||
    typeof (futures as Iterable<unknown>)[Symbol.iterator] !== "function"
  ) {
    throw new TypeError(
      `${name}() expects an iterable of futures (an array, a Set, ...); got ${describeValue(futures)}.`,
    );
  }
  if (Array.isArray(futures)) {
    const nodes = new Array<Child>(futures.length);
    for (let i = 0; i < futures.length; i++) {
      const f: unknown = futures[i];
      nodes[i] = new Child(q, isFutureFast(f) ? f : childFuture(f, `${name}() item ${i}`), i);
    }
    return nodes;
  }
  const nodes: Child[] = [];
  let i = 0;
  for (const f of futures as Iterable<unknown>) {
    nodes.push(new Child(q, isFutureFast(f) ? f : childFuture(f, `${name}() item ${i}`), i));
    i++;
  }
  return nodes;
}

/** Report an error that no caller can receive (a second failure, or a failure of abandoned work). */
export function reportDropped(error: unknown, context: string): void {
  const rt = current.runtime;
  if (rt !== null) rt.reportError(error, context);
  else console.error(`pollux: ${context}:`, error);
}

/** `name(a, b, +3 more)` from the children that are still running or cleaning up. */
export function describeChildren(name: string, nodes: readonly Child[], keys?: readonly string[]): string {
  const parts: string[] = [];
  let more = 0;
  for (const node of nodes) {
    if (node.state === DONE) continue;
    if (parts.length >= 4) {
      more++;
      continue;
    }
    const what = describeFuture(node.future);
    parts.push(keys === undefined ? what : `${keys[node.index]}: ${what}`);
  }
  if (more > 0) parts.push(`+${more} more`);
  return `${name}(${parts.join(", ")})`;
}

// Phases of a ChildGroup.
export const INIT = 0;
export const RUNNING = 1;
export const CANCELLING = 2;
export const FINISHED = 3;

/**
 * A future over a fixed list of children with the shared cancellation protocol. Subclasses
 * implement `poll` for the RUNNING phase and `output()`; this class drives cancellation of the
 * children (of the losers after a winner or an error, or of all when the owner drops the group).
 */
export abstract class ChildGroup<T> extends FutureBase<T> {
  protected readonly q: ReadyQueue;
  protected readonly nodes: Child[];
  protected phase = INIT;
  /** Children whose `pollCancel` has not finished yet. */
  protected cancelPending = 0;
  /** The error the group throws once its children are settled (the first child error). */
  protected error: unknown = NO_ERROR;
  /** The first error thrown by a child's cleanup. */
  protected cleanupError: unknown = NO_ERROR;

  /** `nodes` were made with `q` as their queue (see `argumentNodes`, `iterableNodes`). */
  constructor(q: ReadyQueue, nodes: Child[]) {
    super();
    this.q = q;
    this.nodes = nodes;
  }

  /** The group's output, once every child is settled and no error is pending. */
  protected abstract output(): T;

  /** Name used in error reports: "join", "select", ... */
  protected abstract get label(): string;

  /** Start cancelling every live child. Returns true when all cleanup already finished. */
  protected beginCancel(): boolean {
    this.phase = CANCELLING;
    const nodes = this.nodes;
    clearQueue(this.q, nodes);
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      if (node.state === LIVE) this.startCancel(node);
    }
    return this.cancelPending === 0;
  }

  private startCancel(node: Child): void {
    const f = node.future!;
    if (f.pollCancel === undefined) {
      node.state = DONE;
      node.future = null;
      try {
        f.cancel?.();
      } catch (e) {
        this.noteCleanupError(e);
      }
      return;
    }
    node.state = CLEANING;
    let done: boolean;
    try {
      done = f.pollCancel(node);
    } catch (e) {
      done = true;
      this.noteCleanupError(e);
    }
    if (done) {
      node.state = DONE;
      node.future = null;
    } else {
      this.cancelPending++;
    }
  }

  /** Re-poll the cleanup of the children that were woken. Returns true when all cleanup finished. */
  protected continueCancel(cx: Context): boolean {
    const q = this.q;
    q.waker = cx.waker;
    let node = q.detach();
    while (node !== null) {
      const next = node.unlinkReady();
      if (node.state === CLEANING) {
        let done: boolean;
        try {
          done = node.future!.pollCancel!(node);
        } catch (e) {
          done = true;
          this.noteCleanupError(e);
        }
        if (done) {
          node.state = DONE;
          node.future = null;
          this.cancelPending--;
        }
      }
      node = next;
    }
    return this.cancelPending === 0;
  }

  private noteCleanupError(e: unknown): void {
    if (this.cleanupError === NO_ERROR) this.cleanupError = e;
    else reportDropped(e, `${this.label}: a cancelled child's cleanup also threw`);
  }

  /** Settle: throw the child error, else the cleanup error, else return the output. */
  protected finish(): T {
    this.phase = FINISHED;
    this.q.waker = null;
    const error = this.error;
    const cleanup = this.cleanupError;
    if (error !== NO_ERROR) {
      this.error = NO_ERROR;
      if (cleanup !== NO_ERROR) reportDropped(cleanup, `${this.label}: a cancelled child's cleanup threw`);
      throw error;
    }
    if (cleanup !== NO_ERROR) {
      this.cleanupError = NO_ERROR;
      throw cleanup;
    }
    return this.output();
  }

  /**
   * The owner abandons this future: cancel every child still running, driving async cleanup to
   * completion. Returns false (after arranging a wake) while cleanup is in progress; throws the
   * first error a child's cleanup threw.
   */
  pollCancel(cx: Context): boolean {
    const phase = this.phase;
    if (phase === FINISHED) return true;
    if (phase === CANCELLING) {
      if (!this.continueCancel(cx)) return false;
    } else {
      this.q.waker = cx.waker;
      if (!this.beginCancel()) return false;
    }
    this.phase = FINISHED;
    this.q.waker = null;
    if (this.error !== NO_ERROR) {
      reportDropped(
        this.error,
        `${this.label} was cancelled after a child failed; that failure had no other observer`,
      );
      this.error = NO_ERROR;
    }
    const cleanup = this.cleanupError;
    if (cleanup !== NO_ERROR) {
      this.cleanupError = NO_ERROR;
      throw cleanup;
    }
    return true;
  }

  /**
   * Synchronous drop: cancel every child still running with `cancel()`. Async fn children finish
   * their async cleanup on a detached task (see `AsyncFnFuture.cancel`).
   */
  override cancel(): void {
    if (this.phase === FINISHED) return;
    this.phase = FINISHED;
    this.q.waker = null;
    const nodes = this.nodes;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      if (node.state === DONE) continue;
      const f = node.future!;
      node.state = DONE;
      node.future = null;
      try {
        f.cancel?.();
      } catch (e) {
        reportDropped(e, `${this.label}: cancelling a child threw`);
      }
    }
    if (this.error !== NO_ERROR) {
      reportDropped(
        this.error,
        `${this.label} was cancelled after a child failed; that failure had no other observer`,
      );
      this.error = NO_ERROR;
    }
  }
}

/** The error for polling a combinator again after it completed. */
export function pollAfterDone(name: string): Error {
  return new Error(
    `a ${name} future was polled after it completed or was cancelled. Futures are single-use: build a new one.`,
  );
}
