import { describe, expect, expectTypeOf, it } from "vitest";
import {
  type Async,
  asyncFn,
  type Future,
  join,
  joinAll,
  type Output,
  pending,
  ready,
  tryJoin,
  tryJoinAll,
} from "../../src/future/index.js";
import { Runtime, run } from "../../src/runtime/index.js";
import { JoinError, spawn, yieldNow } from "../../src/task/index.js";
import { Now, Probe } from "./probe.js";

const afterYields = asyncFn(function* <T>(value: T, yields: number) {
  for (let i = 0; i < yields; i++) yield* yieldNow();
  return value;
});

describe("join", () => {
  it("is typed as the tuple of its operands' outputs", () => {
    const j = join(ready(1), ready("a"), afterYields(true, 1), function* () {
      return 1n;
    });
    expectTypeOf<Output<typeof j>>().toEqualTypeOf<[number, string, boolean, bigint]>();
    expectTypeOf<Output<ReturnType<typeof joinAll<Future<number>>>>>().toEqualTypeOf<number[]>();
    expectTypeOf(joinAll([ready(1), ready(2)])).toExtend<Future<number[]>>();
    expectTypeOf<Output<ReturnType<typeof tryJoin<[Future<number>, Future<string>]>>>>().toEqualTypeOf<
      [number, string]
    >();
    expectTypeOf<Output<ReturnType<typeof join<[]>>>>().toEqualTypeOf<[]>();
  });

  it("is lazy: building it polls nothing", async () => {
    const a = new Now(1);
    const j = join(a, new Now(2));
    expect(a.polls).toBe(0);
    expect(await run(j)).toEqual([1, 2]);
    expect(a.polls).toBe(1);
  });

  it("returns outputs in input order, whatever the completion order", async () => {
    const out = await run(function* () {
      return yield* join(afterYields("slow", 3), afterYields("fast", 0), afterYields("mid", 1));
    });
    expect(out).toEqual(["slow", "fast", "mid"]);
  });

  it("accepts generator objects and generator functions", async () => {
    function* gen(): Async<number> {
      yield* yieldNow();
      return 2;
    }
    const out = await run(function* () {
      return yield* join(gen(), gen, ready(3));
    });
    expect(out).toEqual([2, 2, 3]);
  });

  it("runs every operand on the calling task: nothing is spawned", async () => {
    const rt = new Runtime();
    await rt.run(function* () {
      return yield* join(afterYields(1, 2), afterYields(2, 2), afterYields(3, 2));
    });
    expect(rt.metrics().tasksSpawned).toBe(1);
    await rt.shutdown();
  });

  it("polls again only the operands that were woken, once per wake", async () => {
    const probes = [new Probe("a"), new Probe("b"), new Probe("c")];
    await run(function* () {
      const j = spawn(join(...probes));
      yield* yieldNow();
      expect(probes.map((p) => p.polls)).toEqual([1, 1, 1]);
      probes[1]!.poke();
      yield* yieldNow();
      expect(probes.map((p) => p.polls)).toEqual([1, 2, 1]);
      probes[1]!.poke();
      probes[2]!.poke();
      yield* yieldNow();
      expect(probes.map((p) => p.polls)).toEqual([1, 3, 2]);
      probes[0]!.fire(1);
      probes[1]!.fire(2);
      probes[2]!.fire(3);
      expect(yield* j).toEqual([1, 2, 3]);
      expect(probes.map((p) => p.polls)).toEqual([2, 4, 3]);
    });
  });

  it("scales: 10,000 operands woken once each are polled 20,000 times in all", async () => {
    const probes = Array.from({ length: 10_000 }, () => new Probe());
    const out = await run(function* () {
      const j = spawn(joinAll(probes));
      yield* yieldNow();
      for (let i = 0; i < probes.length; i++) probes[i]!.fire(i);
      return yield* j;
    });
    expect(out.length).toBe(10_000);
    expect(out[9_999]).toBe(9_999);
    expect(probes.reduce((n, p) => n + p.polls, 0)).toBe(20_000);
  });

  it("waits for every operand when one throws, then throws the first error", async () => {
    const log: string[] = [];
    const failing = asyncFn(function* () {
      yield* yieldNow();
      throw new Error("boom");
    });
    const slow = asyncFn(function* () {
      try {
        for (let i = 0; i < 3; i++) yield* yieldNow();
        log.push("slow done");
      } finally {
        log.push("slow finally");
      }
    });
    await expect(run(join(failing(), slow()))).rejects.toThrow("boom");
    expect(log).toEqual(["slow done", "slow finally"]);
  });

  it("reports errors after the first to onTaskError instead of dropping them", async () => {
    const seen: unknown[] = [];
    const rt = new Runtime({ onTaskError: (e) => seen.push(e) });
    const fail = asyncFn(function* (msg: string) {
      yield* yieldNow();
      throw new Error(msg);
    });
    await expect(rt.run(join(fail("first"), fail("second")))).rejects.toThrow("first");
    await rt.shutdown();
    expect(seen.map((e) => (e as Error).message)).toEqual(["second"]);
  });

  it("cancelling the join cancels every operand, awaiting async finally blocks", async () => {
    const log: string[] = [];
    const worker = asyncFn(function* (name: string) {
      try {
        yield* pending();
      } finally {
        yield* yieldNow();
        log.push(`${name} cleaned`);
      }
    });
    await run(function* () {
      const h = spawn(join(worker("a"), worker("b")));
      yield* yieldNow();
      h.abort();
      try {
        yield* h;
      } catch (e) {
        expect((e as JoinError).cancelled).toBe(true);
      }
      expect(log.sort()).toEqual(["a cleaned", "b cleaned"]);
    });
  });

  it("works when nested in a generator that is aborted (return() protocol)", async () => {
    const log: string[] = [];
    const worker = asyncFn(function* (name: string) {
      try {
        yield* pending();
      } finally {
        yield* yieldNow();
        yield* yieldNow();
        log.push(name);
      }
    });
    await run(function* () {
      const h = spawn(function* () {
        try {
          yield* join(worker("a"), worker("b"), pending());
        } finally {
          log.push("outer");
        }
      });
      yield* yieldNow();
      h.abort();
      yield* waitJoin(h);
    });
    // The join's async cleanup finishes before the enclosing finally runs.
    expect(log.slice(0, 2).sort()).toEqual(["a", "b"]);
    expect(log[2]).toBe("outer");
  });

  it("rejects bad operands with a message naming the argument and the fix", () => {
    expect(() => join(ready(1), Promise.resolve(2) as never)).toThrow(
      /join\(\) argument 2 .*got a Promise.*fromPromise/,
    );
    expect(() => join([ready(1)] as never)).toThrow(/argument 1 .*joinAll/);
    expect(() => joinAll(ready(1) as never)).toThrow(/got a single future/);
    expect(() => joinAll(42 as never)).toThrow(/iterable of futures.*got number/);
    expect(() => joinAll([ready(1), (() => 2) as never])).toThrow(/joinAll\(\) item 1 .*function\*/);
  });

  it("joinAll of nothing is ready at once with []", async () => {
    expect(await run(joinAll([]))).toEqual([]);
    expect(await run(join())).toEqual([]);
  });

  it("throws when polled again after completing", async () => {
    const j = join(ready(1));
    await run(j);
    await expect(run(j)).rejects.toThrow(/polled after it completed/);
  });
});

/** Await a handle, swallowing its JoinError. */
const waitJoin = asyncFn(function* (
  h: { [Symbol.iterator](): Iterator<unknown, unknown> } & Future<unknown>,
) {
  try {
    yield* h;
  } catch (e) {
    if (!(e instanceof JoinError)) throw e;
  }
});

describe("tryJoin", () => {
  it("returns the tuple when every operand succeeds", async () => {
    expect(await run(tryJoin(afterYields(1, 1), afterYields("b", 2)))).toEqual([1, "b"]);
  });

  it("cancels the other operands at the first error and runs their finally blocks first", async () => {
    const log: string[] = [];
    const failing = asyncFn(function* () {
      yield* yieldNow();
      log.push("fail");
      throw new Error("boom");
    });
    const victim = asyncFn(function* (name: string) {
      try {
        yield* pending();
      } finally {
        yield* yieldNow(); // async cleanup
        log.push(`${name} finally`);
      }
    });
    const err = await run(function* () {
      try {
        yield* tryJoin(victim("a"), failing(), victim("b"));
        return null;
      } catch (e) {
        log.push("caught");
        return e as Error;
      }
    });
    expect(err?.message).toBe("boom");
    expect(log).toEqual(["fail", "a finally", "b finally", "caught"]);
  });

  it("stops polling at the first error: later operands are cancelled before they ever run", async () => {
    const later = new Probe("later");
    const fail = new Probe("fail");
    fail.fail(new Error("early"));
    await expect(run(tryJoin(fail, later))).rejects.toThrow("early");
    expect(later.polls).toBe(0);
    expect(later.cancels).toBe(1);
  });

  it("tryJoinAll: outputs in input order, fail-fast", async () => {
    expect(await run(tryJoinAll([afterYields(1, 2), afterYields(2, 0)]))).toEqual([1, 2]);
    const p = new Probe();
    const boom = asyncFn(function* () {
      yield* yieldNow();
      throw new Error("x");
    });
    await expect(run(tryJoinAll([p, boom()]))).rejects.toThrow("x");
    expect(p.cancels).toBe(1);
  });

  it("a cleanup error does not replace the operand's error; it is reported", async () => {
    const seen: unknown[] = [];
    const rt = new Runtime({ onTaskError: (e) => seen.push(e) });
    const badCleanup = asyncFn(function* () {
      try {
        yield* pending();
      } finally {
        // biome-ignore lint/correctness/noUnsafeFinally: the test needs a cleanup that throws
        throw new Error("cleanup");
      }
    });
    const boom = asyncFn(function* () {
      yield* yieldNow();
      throw new Error("boom");
    });
    await expect(rt.run(tryJoin(badCleanup(), boom()))).rejects.toThrow("boom");
    await rt.shutdown();
    expect(seen.map((e) => (e as Error).message)).toEqual(["cleanup"]);
  });
});
