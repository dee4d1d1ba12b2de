import { describe, expect, expectTypeOf, it } from "vitest";
import { asyncFn, type Output, pending, select } from "../../src/future/index.js";
import { run } from "../../src/runtime/index.js";
import { CancellationToken, spawn, yieldNow } from "../../src/task/index.js";

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
    expectTypeOf<Output<typeof f>>().toEqualTypeOf<string | undefined>();
    expect(await run(f)).toBe("done");
  });

  it("runUntilCancelled cancels the future (its async finally runs) and returns undefined", async () => {
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
    expect(out).toBeUndefined();
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
    expect(out).toBeUndefined();
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
});
