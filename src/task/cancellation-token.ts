/**
 * `CancellationToken`: a cancellation signal shared by many tasks, in a tree (Tokio's
 * `CancellationToken`), with `AbortSignal` interop.
 *
 * How: a token holds a flag, an intrusive doubly linked list of waiting futures (so registering
 * and deregistering a waiter allocate nothing and cost O(1)), and its children. `cancel()` sets the
 * flag, wakes every waiter, aborts the token's `AbortSignal` if one was made, and cancels the
 * children. Cancellation is pushed down, so `isCancelled` is a field read.
 *
 * Why children are held weakly: the usual tree is one long-lived parent (the server) and a short
 * child per request that is never cancelled; strong references would keep every request's token
 * alive forever. The parent keeps `WeakRef`s (swept when the list doubles); a child keeps its
 * parent strongly, so a grandchild keeps the whole chain to the root alive; a token's
 * `AbortSignal` keeps its token alive (through a WeakMap keyed by the signal), so handing
 * `child.signal` to `fetch` and dropping the token still aborts the request when the parent is
 * cancelled.
 */
import { describeValue } from "../future/async-fn.js";
import { childFuture, pollAfterDone } from "../future/child-waker.js";
import { describeFuture, type Future, FutureBase, isFuture } from "../future/future.js";
import type { IntoFuture } from "../future/into-future.js";
import { type Context, PENDING, type Poll, type Waker } from "../future/poll.js";
import { DropGuard } from "./drop-guard.js";

/**
 * What {@link CancellationToken.runUntilCancelled} resolves to when the token won: the future's
 * output never came (Tokio's `None`). A unique symbol, so it is never a value of the future's
 * output type, and comparing with it narrows the result. It is not `END`, which means "no more
 * items" in streams and channels.
 *
 * @example
 * const r = yield* token.runUntilCancelled(job());
 * if (r === CANCELLED) return; // r: the job's output below
 */
export const CANCELLED: unique symbol = Symbol("pollux.CANCELLED");

/**
 * The type of {@link CANCELLED}.
 *
 * @example
 * const r: Report | Cancelled = yield* token.runUntilCancelled(buildReport());
 */
export type Cancelled = typeof CANCELLED;

/** Keeps a token alive as long as its signal is (see the header). */
/**
 * The platform's `AbortSignal` type when the consumer has one (DOM lib or @types/node), else the
 * part of it pollux uses: the declarations must not need a `lib` or `@types/node` (issue 11).
 */
export type AbortSignalType = typeof globalThis extends { AbortSignal: { prototype: infer S } }
  ? S
  : { readonly aborted: boolean; readonly reason: unknown };

const tokenOfSignal = new WeakMap<AbortSignal, CancellationToken>();

/**
 * A cancellation signal that many tasks can watch. `cancel()` is idempotent and wakes every task
 * waiting on `cancelled()`. `child()` makes a token that is cancelled with its parent (never the
 * reverse); `signal` and `fromSignal` bridge to `AbortSignal` for `fetch` and Node APIs.
 *
 * Use it to stop a group of tasks that are not in one place (a server's connections, workers):
 * each selects on `token.cancelled()` or wraps its work in `token.runUntilCancelled(work)`. For a
 * single task, `handle.abort()` is enough.
 *
 * Cost: a token is a small object; `cancelled()` is one future, whose registration is O(1);
 * `child()` adds a `WeakRef`; `signal` makes an `AbortController` on first use.
 *
 * @example
 * const shutdown = new CancellationToken();
 * spawn(worker(shutdown.child()));
 * // ...
 * shutdown.cancel(); // every worker's token is cancelled; their finally blocks run
 *
 * function* worker(token: CancellationToken) {
 *   for (;;) {
 *     const r = yield* select.biased({ stop: token.cancelled(), job: jobs.recv() });
 *     if (r.key === "stop" || r.value === END) return;
 *     yield* handle(r.value);
 *   }
 * }
 */
export class CancellationToken {
  private flag = false;
  /** Head of the list of registered waiters. */
  private waiters: WaitForCancellation | null = null;
  private children: WeakRef<CancellationToken>[] | null = null;
  private sweepAt = 16;
  /** Held strongly so a descendant keeps its chain to the root alive; never read otherwise. */
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: written only, to keep the parent reachable
  private parent: CancellationToken | null = null;
  private controller: AbortController | null = null;

  /** True once the token (or an ancestor) was cancelled. */
  get isCancelled(): boolean {
    return this.flag;
  }

  /** Cancel this token and all its descendants; wake every waiter. Idempotent. */
  cancel(): void {
    if (this.flag) return;
    this.flag = true;
    this.parent = null;
    let w = this.waiters;
    this.waiters = null;
    while (w !== null) {
      const next: WaitForCancellation | null = w.nextWaiter;
      w.prevWaiter = w.nextWaiter = null;
      w.linked = false;
      const waker = w.waker;
      w.waker = null;
      waker?.wake();
      w = next;
    }
    this.controller?.abort();
    const children = this.children;
    this.children = null;
    if (children !== null) for (const ref of children) ref.deref()?.cancel();
  }

  /**
   * A future that completes when the token is cancelled (at once if it already is). Cancel-safe
   * and reusable: a `select` branch that lost can be passed to the next `select`.
   *
   * @example
   * yield* token.cancelled();
   */
  cancelled(): WaitForCancellation {
    return new WaitForCancellation(this);
  }

  /**
   * A new token cancelled when this one is (at once if it already is). Cancelling the child does
   * not affect the parent or its other children.
   *
   * @example
   * const request = serverToken.child();
   */
  child(): CancellationToken {
    const c = new CancellationToken();
    if (this.flag) {
      c.cancel();
      return c;
    }
    c.parent = this;
    let children = this.children;
    if (children === null) children = this.children = [];
    children.push(new WeakRef(c));
    if (children.length >= this.sweepAt) {
      this.children = children = children.filter((ref) => {
        const t = ref.deref();
        return t !== undefined && !t.flag;
      });
      this.sweepAt = Math.max(16, children.length * 2);
    }
    return c;
  }

  /**
   * Run `future` until it completes or the token is cancelled, whichever comes first. Resolves to
   * the future's output, or {@link CANCELLED} if the token was cancelled first, in which case the
   * future is cancelled (its `finally` blocks run, async ones to completion) before this resolves.
   *
   * As in Tokio, a token already cancelled at the first poll wins at once (the future is never
   * polled); after that, each poll polls the future first, so a future that completes in the same
   * turn as the cancellation keeps its output.
   *
   * Cancel safety: as the future's own; dropping this future cancels the inner one.
   *
   * Cost: one future wrapping `future`; no child waker (both share the caller's).
   *
   * @example
   * const result = yield* token.runUntilCancelled(longJob());
   * if (result === CANCELLED) console.log("stopped");
   */
  runUntilCancelled<T>(future: IntoFuture<T>): RunUntilCancelled<T> {
    const f = isFuture(future) ? future : childFuture(future, "runUntilCancelled()");
    return new RunUntilCancelled(this, f as Future<T>);
  }

  /**
   * The same as {@link CancellationToken.runUntilCancelled}. Tokio has an owned variant because a
   * Rust future borrowing the token cannot outlive it; a pollux future keeps the token alive by
   * itself, so both names make the same future.
   *
   * @example
   * spawn(token.runUntilCancelledOwned(serve(conn)));
   */
  runUntilCancelledOwned<T>(future: IntoFuture<T>): RunUntilCancelled<T> {
    return this.runUntilCancelled(future);
  }

  /**
   * The same as {@link CancellationToken.cancelled}. Tokio's `cancelled_owned` exists because the
   * borrowed future cannot outlive the token in Rust; a pollux future holds the token itself, so
   * it can be stored, spawned or moved anywhere already.
   *
   * @example
   * spawn(function* () { yield* token.cancelledOwned(); cleanup(); });
   */
  cancelledOwned(): WaitForCancellation {
    return new WaitForCancellation(this);
  }

  /**
   * A guard that cancels this token when it is disposed: declare it with `using` and the token is
   * cancelled when the scope ends, on every path (return, throw, task aborted). `disarm()` keeps
   * the token alive past the scope. Tokio's `drop_guard`; JavaScript has no destructor, so a guard
   * that is neither disposed nor disarmed cancels nothing.
   *
   * Cost: one small object.
   *
   * @example
   * using guard = token.dropGuard();
   * spawn(worker(token.child()));
   * yield* serve(); // when this scope ends, however, the workers are told to stop
   */
  dropGuard(): DropGuard {
    return new DropGuard(this);
  }

  /**
   * An `AbortSignal` aborted when this token is cancelled: pass it to `fetch`, `setTimeout` from
   * `timers/promises`, streams and other Node APIs. Made on first access.
   *
   * @example
   * const res = yield* fromPromise(() => fetch(url, { signal: token.signal }));
   */
  get signal(): AbortSignalType {
    let c = this.controller;
    if (c === null) {
      c = this.controller = new AbortController();
      tokenOfSignal.set(c.signal, this);
      if (this.flag) c.abort();
    }
    return c.signal;
  }

  /**
   * A token cancelled when `signal` aborts (at once if it already has). Use it to stop pollux work
   * from promise-based code that holds an `AbortController`, e.g. an HTTP framework's request
   * signal. The signal keeps the token alive; cancelling the token does not abort the signal.
   *
   * Cost: one event listener on the signal.
   *
   * @example
   * const token = CancellationToken.fromSignal(req.signal);
   * yield* token.runUntilCancelled(handle(req));
   */
  static fromSignal(signal: AbortSignalType): CancellationToken {
    if (!(signal instanceof AbortSignal)) {
      throw new TypeError(
        `CancellationToken.fromSignal() expects an AbortSignal (e.g. controller.signal); got ${describeValue(signal)}.`,
      );
    }
    const token = new CancellationToken();
    if (signal.aborted) token.cancel();
    else signal.addEventListener("abort", () => token.cancel(), { once: true });
    return token;
  }

  /** @internal */
  link(w: WaitForCancellation): void {
    const head = this.waiters;
    w.nextWaiter = head;
    w.prevWaiter = null;
    if (head !== null) head.prevWaiter = w;
    this.waiters = w;
    w.linked = true;
  }

  /** @internal */
  unlink(w: WaitForCancellation): void {
    if (!w.linked) return;
    const prev = w.prevWaiter;
    const next = w.nextWaiter;
    if (prev !== null) prev.nextWaiter = next;
    else this.waiters = next;
    if (next !== null) next.prevWaiter = prev;
    w.prevWaiter = w.nextWaiter = null;
    w.linked = false;
  }
}

/**
 * The future returned by `token.cancelled()`: completes once the token is cancelled. It is a node
 * of the token's waiter list: registering and deregistering cost O(1) and allocate nothing.
 * Reusable after a `select` it lost (cancelling it only deregisters it).
 *
 * @example
 * const stop = token.cancelled();
 * for (;;) if ((yield* select({ stop, msg: rx.recv() })).key === "stop") break;
 */
export class WaitForCancellation extends FutureBase<void> {
  /** @internal */ waker: Waker | null = null;
  /** @internal */ prevWaiter: WaitForCancellation | null = null;
  /** @internal */ nextWaiter: WaitForCancellation | null = null;
  /** @internal */ linked = false;

  constructor(private readonly token: CancellationToken) {
    super();
  }

  poll(cx: Context): Poll<void> {
    const token = this.token;
    if (token.isCancelled) {
      this.waker = null;
      return;
    }
    this.waker = cx.waker;
    if (!this.linked) token.link(this);
    return PENDING;
  }

  /** Deregister. The future may be polled again later (it re-registers). */
  override cancel(): void {
    this.waker = null;
    this.token.unlink(this);
  }

  override describe(): string {
    return "CancellationToken.cancelled()";
  }
}

const NEW = 0;
const RUNNING = 1;
const CANCELLING = 2;
const DONE = 3;

/**
 * The future returned by `token.runUntilCancelled(future)`: the future's output, or
 * {@link CANCELLED} when the token was cancelled first (the future is then cancelled, its async
 * cleanup awaited).
 *
 * Cost: one wrapper and one waiter; the inner future is polled with the caller's context.
 *
 * @example
 * const r: RunUntilCancelled<Page> = token.runUntilCancelled(fetchPage(url));
 */
export class RunUntilCancelled<T> extends FutureBase<T | Cancelled> {
  private readonly wait: WaitForCancellation;
  private phase = NEW;

  constructor(
    token: CancellationToken,
    private readonly future: Future<T>,
  ) {
    super();
    this.wait = new WaitForCancellation(token);
  }

  poll(cx: Context): Poll<T | Cancelled> {
    let phase = this.phase;
    if (phase === NEW) {
      // A token cancelled before the first poll wins without polling the future (as in Tokio).
      if (this.wait.poll(cx) !== PENDING) return this.stop(cx);
      phase = this.phase = RUNNING;
    }
    if (phase === RUNNING) {
      // Then biased to the future: a future that completes in the turn the token is cancelled
      // keeps its output.
      let out: Poll<T>;
      try {
        out = this.future.poll(cx);
      } catch (e) {
        this.phase = DONE;
        this.wait.cancel();
        throw e;
      }
      if (out !== PENDING) {
        this.phase = DONE;
        this.wait.cancel();
        return out;
      }
      if (this.wait.poll(cx) !== PENDING) return this.stop(cx);
      return PENDING;
    }
    if (phase === CANCELLING) return this.stop(cx);
    throw pollAfterDone("runUntilCancelled");
  }

  /** The token fired: cancel the future, driving its async cleanup. */
  private stop(cx: Context): Poll<Cancelled> {
    this.phase = CANCELLING;
    if (!this.cancelFuture(cx)) return PENDING;
    return CANCELLED;
  }

  /** @returns true when the future's cleanup finished (throws its cleanup error). */
  private cancelFuture(cx: Context): boolean {
    const f = this.future;
    if (f.pollCancel === undefined) {
      this.phase = DONE;
      f.cancel?.();
      return true;
    }
    let done: boolean;
    try {
      done = f.pollCancel(cx);
    } catch (e) {
      this.phase = DONE;
      throw e;
    }
    if (done) this.phase = DONE;
    return done;
  }

  /** The owner drops this future: cancel the inner future, driving its async cleanup. */
  pollCancel(cx: Context): boolean {
    this.wait.cancel();
    if (this.phase === DONE) return true;
    this.phase = CANCELLING;
    return this.cancelFuture(cx);
  }

  override cancel(): void {
    this.wait.cancel();
    if (this.phase === DONE) return;
    this.phase = DONE;
    this.future.cancel?.();
  }

  override describe(): string {
    return `runUntilCancelled(${describeFuture(this.future)})`;
  }
}
