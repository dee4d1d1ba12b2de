import { describe, expect, it } from "vitest";
import { asyncFn, type Future, ready, type Suspend } from "../../src/future/index.js";
import { run } from "../../src/runtime/index.js";
import { JoinError, spawn, yieldNow } from "../../src/task/index.js";
import { Trigger } from "../helpers.js";

const fail = asyncFn(function* (message: string) {
  yield* yieldNow();
  throw new Error(message);
});

const nest = asyncFn(function* (
  depth: number,
  leaf: () => Future<number>,
): Generator<Suspend, number, unknown> {
  if (depth === 0) return yield* leaf();
  return yield* nest(depth - 1, leaf);
});

describe("errors through nested async fns", () => {
  it("propagate like sync throws, through every level, and are catchable at any level", async () => {
    const middle = asyncFn(function* () {
      try {
        yield* fail("deep");
        return "unreachable";
      } finally {
        yield* yieldNow(); // async cleanup on the error path
      }
    });
    const out = await run(function* () {
      try {
        yield* middle();
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(out).toBe("deep");
  });

  it("an error caught in the middle lets the outer fn continue normally", async () => {
    const middle = asyncFn(function* () {
      try {
        yield* fail("handled");
      } catch {
        return "recovered";
      }
    });
    expect(await run(middle())).toBe("recovered");
  });

  it("a task's error reaches its JoinHandle as JoinError with the original cause", async () => {
    const original = new Error("root cause");
    const thrower = asyncFn(function* () {
      yield* yieldNow();
      throw original;
    });
    const caught = await run(function* () {
      const h = spawn(
        nest(5, () => thrower()),
        { name: "worker" },
      );
      try {
        yield* h;
      } catch (e) {
        return e;
      }
    });
    expect(caught).toBeInstanceOf(JoinError);
    const je = caught as JoinError;
    expect(je.cancelled).toBe(false);
    expect(je.cause).toBe(original);
    expect(je.taskName).toBe("worker");
    expect(je.message).toMatch(/task #2 "worker" failed: root cause/);
  });

  it("run() rejects with the main task's own error, not a wrapper", async () => {
    const original = new TypeError("bad");
    await expect(
      run(function* () {
        yield* yieldNow();
        throw original;
      }),
    ).rejects.toBe(original);
  });
});

describe("frame stack (trampolining)", () => {
  it("suspending 2,000 async fns deep works and returns through every level", async () => {
    const leaf = asyncFn(function* () {
      yield* yieldNow();
      yield* yieldNow();
      return 7;
    });
    const out = await run(nest(2000, leaf));
    expect(out).toBe(7);
  });

  it("async fns that never suspend complete inline, values flow back", async () => {
    const add = asyncFn(function* (a: number, b: number) {
      return (yield* ready(a)) + b;
    });
    const out = await run(function* () {
      let x = 0;
      for (let i = 0; i < 100; i++) x = yield* add(x, 1);
      return x;
    });
    expect(out).toBe(100);
  });

  it("plain `yield* generator()` delegation also works (at V8's cost)", async () => {
    function* child(): Generator<Suspend, number, unknown> {
      yield* yieldNow();
      return 3;
    }
    const out = await run(function* () {
      return (yield* child()) + (yield* child());
    });
    expect(out).toBe(6);
  });
});

describe("cancellation runs finally blocks", () => {
  it("innermost first, including finally blocks that await (async cleanup), before the task reports cancelled", async () => {
    const log: string[] = [];
    const gate = new Trigger<void>();
    const inner = asyncFn(function* () {
      try {
        yield* gate;
      } finally {
        log.push("inner finally start");
        yield* yieldNow();
        log.push("inner finally end");
      }
    });
    const outer = asyncFn(function* () {
      try {
        yield* inner();
      } finally {
        log.push("outer finally start");
        yield* cleanupHelper(log);
        log.push("outer finally end");
      }
    });
    const result = await run(function* () {
      const h = spawn(outer());
      yield* yieldNow();
      expect(gate.waiting).toBe(true);
      h.abort();
      try {
        yield* h;
        return "completed";
      } catch (e) {
        log.push("joined");
        return (e as JoinError).cancelled ? "cancelled" : "failed";
      }
    });
    expect(result).toBe("cancelled");
    expect(gate.cancelled).toBe(true);
    expect(log).toEqual([
      "inner finally start",
      "inner finally end",
      "outer finally start",
      "helper ran",
      "outer finally end",
      "joined",
    ]);
  });

  it("a finally that throws during cancellation: the task ends cancelled, the error is the cause, outer finally still runs", async () => {
    const log: string[] = [];
    const inner = asyncFn(function* () {
      try {
        yield* new Trigger<void>();
      } finally {
        // biome-ignore lint/correctness/noUnsafeFinally: the test is about a finally that throws
        throw new Error("cleanup failed");
      }
    });
    const outer = asyncFn(function* () {
      try {
        yield* inner();
      } finally {
        log.push("outer finally");
      }
    });
    const err = await run(function* () {
      const h = spawn(outer());
      yield* yieldNow();
      h.abort();
      try {
        yield* h;
      } catch (e) {
        return e as JoinError;
      }
    });
    expect(err?.cancelled).toBe(true);
    expect((err!.cause as Error).message).toBe("cleanup failed");
    expect(log).toEqual(["outer finally"]);
  });
});

const cleanupHelper = asyncFn(function* (log: string[]) {
  yield* yieldNow();
  log.push("helper ran");
});
