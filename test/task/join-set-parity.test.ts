import { describe, expect, it } from "vitest";
import { asyncFn, EMPTY, END, pending } from "../../src/future/index.js";
import { run } from "../../src/runtime/index.js";
import { JoinError, JoinSet, spawn, yieldNow } from "../../src/task/index.js";
import { sleep, timeout } from "../../src/time/index.js";

const afterYields = asyncFn(function* <T>(value: T, yields: number) {
  for (let i = 0; i < yields; i++) yield* yieldNow();
  return value;
});

const failAfter = asyncFn(function* (yields: number, message: string) {
  for (let i = 0; i < yields; i++) yield* yieldNow();
  throw new Error(message);
});

/** Parked forever; its async cleanup logs when it finished. */
const parked = asyncFn(function* (name: string, log: string[]) {
  try {
    yield* pending();
  } finally {
    yield* yieldNow();
    log.push(`${name} cleaned`);
  }
});

describe("JoinSet.tryJoinNext", () => {
  it("returns finished outputs without waiting: EMPTY while tasks run, END once the set is empty", async () => {
    await run(function* () {
      const set = new JoinSet<string>();
      expect(set.tryJoinNext()).toBe(END);
      set.spawn(afterYields("fast", 0));
      set.spawn(afterYields("slow", 3));
      expect(set.tryJoinNext()).toBe(EMPTY); // spawned, not yet polled
      yield* yieldNow();
      expect(set.tryJoinNext()).toBe("fast");
      expect(set.tryJoinNext()).toBe(EMPTY);
      for (let i = 0; i < 4; i++) yield* yieldNow();
      expect(set.tryJoinNext()).toBe("slow");
      expect(set.tryJoinNext()).toBe(END);
      expect(set.size).toBe(0);
    });
  });

  it("throws the JoinError of a failed or aborted task, which leaves the set", async () => {
    await run(function* () {
      const set = new JoinSet<number>();
      set.spawn(failAfter(0, "boom"), { name: "f" });
      const aborted = set.spawn(pending() as never, { name: "a" });
      aborted.abort();
      yield* yieldNow();
      const errors: JoinError[] = [];
      for (let i = 0; i < 2; i++) {
        try {
          set.tryJoinNext();
        } catch (e) {
          errors.push(e as JoinError);
        }
      }
      expect(errors.map((e) => [e.taskName, e.cancelled])).toEqual([
        ["f", false],
        ["a", true],
      ]);
      expect(set.tryJoinNext()).toBe(END);
    });
  });
});

describe("JoinSet.joinNextWithId", () => {
  it("resolves [id, output] in completion order, with the id spawn returned; END when empty", async () => {
    const out = await run(function* () {
      const set = new JoinSet<string>();
      const slow = set.spawn(afterYields("slow", 2));
      const fast = set.spawn(afterYields("fast", 0));
      const got = [];
      for (let r = yield* set.joinNextWithId(); r !== END; r = yield* set.joinNextWithId()) got.push(r);
      return { got, slow: slow.id, fast: fast.id };
    });
    expect(out.got).toEqual([
      [out.fast, "fast"],
      [out.slow, "slow"],
    ]);
  });

  it("is cancel-safe: a timed-out wait loses no result", async () => {
    const out = await run(
      function* () {
        const set = new JoinSet<string>();
        const h = set.spawn(
          (function* () {
            yield* sleep(100);
            return "late";
          })(),
        );
        try {
          yield* timeout(10, set.joinNextWithId());
        } catch {}
        return [h.id, yield* set.joinNextWithId()] as const;
      },
      { clock: "paused" },
    );
    expect(out[1]).toEqual([out[0], "late"]);
  });

  it("a failure throws a JoinError whose taskId names the task", async () => {
    await run(function* () {
      const set = new JoinSet<number>();
      const h = set.spawn(failAfter(1, "bad"));
      try {
        yield* set.joinNextWithId();
        expect.unreachable();
      } catch (e) {
        expect((e as JoinError).taskId).toBe(h.id);
      }
    });
  });
});

describe("JoinSet.joinAll", () => {
  it("returns every output in completion order and empties the set", async () => {
    const out = await run(function* () {
      const set = new JoinSet<number>();
      set.spawn(afterYields(3, 3));
      set.spawn(afterYields(1, 1));
      set.spawn(afterYields(2, 2));
      const all = yield* set.joinAll();
      expect(set.size).toBe(0);
      return all;
    });
    expect(out).toEqual([1, 2, 3]);
  });

  it("returns [] for an empty set", async () => {
    expect(await run(new JoinSet<number>().joinAll())).toEqual([]);
  });

  it("on a failure, aborts the remaining tasks (their finally runs) and throws that task's JoinError", async () => {
    const log: string[] = [];
    const err = await run(
      function* () {
        const set = new JoinSet<unknown>();
        set.spawn(parked("p1", log));
        set.spawn(failAfter(1, "kaput"), { name: "failing" });
        set.spawn(parked("p2", log));
        try {
          yield* set.joinAll();
        } catch (e) {
          expect(set.size).toBe(0);
          yield* sleep(1); // let the aborted tasks' async cleanup run
          return e;
        }
      },
      { clock: "paused" },
    );
    expect(err).toBeInstanceOf(JoinError);
    expect((err as JoinError).taskName).toBe("failing");
    expect((err as JoinError).cause).toEqual(new Error("kaput"));
    expect(log.sort()).toEqual(["p1 cleaned", "p2 cleaned"]);
  });

  it("an aborted task makes it throw a cancelled JoinError", async () => {
    const err = await run(
      function* () {
        const set = new JoinSet<number>();
        set.spawn(afterYields(1, 5));
        const victim = set.spawn(pending() as never);
        spawn(function* () {
          victim.abort();
        });
        try {
          yield* set.joinAll();
        } catch (e) {
          return e;
        }
      },
      { onOrphans: false },
    ); // the other task is still unwinding its abort
    expect((err as JoinError).cancelled).toBe(true);
  });

  it("cancelled (a timeout) aborts the remaining tasks, as dropping the set does in Tokio", async () => {
    const log: string[] = [];
    await run(
      function* () {
        const set = new JoinSet<unknown>();
        set.spawn(parked("a", log));
        set.spawn(parked("b", log));
        try {
          yield* timeout(5, set.joinAll());
        } catch {}
        expect(set.size).toBe(0);
        yield* sleep(1);
      },
      { clock: "paused" },
    );
    expect(log.sort()).toEqual(["a cleaned", "b cleaned"]);
  });
});

describe("JoinSet.detachAll", () => {
  it("empties the set without aborting: the tasks run to completion on their own", async () => {
    const log: string[] = [];
    await run(function* () {
      const set = new JoinSet<void>();
      for (const n of ["x", "y"]) {
        set.spawn(
          (function* () {
            yield* yieldNow();
            log.push(`${n} done`);
          })(),
        );
      }
      set.detachAll();
      expect(set.size).toBe(0);
      expect(yield* set.joinNext()).toBe(END);
      for (let i = 0; i < 3; i++) yield* yieldNow();
    });
    expect(log).toEqual(["x done", "y done"]);
  });

  it("a detached task's later failure is reported through onTaskError, not lost", async () => {
    const errors: string[] = [];
    await run(
      function* () {
        const set = new JoinSet<void>();
        set.spawn(failAfter(1, "after detach"), { name: "d" });
        set.detachAll();
        for (let i = 0; i < 3; i++) yield* yieldNow();
      },
      { onTaskError: (e, t) => errors.push(`${t.name}: ${(e as Error).message}`), onOrphans: false },
    );
    expect(errors).toEqual(["d: after detach"]);
  });

  it("an already-finished, unjoined failure is reported at once", async () => {
    const errors: string[] = [];
    await run(
      function* () {
        const set = new JoinSet<void>();
        set.spawn(failAfter(0, "finished"), { name: "e" });
        yield* yieldNow();
        set.detachAll();
      },
      { onTaskError: (e) => errors.push((e as Error).message) },
    );
    expect(errors).toEqual(["finished"]);
  });
});
