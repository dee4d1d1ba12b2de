import { describe, expect, it } from "vitest";
import { run } from "../../src/runtime/index.js";
import { OnceCell } from "../../src/sync/index.js";
import { spawn } from "../../src/task/index.js";
import { settle } from "./helpers.js";

describe("OnceCell", () => {
  it("getOrInit runs the initializer once while concurrent callers wait for it", async () => {
    let runs = 0;
    await run(function* () {
      const cell = new OnceCell<number>();
      const init = function* () {
        runs++;
        yield* settle(2);
        return 42;
      };
      const hs = [0, 1, 2].map(() => spawn(cell.getOrInit(init)));
      for (const h of hs) expect(yield* h).toBe(42);
      expect(yield* cell.getOrInit(init)).toBe(42);
      expect(cell.get()).toBe(42);
      expect(cell.isInitialized()).toBe(true);
    });
    expect(runs).toBe(1);
  });

  it("a failed initializer throws to its caller only, and the next caller tries again", async () => {
    await run(function* () {
      const cell = new OnceCell<string>();
      const failing = spawn(
        cell.getOrInit(function* () {
          yield* settle(1);
          throw new Error("no");
        }),
      );
      const next = spawn(
        cell.getOrInit(function* () {
          return "second";
        }),
      );
      let caught: unknown;
      try {
        yield* failing;
      } catch (e) {
        caught = e;
      }
      expect(String(caught)).toMatch(/no/);
      expect(yield* next).toBe("second");
    });
  });

  it("a cancelled initializer runs its finally and lets the next caller initialize", async () => {
    const cleaned: string[] = [];
    await run(function* () {
      const cell = new OnceCell<string>();
      const first = spawn(
        cell.getOrInit(function* () {
          try {
            yield* settle(100);
            return "first";
          } finally {
            cleaned.push("first");
          }
        }),
      );
      yield* settle(1);
      const second = spawn(cell.getOrInit(() => "second"));
      yield* settle(1);
      first.abort();
      expect(yield* second).toBe("second");
    });
    expect(cleaned).toEqual(["first"]);
  });

  it("set stores once; wait() resolves when the cell is set", async () => {
    await run(function* () {
      const cell = new OnceCell<number>();
      const waiter = spawn(cell.wait());
      yield* settle(1);
      expect(cell.set(1)).toBe(true);
      expect(cell.set(2)).toBe(false);
      expect(yield* waiter).toBe(1);
      expect(yield* cell.wait()).toBe(1);
      expect(() => cell.getOrInit(3 as never)).toThrow(/initializer function.*got 3/);
    });
  });
});

describe("OnceCell.take (Tokio parity)", () => {
  it("takes the value out and lets the cell be set again", async () => {
    const cell = new OnceCell<number>();
    expect(cell.take()).toBeUndefined();
    cell.set(1);
    expect(cell.take()).toBe(1);
    expect(cell.isInitialized()).toBe(false);
    expect(cell.get()).toBeUndefined();
    expect(await run(cell.getOrInit(() => 2))).toBe(2);
  });

  it("take during someone's initialization returns undefined and leaves it alone", async () => {
    const cell = new OnceCell<string>();
    const out = await run(function* () {
      const h = spawn(
        cell.getOrInit(function* () {
          yield* settle(2);
          return "v";
        }),
      );
      yield* settle(1);
      const taken = cell.take();
      return { taken, got: yield* h, after: cell.get() };
    });
    expect(out).toEqual({ taken: undefined, got: "v", after: "v" });
  });
});
