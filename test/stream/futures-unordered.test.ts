import { describe, expect, expectTypeOf, it } from "vitest";
import { asyncFn, END, type End, type Output, pending, ready } from "../../src/future/index.js";
import { Runtime, run } from "../../src/runtime/index.js";
import { FuturesUnordered } from "../../src/stream/index.js";
import { spawn, yieldNow } from "../../src/task/index.js";
import { Probe } from "../future/probe.js";

const afterYields = asyncFn(function* <T>(value: T, yields: number) {
  for (let i = 0; i < yields; i++) yield* yieldNow();
  return value;
});

describe("FuturesUnordered", () => {
  it("yields outputs in completion order, then END when empty", async () => {
    const out = await run(function* () {
      const fu = new FuturesUnordered<string>([afterYields("c", 3), afterYields("a", 1)]);
      fu.push(afterYields("b", 2));
      expect(fu.size).toBe(3);
      const got: (string | End)[] = [];
      for (let i = 0; i < 4; i++) got.push(yield* fu.next());
      expect(fu.isEmpty()).toBe(true);
      return got;
    });
    expect(out).toEqual(["a", "b", "c", END]);
  });

  it("next() is typed T | End", () => {
    const fu = new FuturesUnordered<number>();
    expectTypeOf<Output<ReturnType<typeof fu.next>>>().toEqualTypeOf<number | End>();
  });

  it("a FuturesUnordered<void> loop yields every output (undefined is an output, not the end)", async () => {
    const out = await run(function* () {
      const fu = new FuturesUnordered<void>([
        ready(undefined),
        afterYields(undefined, 2),
        afterYields(undefined, 1),
      ]);
      let n = 0;
      for (let v = yield* fu.next(); v !== END; v = yield* fu.next()) n++;
      return n;
    });
    expect(out).toBe(3);
  });

  it("is lazy: pushed futures are first polled by next()", async () => {
    const p = new Probe();
    const fu = new FuturesUnordered<number>([p]);
    expect(p.polls).toBe(0);
    await run(function* () {
      const h = spawn(fu.next());
      yield* yieldNow();
      expect(p.polls).toBe(1);
      p.fire(5);
      expect(yield* h).toBe(5);
    });
  });

  it("accepts pushes while a task awaits next(), and wakes it", async () => {
    const fu = new FuturesUnordered<number>();
    const gate = new Probe();
    fu.push(gate);
    const out = await run(function* () {
      const consumer = spawn(function* () {
        const got: number[] = [];
        for (let v = yield* fu.next(); v !== END; v = yield* fu.next()) got.push(v);
        return got;
      });
      yield* yieldNow(); // consumer waits on the gate
      fu.push(ready(1));
      yield* yieldNow();
      fu.push(afterYields(2, 1));
      yield* yieldNow();
      yield* yieldNow();
      gate.fire(3);
      return yield* consumer;
    });
    expect(out).toEqual([1, 2, 3]);
  });

  it("costs O(1) per wake: only the woken member is polled", async () => {
    const probes = Array.from({ length: 1_000 }, () => new Probe());
    const fu = new FuturesUnordered<number>(probes);
    await run(function* () {
      const h = spawn(fu.next());
      yield* yieldNow();
      expect(probes.every((p) => p.polls === 1)).toBe(true);
      probes[500]!.poke();
      yield* yieldNow();
      probes[700]!.fire(700);
      expect(yield* h).toBe(700);
    });
    const total = probes.reduce((n, p) => n + p.polls, 0);
    expect(total).toBe(1_000 + 2);
  });

  it("a member that throws makes next() throw; the others keep going", async () => {
    const boom = asyncFn(function* () {
      yield* yieldNow();
      throw new Error("boom");
    });
    const out = await run(function* () {
      const fu = new FuturesUnordered<number>([boom(), afterYields(2, 3)]);
      let error: unknown;
      try {
        yield* fu.next();
      } catch (e) {
        error = e;
      }
      return [(error as Error).message, yield* fu.next(), yield* fu.next()];
    });
    expect(out).toEqual(["boom", 2, END]);
  });

  it("cancel() (or using) cancels the members left, running their finally blocks", async () => {
    const log: string[] = [];
    const worker = asyncFn(function* (name: string) {
      try {
        yield* pending();
      } finally {
        log.push(name);
      }
    });
    await run(function* () {
      {
        using fu = new FuturesUnordered<void>([worker("a"), worker("b")]);
        fu.push(ready(undefined));
        yield* fu.next(); // polls a and b once, delivers the ready one
      }
      expect(log.sort()).toEqual(["a", "b"]);
    });
  });

  it("works as a stream: adapters apply", async () => {
    const rt = new Runtime();
    const out = await rt.run(function* () {
      const fu = new FuturesUnordered<number>([afterYields(3, 3), afterYields(1, 1), afterYields(2, 2)]);
      return yield* fu.map((n) => n * 10).collect();
    });
    expect(out).toEqual([10, 20, 30]);
    await rt.shutdown();
  });

  it("rejects bad members with a clear message", () => {
    const fu = new FuturesUnordered<number>();
    expect(() => fu.push(Promise.resolve(1) as never)).toThrow(/FuturesUnordered.push\(\) .*fromPromise/);
  });
});
