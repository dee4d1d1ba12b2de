import { describe, expect, expectTypeOf, it } from "vitest";
import { asyncFn, END, type End, type Output, pending } from "../../src/future/index.js";
import { Runtime, run } from "../../src/runtime/index.js";
import { JoinError, JoinSet, spawn, yieldNow } from "../../src/task/index.js";
import { Probe } from "../future/probe.js";

const afterYields = asyncFn(function* <T>(value: T, yields: number) {
  for (let i = 0; i < yields; i++) yield* yieldNow();
  return value;
});

const parked = asyncFn(function* (name: string, log: string[]) {
  try {
    yield* pending();
  } finally {
    yield* yieldNow(); // async cleanup
    log.push(`${name} cleaned`);
  }
});

describe("JoinSet", () => {
  it("joinNext() yields outputs in completion order, then END", async () => {
    const out = await run(function* () {
      const set = new JoinSet<string>();
      set.spawn(afterYields("slow", 4));
      set.spawn(afterYields("fast", 0));
      set.spawn(afterYields("mid", 2));
      expect(set.size).toBe(3);
      const got: (string | End)[] = [];
      for (let i = 0; i < 4; i++) got.push(yield* set.joinNext());
      expect(set.size).toBe(0);
      return got;
    });
    expect(out).toEqual(["fast", "mid", "slow", END]);
  });

  it("is typed: joinNext() resolves T | End", () => {
    const set = new JoinSet<number>();
    expectTypeOf<Output<ReturnType<typeof set.joinNext>>>().toEqualTypeOf<number | End>();
  });

  it("a JoinSet<void> loop joins every task (undefined is an output, not the end)", async () => {
    const out = await run(function* () {
      let finished = 0;
      function* work(yields: number) {
        for (let i = 0; i < yields; i++) yield* yieldNow();
        finished++;
      }
      using set = new JoinSet<void>();
      for (let i = 0; i < 5; i++) set.spawn(work(i));
      let joined = 0;
      for (let r = yield* set.joinNext(); r !== END; r = yield* set.joinNext()) joined++;
      return { joined, finished, left: set.size };
    });
    expect(out).toEqual({ joined: 5, finished: 5, left: 0 });
  });

  it("a failed task surfaces as a JoinError from joinNext(); the set goes on", async () => {
    const boom = asyncFn(function* () {
      yield* yieldNow();
      throw new Error("boom");
    });
    const out = await run(function* () {
      const set = new JoinSet<number>();
      set.spawn(boom());
      set.spawn(afterYields(2, 3));
      const got: unknown[] = [];
      for (;;) {
        try {
          const v = yield* set.joinNext();
          if (v === END) break;
          got.push(v);
        } catch (e) {
          got.push(e instanceof JoinError && !e.cancelled ? (e.cause as Error).message : e);
        }
      }
      return got;
    });
    expect(out).toEqual(["boom", 2]);
  });

  it("abortAll() cancels the tasks; joinNext() reports them as cancelled", async () => {
    const log: string[] = [];
    const out = await run(function* () {
      const set = new JoinSet<void>();
      const h = set.spawn(parked("a", log));
      yield* yieldNow();
      set.abortAll();
      try {
        yield* set.joinNext();
        return "no error";
      } catch (e) {
        return { cancelled: (e as JoinError).cancelled, finished: h.isFinished() };
      }
    });
    expect(out).toEqual({ cancelled: true, finished: true });
    expect(log).toEqual(["a cleaned"]);
  });

  it("shutdown() aborts every task and waits for their finally blocks", async () => {
    const log: string[] = [];
    await run(function* () {
      const set = new JoinSet<void>();
      set.spawn(parked("a", log));
      set.spawn(parked("b", log));
      yield* yieldNow();
      yield* set.shutdown();
      log.push("shut down");
      expect(set.size).toBe(0);
    });
    expect(log.slice(0, 2).sort()).toEqual(["a cleaned", "b cleaned"]);
    expect(log[2]).toBe("shut down");
  });

  it("`using` aborts the children when the owning task is aborted", async () => {
    const log: string[] = [];
    const owner = asyncFn(function* () {
      using set = new JoinSet<void>();
      set.spawn(parked("child 1", log));
      set.spawn(parked("child 2", log));
      yield* set.joinNext(); // never completes
    });
    await run(function* () {
      const h = spawn(owner());
      yield* yieldNow();
      yield* yieldNow();
      h.abort();
      try {
        yield* h;
      } catch (e) {
        expect((e as JoinError).cancelled).toBe(true);
      }
      // The children were aborted by the dispose; let their async cleanup run.
      for (let i = 0; i < 4; i++) yield* yieldNow();
    });
    expect(log.sort()).toEqual(["child 1 cleaned", "child 2 cleaned"]);
  });

  it("`using` aborts the children on a normal scope exit too", async () => {
    const log: string[] = [];
    await run(function* () {
      {
        using set = new JoinSet<void>();
        set.spawn(parked("c", log));
        yield* yieldNow();
      }
      for (let i = 0; i < 3; i++) yield* yieldNow();
    });
    expect(log).toEqual(["c cleaned"]);
  });

  it("after disposal, a failure of a task never joined is reported to onTaskError", async () => {
    const seen: string[] = [];
    const rt = new Runtime({ onTaskError: (e) => seen.push((e as Error).message) });
    const boom = asyncFn(function* () {
      throw new Error("unjoined");
    });
    await rt.run(function* () {
      const set = new JoinSet<void>();
      set.spawn(boom());
      yield* yieldNow();
      set[Symbol.dispose]();
    });
    await rt.shutdown();
    expect(seen).toEqual(["unjoined"]);
  });

  it("joinNext() is cancel-safe: a losing joinNext loses no result", async () => {
    const { select, ready } = await import("../../src/future/index.js");
    const out = await run(function* () {
      const set = new JoinSet<number>();
      set.spawn(afterYields(7, 0));
      yield* yieldNow();
      yield* yieldNow();
      const r = yield* select.biased({ first: ready(0), join: set.joinNext() });
      return [r.key, yield* set.joinNext()];
    });
    expect(out).toEqual(["first", 7]);
  });

  it("spawn outside a runtime throws a clear error", () => {
    expect(() => new JoinSet<number>().spawn(new Probe())).toThrow(
      /JoinSet.spawn\(\) was called outside a pollux runtime/,
    );
  });
});
