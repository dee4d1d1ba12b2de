import { execFile } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import { type Async, JoinError, type JoinHandle, Runtime, run, sleep, spawn } from "../../../src/index.js";
import { coreMetrics, type ModuleTask, spawnAnywhere, spawnOn } from "../../../src/runtime/index.js";

const TASKS = new URL("../../fixtures/cores/tasks.mjs", import.meta.url);
const t = (name: string) => ({ module: TASKS, export: name });

const runtimes: Runtime[] = [];
function rt(workers: number): Runtime {
  const r = new Runtime({ workers, onOrphans: false });
  runtimes.push(r);
  return r;
}
afterEach(async () => {
  for (const r of runtimes.splice(0)) await r.shutdown();
});

describe("spawnOn / spawnAnywhere", () => {
  it("runs a module's async fn on a worker runtime and returns its result", async () => {
    const out = await rt(3).run(function* () {
      const a = spawnOn<number>(1, t("add"), 2, 3);
      const b = spawnOn<number>(2, t("add"), 10, 20);
      const ids = [yield* spawnOn<number>(1, t("whoAmI")), yield* spawnOn<number>(2, t("whoAmI"))];
      return { sum: (yield* a) + (yield* b), ids };
    });
    expect(out.sum).toBe(35);
    expect(out.ids[0]).not.toBe(out.ids[1]);
    expect(out.ids.every((id) => id > 0)).toBe(true);
  });

  it("runs timers on the worker runtime and copies structured data both ways", async () => {
    const value = { a: [1, 2], m: new Map([["k", new Date(5)]]) };
    const got = await rt(2).run(function* () {
      return yield* spawnOn(1, t("napThenEcho"), 5, value);
    });
    expect(got).toEqual(value);
  });

  it("keeps the error's class name, message, stack and own properties", async () => {
    const err = await rt(2)
      .run(function* () {
        return yield* spawnOn(1, t("fail"), "bad input");
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JoinError);
    const cause = (err as JoinError).cause as Error & { code: string };
    expect(cause.name).toBe("ParseError");
    expect(cause.message).toBe("bad input");
    expect(cause.code).toBe("E_PARSE");
    expect(cause.stack).toContain("tasks.mjs");
  });

  it("abort reaches the remote task, and its async finally ends before the handle reports cancelled", async () => {
    const flags = new Int32Array(new SharedArrayBuffer(8));
    const out = await rt(2).run(function* () {
      const h = spawnOn(1, t("hangWithCleanup"), flags);
      while (Atomics.load(flags, 0) === 0) yield* sleep(1);
      h.abort();
      try {
        yield* h;
        return "not cancelled";
      } catch (e) {
        return { cancelled: (e as JoinError).cancelled, cleanup: Atomics.load(flags, 1) };
      }
    });
    expect(out).toEqual({ cancelled: true, cleanup: 5 });
  });

  it("shutting the runtime down runs the remote task's async finally before it resolves", async () => {
    const flags = new Int32Array(new SharedArrayBuffer(8));
    await run(
      function* () {
        // Detached: main returns while the remote task still waits; the shutdown must cancel it.
        spawnOn(1, t("hangWithCleanup"), flags);
        while (Atomics.load(flags, 0) === 0) yield* sleep(1);
      },
      { workers: 2, onOrphans: false },
    );
    expect(Atomics.load(flags, 1)).toBe(5);
  });

  it("an abort before the remote task starts cancels it", async () => {
    const out = await rt(2).run(function* () {
      const h = spawnOn(1, t("echo"), 1);
      h.abort();
      try {
        return yield* h;
      } catch (e) {
        return (e as JoinError).cancelled;
      }
    });
    expect(out).toBe(true);
  });

  it("moves buffers with transfer and withTransfer", async () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const out = await rt(2).run(function* () {
      return yield* spawnOn<Uint8Array>(1, { ...t("double"), transfer: [bytes.buffer] }, bytes);
    });
    expect(bytes.byteLength).toBe(0); // moved, not copied
    expect([...out]).toEqual([2, 4, 6]);
  });

  it("a task waiting on a remote task counts as waiting on a wake source: no deadlock, no stall", async () => {
    const stalls: unknown[] = [];
    const r = new Runtime({ workers: 2, onOrphans: false, stallAfterMs: 0, onStall: (s) => stalls.push(s) });
    runtimes.push(r);
    const out = await r.run(function* () {
      return yield* spawnOn(1, t("napThenEcho"), 150, "late");
    });
    expect(out).toBe("late");
    // Had the remote call not counted, the idle runtime would have seen only foreign resources
    // (the worker, its port) and reported a stall at once.
    expect(stalls).toEqual([]);
  });

  it("spawnAnywhere spreads tasks over the worker runtimes", async () => {
    const ids = await rt(3).run(function* () {
      const hs = [];
      for (let i = 0; i < 8; i++) hs.push(spawnAnywhere<number>(t("spin"), 5));
      const out: number[] = [];
      for (const h of hs) out.push(yield* h);
      return out;
    });
    expect(new Set(ids).size).toBe(2);
  });

  it("with workers: 1, spawnAnywhere runs on the calling thread", async () => {
    const out = await rt(1).run(function* () {
      return yield* spawnAnywhere(t("whoAmI"));
    });
    expect(out).toBe(0); // the main thread's id
  });

  it("a crash fails only the tasks of that worker, with an error naming it; the slot is replaced", async () => {
    const out = await rt(3).run(function* () {
      const other = spawnOn(2, t("napThenEcho"), 30, "survivor");
      const doomed = spawnOn(1, t("crashSoon"));
      let message = "";
      try {
        yield* doomed;
      } catch (e) {
        message = String(((e as JoinError).cause as Error).message);
      }
      const again = yield* spawnOn(1, t("add"), 1, 1);
      return { message, survivor: yield* other, again };
    });
    expect(out.message).toMatch(/worker runtime 1 \(thread \d+\) crashed: boom outside any task/);
    expect(out.message).toContain("a new worker runtime takes its place on next use");
    expect(out.survivor).toBe("survivor");
    expect(out.again).toBe(2);
  });

  it("process.exit in a task fails it with an error naming the worker", async () => {
    const err = (await rt(2)
      .run(function* () {
        return yield* spawnOn(1, t("exitNow"));
      })
      .catch((e: JoinError) => e.cause as Error)) as Error;
    expect(err.message).toMatch(/worker runtime 1 .*exited.*code 7/);
  });

  it("reports bad input with the fix", async () => {
    await expect(
      rt(2).run(function* () {
        return spawnOn(5, t("echo"));
      }),
    ).rejects.toThrow(/integer from 0 \(this thread\) to 1/);
    await expect(
      rt(2).run(function* () {
        return spawnOn(1, { module: "./tasks.mjs" });
      }),
    ).rejects.toThrow(/must be a URL/);
    expect(() => spawnOn(1, t("echo"))).toThrow(/outside a pollux runtime/);
    const missing = (await rt(2)
      .run(function* () {
        return yield* spawnOn(1, t("nope"));
      })
      .catch((e: JoinError) => e.cause as Error)) as Error;
    expect(missing.message).toMatch(/no exported function "nope"/);
    const unclonable = (await rt(2)
      .run(function* () {
        return yield* spawnOn(1, t("echo"), () => 1);
      })
      .catch((e: JoinError) => e.cause as Error)) as Error;
    expect(unclonable.message).toMatch(/could not be sent/);
    const result = (await rt(2)
      .run(function* () {
        return yield* spawnOn(1, t("unsendable"));
      })
      .catch((e: JoinError) => e.cause as Error)) as Error;
    expect(result.message).toMatch(/result could not be sent back/);
  });

  it("reports metrics per runtime and in total", async () => {
    const m = await rt(3).run(function* () {
      yield* spawnOn(1, t("add"), 1, 2);
      yield* spawnOn(2, t("add"), 1, 2);
      yield* spawnOn(2, t("add"), 1, 2);
      return yield* coreMetrics();
    });
    expect(m.runtimes).toHaveLength(3);
    expect(m.runtimes[1]!.tasksCompleted).toBe(1);
    expect(m.runtimes[2]!.tasksCompleted).toBe(2);
    expect(m.total.tasksCompleted).toBe(
      m.runtimes[0]!.tasksCompleted + m.runtimes[1]!.tasksCompleted + m.runtimes[2]!.tasksCompleted,
    );
  });

  it("a JoinHandle from spawnOn works in spawn and select like any other", async () => {
    const out = await rt(2).run(function* () {
      const h = spawn(function* () {
        return yield* spawnOn<number>(1, t("add"), 4, 4);
      });
      return yield* h;
    });
    expect(out).toBe(8);
  });
});

describe("process lifetime", () => {
  it("a program with worker runtimes exits on its own after its last remote task", async () => {
    const script = fileURLToPath(new URL("../../fixtures/cores/exits.mjs", import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [script], { timeout: 20_000 });
    expect(stdout.trim()).toBe("result 48");
  });
});

/** The type of the fixture's `add` (the fixture is JavaScript). */
declare function add(a: number, b: number): Async<number>;

describe("types", () => {
  it("ModuleTask<typeof fn> checks the arguments and types the result", async () => {
    const ADD: ModuleTask<typeof add> = { module: TASKS, export: "add" };
    const out = await rt(2).run(function* () {
      const h = spawnOn(1, ADD, 2, 3);
      expectTypeOf(h).toEqualTypeOf<JoinHandle<number>>();
      expectTypeOf(spawnAnywhere(ADD, 1, 1)).toEqualTypeOf<JoinHandle<number>>();
      if (h === null) {
        // @ts-expect-error a string is not a number
        spawnOn(1, ADD, "2", 3);
      }
      return yield* h;
    });
    expect(out).toBe(5);
  });
});

describe("default group", () => {
  it("a runtime made without the workers option has os.availableParallelism() runtimes, on first use", async () => {
    const out = await run(
      function* () {
        const m = yield* coreMetrics();
        return { n: m.runtimes.length, echoed: yield* spawnAnywhere(t("echo"), "x") };
      },
      { onOrphans: false },
    );
    expect(out).toEqual({ n: availableParallelism(), echoed: "x" });
  });

  it("a worker runtime places tasks on itself only", async () => {
    const out = await rt(2).run(function* () {
      return yield* spawnOn<[number, number, string]>(1, t("nested"));
    });
    const [worker, anywhere, error] = out;
    expect(anywhere).toBe(worker); // spawnAnywhere from a worker runtime ran there
    expect(error).toMatch(/integer from 0 \(this thread\) to 0/);
  });
});

describe("options", () => {
  it("rejects a bad workers count with what it means", () => {
    expect(() => new Runtime({ workers: 0 })).toThrow(
      /integer from 1 to 1024: the runtimes in all, this thread's included/,
    );
    expect(() => new Runtime({ workers: 2.5 })).toThrow(/got 2\.5/);
  });

  it("Runtime.multiThread(n) gives n runtimes, this thread's included", async () => {
    const r = Runtime.multiThread(2, { onOrphans: false });
    try {
      const m = await r.run(function* () {
        return yield* coreMetrics();
      });
      expect(m.runtimes).toHaveLength(2);
    } finally {
      await r.shutdown();
    }
  });
});
