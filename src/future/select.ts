/**
 * `select` and `select.biased`: wait for the first of several futures, on the current task, and
 * cancel the others.
 *
 * The first poll polls the branches from a random start (in declaration order for `biased`), so
 * that when several are ready at once each wins its fair share. Later polls visit only the branches
 * that were woken (several woken at once are again taken from a random rotation, or in declaration
 * order for `biased`). The first branch to complete, or to throw, wins; the poll stops there, so a
 * branch that was never polled to completion cannot have consumed anything (a message stays in its
 * channel). Every other branch is then cancelled: `pollCancel` when it has one, so async `finally`
 * blocks finish before `select` returns, else `cancel()`.
 *
 * Nothing outlives a `select`: losers deregister their wakers and timers when cancelled, so a
 * `select` in a loop keeps memory flat (unlike `Promise.race` against a long-lived promise, which
 * adds a reaction to it on every call).
 */
import {
  CANCELLING,
  Child,
  ChildGroup,
  childFuture,
  DONE,
  describeChildren,
  INIT,
  isFutureFast,
  LIVE,
  pollAfterDone,
  ReadyQueue,
  RUNNING,
  rejectShared,
} from "./child-waker.js";
import { isFuture } from "./future.js";
import type { IntoFuture, IntoOutput } from "./into-future.js";
import { type Context, PENDING, type Poll } from "./poll.js";

/**
 * What `select({ a: fa, b: fb })` resolves to: `{ key: "a", value: A } | { key: "b", value: B }`,
 * a discriminated union on `key`.
 *
 * @example
 * type R = SelectOutput<{ msg: Future<string>; tick: Future<void> }>;
 * // { readonly key: "msg"; readonly value: string } | { readonly key: "tick"; readonly value: void }
 */
export type SelectOutput<B> = {
  [K in keyof B]: { readonly key: K; readonly value: IntoOutput<B[K]> };
}[keyof B];

/**
 * The future returned by `select`, `select.biased`, `race` and `race.biased`; build it with those.
 * It implements `pollCancel` (cancelling it drives every branch's async cleanup to the end) and
 * `cancel` (synchronous drop).
 *
 * Cost: one node per branch; a poll after the first visits only the woken branches.
 *
 * @example
 * const s: Select<SelectOutput<{ a: Future<number> }>> = select({ a: ready(1) });
 */
export class Select<T> extends ChildGroup<T> {
  private winner = -1;
  private value: unknown = undefined;

  /**
   * @internal use `select` or `race`. `names`: the branches record (keys in `for...in` order) or a
   * keys array; null for `race`, which resolves to the bare value.
   */
  constructor(
    q: ReadyQueue,
    nodes: Child[],
    private readonly names: Record<string, unknown> | readonly string[] | null,
    private readonly biased: boolean,
  ) {
    super(q, nodes);
  }

  protected get label(): string {
    const name = this.names === null ? "race" : "select";
    return this.biased ? `${name}.biased` : name;
  }

  /** The name of branch `index`. */
  private keyAt(index: number): string {
    const names = this.names!;
    if (Array.isArray(names)) return names[index]!;
    let i = 0;
    for (const key in names) if (i++ === index) return key;
    return String(index);
  }

  poll(cx: Context): Poll<T> {
    const phase = this.phase;
    if (phase === RUNNING) {
      const q = this.q;
      q.waker = cx.waker;
      let node = q.detach();
      if (node === null) return PENDING;
      if (node.nextReady !== null) node = this.biased ? sortByIndex(node) : rotate(node);
      while (node !== null) {
        const next = node.unlinkReady();
        if (node.state === LIVE && this.pollBranch(node)) return this.settle();
        node = next;
      }
      return PENDING;
    }
    if (phase === INIT) {
      this.phase = RUNNING;
      this.q.waker = cx.waker;
      const nodes = this.nodes;
      const n = nodes.length;
      let i = this.biased ? 0 : (Math.random() * n) | 0;
      for (let k = 0; k < n; k++) {
        if (this.pollBranch(nodes[i]!)) return this.settle();
        if (++i === n) i = 0;
      }
      return PENDING;
    }
    if (phase === CANCELLING) return this.continueCancel(cx) ? this.finish() : PENDING;
    throw pollAfterDone(this.label);
  }

  /** Poll one branch; true when it won (completed or threw). */
  private pollBranch(node: Child): boolean {
    let out: unknown;
    try {
      out = node.future!.poll(node);
    } catch (e) {
      this.error = e;
      out = undefined;
    }
    if (out === PENDING) return false;
    node.state = DONE;
    node.future = null;
    this.winner = node.index;
    this.value = out;
    return true;
  }

  /** A branch won: cancel the others, then settle. */
  private settle(): Poll<T> {
    return this.beginCancel() ? this.finish() : PENDING;
  }

  protected output(): T {
    const value = this.value;
    this.value = undefined;
    return (this.names === null ? value : { key: this.keyAt(this.winner), value }) as T;
  }

  override describe(): string {
    if (this.names === null) return describeChildren(this.label, this.nodes);
    const keys: string[] = [];
    for (let i = 0; i < this.nodes.length; i++) keys.push(this.keyAt(i));
    return describeChildren(this.label, this.nodes, keys);
  }
}

/** Rotate a detached chain of two or more nodes to start at a random node. */
function rotate(head: Child): Child {
  let count = 1;
  let tail = head;
  while (tail.nextReady !== null) {
    tail = tail.nextReady;
    count++;
  }
  let r = (Math.random() * count) | 0;
  if (r === 0) return head;
  let prev = head;
  while (--r > 0) prev = prev.nextReady!;
  const start = prev.nextReady!;
  prev.nextReady = null;
  tail.nextReady = head;
  return start;
}

/** Sort a detached chain by branch index (insertion sort: chains are short). */
function sortByIndex(head: Child): Child {
  let sorted: Child | null = null;
  let node: Child | null = head;
  while (node !== null) {
    const next: Child | null = node.nextReady;
    if (sorted === null || node.index < sorted.index) {
      node.nextReady = sorted;
      sorted = node;
    } else {
      let at = sorted;
      while (at.nextReady !== null && at.nextReady.index < node.index) at = at.nextReady;
      node.nextReady = at.nextReady;
      at.nextReady = node;
    }
    node = next;
  }
  return sorted!;
}

function makeSelect(branches: unknown, biased: boolean): Select<never> {
  const name = biased ? "select.biased" : "select";
  if (typeof branches !== "object" || branches === null || Array.isArray(branches) || isFuture(branches)) {
    const hint = Array.isArray(branches)
      ? " For a list of futures use race(...futures), which resolves to the winner's value."
      : isFuture(branches)
        ? ` Name each branch: ${name}({ done: future, timeout: sleep(1000) }).`
        : "";
    throw new TypeError(
      `${name}() expects an object of named branches, e.g. ${name}({ msg: rx.recv(), timeout: sleep(1000) }); got ${
        Array.isArray(branches) ? "an array" : branches === null ? "null" : typeof branches
      }.${hint}`,
    );
  }
  // `for...in` rather than `Object.keys`: no array per call (this runs once per select, often in a
  // loop). For an object literal every enumerable key is an own key; other objects are filtered.
  const record = branches as Record<string, unknown>;
  const plain = isPlainObject(record);
  const q = new ReadyQueue();
  const nodes: Child[] = [];
  for (const key in record) {
    if (!plain && !Object.hasOwn(record, key)) continue;
    const v = record[key];
    nodes.push(new Child(q, isFutureFast(v) ? v : childFuture(v, `${name}() branch "${key}"`), nodes.length));
  }
  rejectShared(nodes, name, (i) => `branch "${Object.keys(record)[i]}"`);
  if (nodes.length === 0) {
    throw new TypeError(
      `${name}() needs at least one branch: a select with none would never complete. Use pending() if you mean that.`,
    );
  }
  return new Select(q, nodes, plain ? record : Object.keys(record), biased);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Wait for the first of several named futures to complete, on the current task (Rust's
 * `select!`), and cancel the others. Resolves to `{ key, value }`, a discriminated union: narrow
 * on `key` to get the winner's typed value. If the first branch to finish throws, `select` throws
 * that error (after cancelling the others).
 *
 * Losers are cancelled before `select` returns: their `finally` blocks run, async ones to
 * completion. A branch that lost was never completed, so nothing it would have produced is lost:
 * e.g. `rx.recv()` leaves its message in the channel. Branches are polled from a random start so
 * that, when several are ready together, each wins a fair share; use `select.biased` to poll in
 * declaration order (priority to the first branch).
 *
 * Cost: one node per branch and the result object; losers' registrations are released at once, so
 * a `select` in a loop keeps memory flat.
 *
 * @example
 * const r = yield* select({ msg: rx.recv(), timeout: sleep(1_000), stop: token.cancelled() });
 * if (r.key === "msg") handle(r.value);
 * else if (r.key === "timeout") console.log("idle");
 * else return;
 */
export function select<B extends { [K in keyof B]: IntoFuture<unknown> }>(
  branches: B,
): Select<SelectOutput<B>> {
  return makeSelect(branches, false) as Select<SelectOutput<B>>;
}

/**
 * `select` that polls branches in declaration order, every time: when several are ready, the
 * first listed wins. Use it to give priority (a shutdown signal before work), or when the order of
 * branches must be deterministic. A branch that is always ready starves the ones after it.
 *
 * Cost: as `select`, minus a random number per poll.
 *
 * @example
 * const r = yield* select.biased({ stop: token.cancelled(), job: jobs.recv() });
 */
select.biased = function biased<B extends { [K in keyof B]: IntoFuture<unknown> }>(
  branches: B,
): Select<SelectOutput<B>> {
  return makeSelect(branches, true) as Select<SelectOutput<B>>;
};
