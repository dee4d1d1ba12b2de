import { describe, expect, expectTypeOf, it } from "vitest";
import {
  asyncFn,
  type Context,
  FutureBase,
  type Output,
  PENDING,
  type Poll,
  pending,
  race,
  ready,
  select,
  type Waker,
} from "../../src/future/index.js";
import { DeadlockError, Runtime, run } from "../../src/runtime/index.js";
import { type JoinError, spawn, yieldNow } from "../../src/task/index.js";
import { AlwaysReady } from "../helpers.js";
import { Now, Probe } from "./probe.js";

const afterYields = asyncFn(function* <T>(value: T, yields: number) {
  for (let i = 0; i < yields; i++) yield* yieldNow();
  return value;
});

/** A long-lived resource: every poll registers the caller's waker until `cancel()` removes it. */
class SharedEvent extends FutureBase<void> {
  readonly registered = new Set<Waker>();
  private mine: Waker | null = null;
  poll(cx: Context): Poll<void> {
    this.mine = cx.waker;
    this.registered.add(cx.waker);
    return PENDING;
  }
  override cancel(): void {
    if (this.mine !== null) this.registered.delete(this.mine);
    this.mine = null;
  }
}

describe("select", () => {
  it("resolves to a discriminated union of { key, value }", async () => {
    const s = select({ num: ready(1), text: ready("a"), flag: afterYields(true, 1) });
    type R = Output<typeof s>;
    expectTypeOf<R>().toEqualTypeOf<
      | { readonly key: "num"; readonly value: number }
      | { readonly key: "text"; readonly value: string }
      | { readonly key: "flag"; readonly value: boolean }
    >();
    const r = await run(s);
    if (r.key === "num") expectTypeOf(r.value).toEqualTypeOf<number>();
    else if (r.key === "text") expectTypeOf(r.value).toEqualTypeOf<string>();
    else expectTypeOf(r.value).toEqualTypeOf<boolean>();
    expect(["num", "text"]).toContain(r.key);
  });

  it("rejects branches that are not futures at compile time", () => {
    const typeOnly = () => {
      // @ts-expect-error a branch must be a future, a generator or a generator function
      select({ a: 1 });
      interface Named {
        tick: Now<number>;
      }
      const named: Named = { tick: new Now(1) };
      expectTypeOf<Output<ReturnType<typeof select<Named>>>>().toEqualTypeOf<{
        readonly key: "tick";
        readonly value: number;
      }>();
      return named;
    };
    expect(typeof typeOnly).toBe("function");
  });

  it("race resolves to the union of the outputs", () => {
    expectTypeOf<Output<ReturnType<typeof race<[Now<number>, Now<string>]>>>>().toEqualTypeOf<
      number | string
    >();
  });

  it("is lazy: building it polls nothing", async () => {
    const a = new Now(1);
    const s = select({ a });
    expect(a.polls).toBe(0);
    expect(await run(s)).toEqual({ key: "a", value: 1 });
  });

  it("the first branch to complete wins; the others are cancelled before select returns", async () => {
    const log: string[] = [];
    const loser = asyncFn(function* () {
      try {
        yield* pending();
      } finally {
        log.push("loser finally");
      }
    });
    const r = await run(function* () {
      const r = yield* select({ slow: loser(), fast: afterYields("x", 2) });
      log.push("returned");
      return r;
    });
    expect(r).toEqual({ key: "fast", value: "x" });
    expect(log).toEqual(["loser finally", "returned"]);
  });

  it("drives a loser's async finally to completion before returning", async () => {
    const log: string[] = [];
    const loser = asyncFn(function* () {
      try {
        yield* pending();
      } finally {
        yield* yieldNow();
        yield* yieldNow();
        log.push("cleanup done");
      }
    });
    await run(function* () {
      yield* select({ a: loser(), b: afterYields(1, 1) });
      log.push("returned");
    });
    expect(log).toEqual(["cleanup done", "returned"]);
  });

  it("a branch that throws first makes select throw, after cancelling the others", async () => {
    const other = new Probe();
    const boom = asyncFn(function* () {
      yield* yieldNow();
      throw new Error("boom");
    });
    await expect(run(select({ other, boom: boom() }))).rejects.toThrow("boom");
    expect(other.cancels).toBe(1);
  });

  it("polls each woken branch once, and only the woken ones", async () => {
    const a = new Probe("a");
    const b = new Probe("b");
    const c = new Probe("c");
    await run(function* () {
      const h = spawn(select({ a, b, c }));
      yield* yieldNow();
      expect([a.polls, b.polls, c.polls]).toEqual([1, 1, 1]);
      b.poke();
      yield* yieldNow();
      expect([a.polls, b.polls, c.polls]).toEqual([1, 2, 1]);
      c.fire(3);
      expect(yield* h).toEqual({ key: "c", value: 3 });
      expect([a.polls, b.polls, c.polls]).toEqual([1, 2, 2]);
      expect([a.cancels, b.cancels, c.cancels]).toEqual([1, 1, 0]);
    });
  });

  it("is fair: over 10,000 rounds with every branch ready, each wins its share", async () => {
    const wins: Record<string, number> = { a: 0, b: 0, c: 0 };
    await run(function* () {
      for (let i = 0; i < 10_000; i++) {
        const r = yield* select({ a: ready(1), b: ready(2), c: ready(3) });
        wins[r.key]!++;
      }
    });
    for (const k of ["a", "b", "c"]) {
      expect(wins[k]).toBeGreaterThan(2_800); // expected 3,333; σ ≈ 47
      expect(wins[k]).toBeLessThan(3_900);
    }
  });

  it("is fair among branches woken together, and select.biased prefers the first", async () => {
    const rounds = 2_000;
    const fair = { a: 0, b: 0 };
    const biased = { a: 0, b: 0 };
    await run(function* () {
      for (let i = 0; i < rounds; i++) {
        for (const [counts, make] of [
          [fair, select],
          [biased, select.biased],
        ] as const) {
          const a = new Probe("a");
          const b = new Probe("b");
          const h = spawn(make({ a, b }));
          yield* yieldNow(); // both pending
          b.fire(2); // b wakes first
          a.fire(1);
          counts[(yield* h).key]++;
        }
      }
    });
    expect(fair.a).toBeGreaterThan(rounds * 0.4);
    expect(fair.b).toBeGreaterThan(rounds * 0.4);
    expect(biased).toEqual({ a: rounds, b: 0 });
  });

  it("select.biased polls in declaration order: a ready later branch is never polled", async () => {
    const second = new Now(2);
    const r = await run(select.biased({ first: ready(1), second }));
    expect(r).toEqual({ key: "first", value: 1 });
    expect(second.polls).toBe(0); // so it cannot have consumed anything
  });

  it("in a loop, a long-lived loser is deregistered every time (no Promise.race leak)", async () => {
    const shared = new SharedEvent();
    await run(function* () {
      for (let i = 0; i < 20_000; i++) yield* select.biased({ shared, tick: afterYields(i, i % 2) });
    });
    expect(shared.registered.size).toBe(0);
  });

  it("cancelling the select (task aborted) runs every branch's async finally", async () => {
    const log: string[] = [];
    const branch = asyncFn(function* (name: string) {
      try {
        yield* pending();
      } finally {
        yield* yieldNow();
        log.push(name);
      }
    });
    await run(function* () {
      const h = spawn(select({ a: branch("a"), b: branch("b") }));
      yield* yieldNow();
      h.abort();
      try {
        yield* h;
      } catch (e) {
        expect((e as JoinError).cancelled).toBe(true);
      }
    });
    expect(log.sort()).toEqual(["a", "b"]);
  });

  it("nests: a join inside a select branch wakes through two child wakers", async () => {
    const p = new Probe();
    const rt = new Runtime();
    const r = await rt.run(function* () {
      const h = spawn(select({ never: pending(), pair: race(p, pending()) }));
      yield* yieldNow();
      p.fire(7);
      return yield* h;
    });
    expect(r).toEqual({ key: "pair", value: 7 });
    await rt.shutdown();
  });

  it("a deadlock report names each branch and what it waits on", async () => {
    const err = await run(function* () {
      yield* select({ msg: new Probe("recv"), stop: new Probe("stop signal") });
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlockError);
    expect((err as DeadlockError).message).toMatch(/select\(msg: recv, stop: stop signal\)/);
  });

  it("respects the coop budget: a loop over always-ready branches lets other tasks run", async () => {
    const out = await run(function* () {
      let other = 0;
      const h = spawn(function* () {
        for (;;) {
          other++;
          yield* yieldNow();
        }
      });
      for (let i = 0; i < 1_000; i++) yield* select({ a: new AlwaysReady(), b: new AlwaysReady() });
      h.abort();
      return other;
    });
    expect(out).toBeGreaterThan(1);
  });

  it("accepts a record that is not a plain object, using its own keys", async () => {
    class Branches {
      a = ready(1);
    }
    Object.defineProperty(Branches.prototype, "inherited", { value: ready(2), enumerable: true });
    expect(await run(select(new Branches()))).toEqual({ key: "a", value: 1 });
  });

  it("rejects bad input with a message naming the fix", () => {
    expect(() => select([ready(1)] as never)).toThrow(/got an array.*race/);
    expect(() => select(ready(1) as never)).toThrow(/Name each branch/);
    expect(() => select({})).toThrow(/at least one branch.*pending\(\)/);
    expect(() => select({ t: Promise.resolve(1) as never })).toThrow(/select\(\) branch "t" .*fromPromise/);
    expect(() => select(null as never)).toThrow(/got null/);
  });
});

describe("race", () => {
  it("resolves to the first value and cancels the rest", async () => {
    const slow = new Probe();
    expect(await run(race(slow, afterYields("b", 1)))).toBe("b");
    expect(slow.cancels).toBe(1);
  });

  it("race.biased prefers the first ready operand", async () => {
    expect(await run(race.biased(ready(1), ready(2)))).toBe(1);
  });

  it("rejects no operands and a single array", () => {
    expect(() => race()).toThrow(/at least one future/);
    expect(() => race([ready(1)] as never)).toThrow(/Spread it: race\(\.\.\.futures\)/);
  });
});
