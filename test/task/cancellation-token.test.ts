import { describe, expect, expectTypeOf, it } from "vitest";
import { asyncFn, type Future, type Output, PENDING, pending, select } from "../../src/future/index.js";
import { run } from "../../src/runtime/index.js";
import { CANCELLED, CancellationToken, type Cancelled, spawn, yieldNow } from "../../src/task/index.js";

const afterYields = asyncFn(function* <T>(value: T, yields: number) {
  for (let i = 0; i < yields; i++) yield* yieldNow();
  return value;
});

describe("CancellationToken", () => {
  it("cancel() wakes every task waiting on cancelled(); isCancelled follows", async () => {
    const token = new CancellationToken();
    const out = await run(function* () {
      const waiters = [0, 1, 2].map((i) =>
        spawn(function* () {
          yield* token.cancelled();
          return i;
        }),
      );
      yield* yieldNow();
      expect(token.isCancelled).toBe(false);
      token.cancel();
      token.cancel(); // idempotent
      expect(token.isCancelled).toBe(true);
      const got: number[] = [];
      for (const w of waiters) got.push(yield* w);
      return got;
    });
    expect(out).toEqual([0, 1, 2]);
  });

  it("cancelled() is ready at once on a cancelled token", async () => {
    const token = new CancellationToken();
    token.cancel();
    await run(token.cancelled());
  });

  it("a child is cancelled with its parent, never the reverse", () => {
    const root = new CancellationToken();
    const a = root.child();
    const b = root.child();
    const a1 = a.child();
    a.cancel();
    expect([root.isCancelled, a.isCancelled, a1.isCancelled, b.isCancelled]).toEqual([
      false,
      true,
      true,
      false,
    ]);
    root.cancel();
    expect(b.isCancelled).toBe(true);
    expect(root.child().isCancelled).toBe(true); // a child of a cancelled token starts cancelled
  });

  it("a grandchild is cancelled even when the middle token is no longer referenced", () => {
    const root = new CancellationToken();
    const grandchild = root.child().child();
    root.cancel();
    expect(grandchild.isCancelled).toBe(true);
  });

  it("many short-lived children of a long-lived parent do not pile up", () => {
    const root = new CancellationToken();
    for (let i = 0; i < 10_000; i++) root.child().cancel();
    const kids = (root as unknown as { children: unknown[] }).children;
    expect(kids.length).toBeLessThan(32);
  });

  it("cancelled() as a select branch is deregistered when it loses and can be reused", async () => {
    const token = new CancellationToken();
    const stop = token.cancelled();
    const out = await run(function* () {
      let rounds = 0;
      for (;;) {
        const r = yield* select({ stop, work: afterYields(rounds, 1) });
        if (r.key === "stop") return rounds;
        const waiters = (token as unknown as { waiters: unknown }).waiters;
        expect(waiters).toBeNull();
        if (++rounds === 5) token.cancel();
      }
    });
    expect(out).toBe(5);
  });

  it("runUntilCancelled returns the output when the future finishes first", async () => {
    const token = new CancellationToken();
    const f = token.runUntilCancelled(afterYields("done", 2));
    expectTypeOf<Output<typeof f>>().toEqualTypeOf<string | Cancelled>();
    expect(await run(f)).toBe("done");
  });

  it("runUntilCancelled cancels the future (its async finally runs) and returns CANCELLED", async () => {
    const log: string[] = [];
    const token = new CancellationToken();
    const work = asyncFn(function* () {
      try {
        yield* pending();
      } finally {
        yield* yieldNow();
        log.push("cleaned");
      }
    });
    const out = await run(function* () {
      const h = spawn(token.runUntilCancelled(work()));
      yield* yieldNow();
      token.cancel();
      const r = yield* h;
      log.push("returned");
      return r;
    });
    expect(out).toBe(CANCELLED);
    expect(log).toEqual(["cleaned", "returned"]);
  });

  it("runUntilCancelled on a cancelled token never polls the future", async () => {
    let started = false;
    const token = new CancellationToken();
    token.cancel();
    const out = await run(
      token.runUntilCancelled(function* () {
        started = true;
        return 1;
      }),
    );
    expect(out).toBe(CANCELLED);
    expect(started).toBe(false);
  });

  it("token.signal aborts when the token (or an ancestor) is cancelled", () => {
    const root = new CancellationToken();
    const signal = root.child().signal;
    expect(signal.aborted).toBe(false);
    let fired = 0;
    signal.addEventListener("abort", () => fired++);
    root.cancel();
    expect(signal.aborted).toBe(true);
    expect(fired).toBe(1);
    const late = new CancellationToken();
    late.cancel();
    expect(late.signal.aborted).toBe(true);
  });

  it("fromSignal: the token is cancelled when the signal aborts, and wakes waiters", async () => {
    const controller = new AbortController();
    const token = CancellationToken.fromSignal(controller.signal);
    await run(function* () {
      const h = spawn(token.cancelled());
      yield* yieldNow();
      controller.abort();
      yield* h;
    });
    expect(token.isCancelled).toBe(true);
    expect(CancellationToken.fromSignal(AbortSignal.abort()).isCancelled).toBe(true);
    expect(() => CancellationToken.fromSignal({} as never)).toThrow(/expects an AbortSignal/);
  });

  it("runUntilCancelled is biased to the future once started: an output ready in the cancelling turn wins", async () => {
    const token = new CancellationToken();
    const out = await run(function* () {
      const waker = { fire: () => {} };
      let done = false;
      const leaf = {
        poll(cx: { waker: { wake(): void } }) {
          if (done) return 7;
          waker.fire = () => cx.waker.wake();
          return PENDING;
        },
        cancel() {},
        *[Symbol.iterator](): Generator<unknown, number, unknown> {
          return 0;
        },
      };
      const h = spawn(token.runUntilCancelled(leaf as unknown as Future<number>));
      yield* yieldNow();
      done = true; // the future is ready...
      token.cancel(); // ...and the token cancelled, in the same turn
      waker.fire();
      return yield* h;
    });
    expect(out).toBe(7);
  });

  it("cancelledOwned and runUntilCancelledOwned behave as their borrowed forms", async () => {
    const token = new CancellationToken();
    const out = await run(function* () {
      const h = spawn(token.cancelledOwned());
      const r = spawn(token.runUntilCancelledOwned(pending<number>()));
      yield* yieldNow();
      token.cancel();
      yield* h;
      return yield* r;
    });
    expect(out).toBe(CANCELLED);
  });

  it("dropGuard: `using` cancels the token on every exit path; disarm keeps it", async () => {
    const a = new CancellationToken();
    const b = new CancellationToken();
    const c = new CancellationToken();
    const body = asyncFn(function* (token: CancellationToken, fail: boolean) {
      using _guard = token.dropGuard();
      yield* yieldNow();
      if (fail) throw new Error("boom");
    });
    await run(body(a, false));
    expect(a.isCancelled).toBe(true);
    await expect(run(body(b, true))).rejects.toThrow("boom");
    expect(b.isCancelled).toBe(true);
    await run(function* () {
      const h = spawn(body(c, false));
      h.abort(); // aborted before its first poll finishes: the guard never existed
      yield* yieldNow();
    });
    const d = new CancellationToken();
    await run(function* () {
      const h = spawn(body(d, false));
      yield* yieldNow(); // the guard is held, the body waits in yieldNow
      h.abort();
      yield* yieldNow();
    });
    expect(d.isCancelled).toBe(true); // cut by abort: disposal still ran
    const e = new CancellationToken();
    {
      using guard = e.dropGuard();
      expect(guard.armed).toBe(true);
      expect(guard.disarm()).toBe(e);
      expect(() => guard.disarm()).toThrow(/already disarmed or disposed/);
    }
    expect(e.isCancelled).toBe(false);
  });
});
