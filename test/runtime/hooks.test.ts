import { describe, expect, it } from "vitest";
import { type Async, pending } from "../../src/future/index.js";
import { Runtime, run, type TaskMeta, type TaskTerminateMeta } from "../../src/runtime/index.js";
import { type JoinHandle, JoinSet, scope, spawn, yieldNow } from "../../src/task/index.js";
import { sleep } from "../../src/time/index.js";

function recorder() {
  const spawned: TaskMeta[] = [];
  const terminated: TaskTerminateMeta[] = [];
  return {
    spawned,
    terminated,
    options: {
      onTaskSpawn: (m: TaskMeta) => spawned.push(m),
      onTaskTerminate: (m: TaskTerminateMeta) => terminated.push(m),
    },
  };
}

function* failing(): Async<never> {
  yield* yieldNow();
  throw new Error("boom");
}

describe("onTaskSpawn / onTaskTerminate", () => {
  it("see every task exactly once: completed, failed, aborted, cancelled by shutdown, spawned during shutdown", async () => {
    const r = recorder();
    const rt = new Runtime({ ...r.options, onTaskError: () => {} });
    let idsAtSpawn: number[] = [];
    await rt.run(
      function* () {
        const ok = spawn(
          function* () {
            return 1;
          },
          { name: "ok" },
        );
        const bad = spawn(failing(), { name: "bad" });
        const aborted = spawn(pending(), { name: "aborted" });
        spawn(pending(), { name: "orphan" }); // cancelled by the shutdown
        idsAtSpawn = r.spawned.map((m) => m.id);
        yield* ok;
        try {
          yield* bad;
        } catch {}
        aborted.abort();
        try {
          yield* aborted;
        } catch {}
        // Structured children and JoinSet tasks are tasks too.
        yield* scope(function* (s) {
          s.spawn(yieldNow(), { name: "scoped" });
        });
        using set = new JoinSet<number>();
        set.spawn(
          function* () {
            return 2;
          },
          { name: "in-set" },
        );
        yield* set.joinAll();
      },
      { name: "main" },
    );
    // Spawn hooks ran synchronously inside spawn(), before the first poll.
    expect(idsAtSpawn).toHaveLength(5);
    await rt.shutdown();
    const spawnedNames = r.spawned.map((m) => m.name);
    expect(spawnedNames).toEqual(["main", "ok", "bad", "aborted", "orphan", "scoped", "in-set"]);
    const outcome = new Map(r.terminated.map((m) => [m.name, m.outcome]));
    expect(Object.fromEntries(outcome)).toEqual({
      main: "ok",
      ok: "ok",
      bad: "failed",
      aborted: "cancelled",
      orphan: "cancelled",
      scoped: "ok",
      "in-set": "ok",
    });
    // Exactly once each, with matching ids.
    expect(r.terminated.map((m) => m.id).sort()).toEqual(r.spawned.map((m) => m.id).sort());
    expect(new Set(r.terminated.map((m) => m.id)).size).toBe(r.terminated.length);
  });

  it("includes a task spawned while the runtime shuts down (already aborted)", async () => {
    const r = recorder();
    const rt = new Runtime(r.options);
    rt.spawn(function* () {
      try {
        yield* pending();
      } finally {
        yield* sleep(1);
      }
    });
    await new Promise((res) => setImmediate(res));
    const done = rt.shutdown();
    rt.spawn(pending(), { name: "late" });
    await done;
    expect(r.spawned.map((m) => m.name)).toContain("late");
    expect(r.terminated.find((m) => m.name === "late")?.outcome).toBe("cancelled");
    expect(r.terminated).toHaveLength(r.spawned.length);
  });

  it("a terminate hook runs after the task is finished; a throwing hook goes to onTaskError and nothing breaks", async () => {
    const errors: string[] = [];
    let finishedInHook: boolean | undefined;
    let handle: JoinHandle<void> | null = null;
    const out = await run(
      function* () {
        const h = spawn(yieldNow(), { name: "child" });
        handle = h;
        yield* h;
        return "main done";
      },
      {
        onTaskSpawn: (m) => {
          if (m.name === "child") throw new Error("spawn hook bug");
        },
        onTaskTerminate: (m) => {
          if (m.name === "child") finishedInHook = handle?.isFinished();
          if (m.name === "main") throw new Error("terminate hook bug");
        },
        onTaskError: (e, t) => errors.push(`${t.name}: ${(e as Error).message}`),
      },
    );
    expect(out).toBe("main done");
    expect(finishedInHook).toBe(true);
    expect(errors).toEqual([
      expect.stringMatching(/onTaskSpawn hook threw for task #\d+ "child": spawn hook bug/),
      expect.stringMatching(/onTaskTerminate hook threw for task #\d+ "main": terminate hook bug/),
    ]);
  });

  it("rejects a hook that is not a function", () => {
    expect(() => new Runtime({ onTaskSpawn: 1 as never })).toThrow(/onTaskSpawn must be a function/);
    expect(() => new Runtime({ onTaskTerminate: "x" as never })).toThrow(
      /onTaskTerminate must be a function/,
    );
  });

  it("more subscribers (a console) can be added and removed; the runtime is hook-free again after", async () => {
    const rt = new Runtime();
    expect(rt.hooks).toBeNull();
    const seen: number[] = [];
    const off = rt.addTaskHooks({ onTaskSpawn: (m) => seen.push(m.id) });
    const h = rt.spawn(pending());
    off();
    expect(rt.hooks).toBeNull();
    rt.spawn(pending());
    expect(seen).toEqual([h.id]);
    await rt.shutdown();
  });
});
