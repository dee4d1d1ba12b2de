// A future has one owner (it keeps one waker): what pollux rejects, and what it documents.
import { describe, expect, it } from "vitest";
import { asyncFn, join, race, type Suspend, select, tryJoin } from "../../src/future/index.js";
import { run } from "../../src/runtime/index.js";
import { spawn, yieldNow } from "../../src/task/index.js";
import { sleep, timeout } from "../../src/time/index.js";

const slow = asyncFn(function* (ms: number) {
  yield* sleep(ms);
  return ms;
});

describe("one owner per future", () => {
  it("join, tryJoin, race and select reject the same future given twice", async () => {
    await run(function* () {
      const s = sleep(5);
      expect(() => join(s, s)).toThrow(/join\(\): argument 1 and argument 2 are the same future/);
      expect(() => tryJoin(sleep(1), s, s)).toThrow(/argument 2 and argument 3 are the same future/);
      expect(() => race(s, s)).toThrow(TypeError);
      expect(() => select({ a: s, b: s })).toThrow(/branch "a" and branch "b" are the same future/);
      // Many operands go through a Set.
      const many = Array.from({ length: 20 }, (_, i) => sleep(i));
      expect(() => join(...many, many[3]!)).toThrow(/argument 4 and argument 21/);
    });
  });

  it("an async fn future already driven by a combinator cannot get a second owner", async () => {
    await run(function* () {
      const f = slow(20);
      const t = timeout(100, f); // timeout polls f as a future
      const driver = spawn(t);
      yield* yieldNow();
      expect(() => spawn(f)).toThrow(/already being awaited .* a future has one owner/);
      let thrown: unknown;
      try {
        yield* f;
      } catch (e) {
        thrown = e;
      }
      expect(String(thrown)).toMatch(/already being awaited/);
      expect(yield* driver).toBe(20);
    });
  });

  it("deep recursion that completes synchronously works to a few thousand levels", async () => {
    const depth = asyncFn(function* (n: number): Generator<Suspend, number> {
      return n === 0 ? 0 : 1 + (yield* depth(n - 1));
    });
    expect(await run(depth(1_000))).toBe(1_000);
  });

  it("deeper recursion works when levels yield now and then (the documented remedy)", async () => {
    const depth = asyncFn(function* (n: number): Generator<Suspend, number> {
      if (n % 500 === 0) yield* yieldNow();
      return n === 0 ? 0 : 1 + (yield* depth(n - 1));
    });
    expect(await run(depth(20_000))).toBe(20_000);
  });
});
