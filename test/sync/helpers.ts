/**
 * Test tools for `pollux/sync`: cancelling a pending future the way `select` and `timeout` do
 * (by calling its `cancel()`), and letting other tasks run a given number of times.
 */
import {
  type Context,
  type Future,
  FutureBase,
  PENDING,
  type Poll,
  type Suspend,
  type Waker,
} from "../../src/future/index.js";
import { JoinError, type JoinHandle, spawn, yieldNow } from "../../src/task/index.js";

/** A cancellation switch for {@link cancellable}. */
export class Token {
  cancelled = false;
  waker: Waker | null = null;

  cancel(): void {
    this.cancelled = true;
    const w = this.waker;
    this.waker = null;
    w?.wake();
  }
}

export type Outcome<T> = { ok: true; value: T } | { ok: false };

class Cancellable<T> extends FutureBase<Outcome<T>> {
  constructor(
    private readonly inner: Future<T>,
    private readonly token: Token,
  ) {
    super();
  }

  poll(cx: Context): Poll<Outcome<T>> {
    // The token is checked first, so a future that was granted its resource but not polled yet
    // is dropped: exactly the case "granted, then cancelled before it observed it".
    if (this.token.cancelled) {
      this.inner.cancel?.();
      return { ok: false };
    }
    const out = this.inner.poll(cx);
    if (out !== PENDING) {
      this.token.waker = null;
      return { ok: true, value: out };
    }
    this.token.waker = cx.waker;
    return PENDING;
  }

  override cancel(): void {
    this.token.waker = null;
    this.inner.cancel?.();
  }
}

/**
 * Await `inner` unless `token` is cancelled first, in which case `inner` is dropped (its
 * `cancel()` runs) and the outcome is `{ ok: false }`. A minimal `select(inner, token)`.
 */
export function cancellable<T>(inner: Future<T>, token: Token): Future<Outcome<T>> {
  return new Cancellable(inner, token);
}

/** Let every other runnable task make progress `n` times. */
export function* settle(n = 10): Generator<Suspend, void, unknown> {
  for (let i = 0; i < n; i++) yield* yieldNow();
}

/** A waker that counts wakes, for polling futures by hand. */
export class CountingWaker implements Waker, Context {
  wakes = 0;
  get waker(): Waker {
    return this;
  }
  wake(): void {
    this.wakes++;
  }
}

/**
 * Ways to interrupt other actors at once, from inside a step: cancel a pending future or abort a
 * task. Kicking right after a release or a receive hits the hardest case: a waiter that was just
 * granted a slot, permit or lock and is dropped before it could observe it.
 */
export class Kicks {
  private readonly list: (() => void)[] = [];
  add(fn: () => void): void {
    this.list.push(fn);
  }
  kick(i: number | null): void {
    if (i !== null && this.list.length > 0) this.list[i % this.list.length]!();
  }
}

/**
 * Await `fut`, dropping it if a canceller task yields `after` times first (a timeout) or if an
 * actor kicks its token.
 */
export function* maybeCancelled<T>(
  fut: Future<T>,
  after: number | null,
  tasks: JoinHandle<unknown>[],
  kicks: Kicks,
) {
  const token = new Token();
  kicks.add(() => token.cancel());
  if (after !== null) {
    tasks.push(
      spawn(function* () {
        yield* settle(after);
        token.cancel();
      }),
    );
  }
  return yield* cancellable(fut, token);
}

/** Await every handle (the list may grow meanwhile). Aborted tasks are fine; failed ones rethrow. */
export function* joinAll(tasks: JoinHandle<unknown>[]) {
  for (let i = 0; i < tasks.length; i++) {
    try {
      yield* tasks[i]!;
    } catch (e) {
      if (!(e instanceof JoinError && e.cancelled && e.cause === undefined)) throw e;
    }
  }
}
