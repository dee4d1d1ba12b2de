import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { Async } from "../../../src/future/index.js";
import { Runtime, run } from "../../../src/runtime/index.js";
import { JoinError, spawn, spawnBlocking, yieldNow } from "../../../src/task/index.js";
import { sleep } from "../../../src/time/index.js";

const WORK = new URL("../../fixtures/blocking/work.mjs", import.meta.url);

function catchJoin(fn: () => Async<unknown>): Promise<JoinError> {
  return run(function* () {
    try {
      yield* fn();
    } catch (e) {
      return e as JoinError;
    }
    throw new Error("expected a JoinError");
  }) as Promise<JoinError>;
}

describe("spawnBlocking", () => {
  it("runs a self-contained function on a worker thread and returns its result", async () => {
    const out = await run(function* () {
      return yield* spawnBlocking((a: number, b: { x: number[] }) => a + b.x.reduce((s, v) => s + v, 0), 1, {
        x: [2, 3],
      });
    });
    expect(out).toBe(6);
  });

  it("awaits a function that returns a promise, and method shorthand works", async () => {
    const obj = {
      twice(n: number) {
        return n * 2;
      },
    };
    const out = await run(function* () {
      const a = yield* spawnBlocking(async (n: number) => n + 1, 1);
      const b = yield* spawnBlocking(obj.twice, 4);
      return [a, b];
    });
    expect(out).toEqual([2, 8]);
  });

  it("runs the module form, default export included", async () => {
    const out = await run(function* () {
      const s = yield* spawnBlocking<number>({ module: WORK, export: "sum" }, 5);
      const n = yield* spawnBlocking<number>({ module: WORK.href }, new Uint8Array(7));
      return [s, n];
    });
    expect(out).toEqual([10, 7]);
  });

  it("delivers a thrown error as JoinError whose cause keeps class name, message, stack and props", async () => {
    const e = await catchJoin(function* () {
      yield* spawnBlocking({ module: WORK, export: "fail" }, "bad input");
    });
    expect(e).toBeInstanceOf(JoinError);
    expect(e.cancelled).toBe(false);
    const cause = e.cause as Error & { code: string };
    expect(cause.name).toBe("HashError");
    expect(cause.message).toBe("bad input");
    expect(cause.stack).toContain("work.mjs");
    expect(cause.code).toBe("E_HASH");

    const t = await catchJoin(function* () {
      yield* spawnBlocking(() => {
        throw new TypeError("typed");
      });
    });
    expect(t.cause).toBeInstanceOf(TypeError);
    expect((t.cause as Error).message).toBe("typed");
  });

  it("names the free variable of a closure and shows the module form", async () => {
    const secret = 42;
    const e = await catchJoin(function* () {
      yield* spawnBlocking(() => secret + 1);
    });
    const cause = e.cause as Error;
    expect(cause).toBeInstanceOf(ReferenceError);
    expect(cause.message).toContain('"secret"');
    expect(cause.message).toContain("module");
    expect(cause.message).toContain("import.meta.url");
  });

  it("moves transferred ArrayBuffers instead of copying them", async () => {
    const buf = new ArrayBuffer(16);
    const out = await run(function* () {
      return yield* spawnBlocking({ fn: (b: ArrayBuffer) => b.byteLength, transfer: [buf] }, buf);
    });
    expect(out).toBe(16);
    expect(buf.byteLength).toBe(0); // detached: it moved
  });

  it("rejects bad targets with a clear error", async () => {
    await run(function* () {
      expect(() => spawnBlocking(42 as never)).toThrow(/target must be a function/);
      expect(() => spawnBlocking({ module: "./work.mjs" })).toThrow(/new URL/);
      expect(() => spawnBlocking(Math.max)).toThrow(/native or bound/);
    });
    expect(() => spawnBlocking(() => 1)).toThrow(/outside a pollux runtime/);
    expect(() => new Runtime({ maxBlockingThreads: 0 })).toThrow(/maxBlockingThreads/);
  });

  it("queues more jobs than threads and completes them all", async () => {
    const rt = new Runtime({ maxBlockingThreads: 2, threadKeepAliveMs: 50 });
    let maxQueued = 0;
    const out = await rt.run(function* () {
      const hs = [];
      for (let i = 0; i < 12; i++) hs.push(spawnBlocking((n: number) => n * n, i));
      const m = rt.metrics();
      maxQueued = m.blockingQueueDepth;
      expect(m.blockingThreads).toBeLessThanOrEqual(2);
      let total = 0;
      for (const h of hs) total += yield* h;
      return total;
    });
    expect(out).toBe(506);
    expect(maxQueued).toBeGreaterThan(0);
    const m = rt.metrics();
    expect(m.blockingQueueDepth).toBe(0);
    expect(m.blockingJobsCompleted).toBeGreaterThanOrEqual(12);
    await rt.shutdown();
  });

  it("aborting a queued job removes it from the queue: it never runs", async () => {
    const rt = new Runtime({ maxBlockingThreads: 1, threadKeepAliveMs: 51 });
    const out = await rt.run(function* () {
      const busy = spawnBlocking({ module: WORK, export: "spin" }, 100);
      const queued = spawnBlocking((ms: number) => {
        // Would fail the test by exiting its thread if it ever ran.
        process.exit(ms);
      }, 3);
      yield* yieldNow();
      expect(rt.metrics().blockingQueueDepth).toBe(1);
      queued.abort();
      let cancelled = false;
      try {
        yield* queued;
      } catch (e) {
        cancelled = (e as JoinError).cancelled;
      }
      expect(rt.metrics().blockingQueueDepth).toBe(0);
      return [cancelled, yield* busy];
    });
    expect(out).toEqual([true, 100]);
    const m = rt.metrics();
    expect(m.blockingJobsFailed).toBe(0);
    await rt.shutdown();
  });

  it("terminateOnAbort terminates a running job's thread; the pool keeps working", async () => {
    const rt = new Runtime({ maxBlockingThreads: 1, threadKeepAliveMs: 52 });
    const out = await rt.run(function* () {
      const h = spawnBlocking({ module: WORK, export: "spin", terminateOnAbort: true }, 60_000);
      yield* sleep(50);
      h.abort();
      let cancelled = false;
      try {
        yield* h;
      } catch (e) {
        cancelled = (e as JoinError).cancelled;
      }
      // The only thread was terminated; a new job gets a new one, not a 60 s wait.
      return [cancelled, yield* spawnBlocking((x: number) => x + 1, 1)];
    });
    expect(out).toEqual([true, 2]);
    await rt.shutdown();
  });

  it("a crashing worker fails only its job, and is replaced", async () => {
    const rt = new Runtime({ maxBlockingThreads: 2, threadKeepAliveMs: 53 });
    const out = await rt.run(function* () {
      const exiting = spawnBlocking({ module: WORK, export: "exitNow" }, 3);
      const throwing = spawnBlocking({ module: WORK, export: "throwLater" });
      const fine = spawnBlocking({ module: WORK, export: "sum" }, 4);
      const msgs: string[] = [];
      for (const h of [exiting, throwing]) {
        try {
          yield* h;
        } catch (e) {
          msgs.push(((e as JoinError).cause as Error).message);
        }
      }
      const after = yield* spawnBlocking((x: number) => x * 3, 3);
      return { msgs, fine: yield* fine, after };
    });
    expect(out.msgs[0]).toMatch(/exited.*code 3/);
    expect(out.msgs[1]).toMatch(/threw outside the job: boom outside the job/);
    expect(out.fine).toBe(6);
    expect(out.after).toBe(9);
    expect(rt.metrics().blockingJobsFailed).toBe(2);
    await rt.shutdown();
  });

  it("keeps the event loop serving a 1 ms interval while 4 CPU jobs run", async () => {
    const rt = new Runtime({ maxBlockingThreads: 4, threadKeepAliveMs: 54 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      const out = await rt.run(function* () {
        const jobs = [];
        for (let i = 0; i < 4; i++) jobs.push(spawnBlocking<number>({ module: WORK, export: "spin" }, 200));
        let total = 0;
        for (const j of jobs) total += yield* j;
        return total;
      });
      expect(out).toBe(800);
    } finally {
      clearInterval(timer);
    }
    // Behaviour, not timing: the interval fired during the jobs (blocking inline would allow ~1).
    expect(ticks).toBeGreaterThan(10);
    await rt.shutdown();
  });

  it("reports the pool in runtime.metrics(): idle threads after the work, failures counted", async () => {
    const rt = new Runtime({ maxBlockingThreads: 2, threadKeepAliveMs: 55 });
    const before = rt.metrics();
    expect(before.blockingThreads).toBe(0); // lazy: no thread before the first job
    await rt.run(function* () {
      const a = spawnBlocking((x: number) => x, 1);
      const b = spawnBlocking(() => {
        throw new Error("no");
      });
      yield* a;
      try {
        yield* b;
      } catch {}
    });
    const m = rt.metrics();
    expect(m.blockingThreads).toBeGreaterThanOrEqual(1);
    expect(m.blockingIdleThreads).toBe(m.blockingThreads);
    expect(m.blockingJobsCompleted).toBe(1);
    expect(m.blockingJobsFailed).toBe(1);
    expect(m.blockingQueueDepth).toBe(0);
    await rt.shutdown();
  });

  it("shutdown aborts queued jobs", async () => {
    const rt = new Runtime({ maxBlockingThreads: 1, threadKeepAliveMs: 56 });
    const handles: ReturnType<typeof spawnBlocking>[] = [];
    rt.spawn(function* () {
      handles.push(spawnBlocking({ module: WORK, export: "spin" }, 50));
      for (let i = 0; i < 5; i++) handles.push(spawnBlocking({ module: WORK, export: "exitNow" }, 9));
      yield* sleep(10_000);
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(rt.metrics().blockingQueueDepth).toBe(5);
    await rt.shutdown();
    expect(rt.metrics().blockingQueueDepth).toBe(0);
    expect(handles.every((h) => h.isFinished())).toBe(true);
    expect(rt.metrics().blockingJobsFailed).toBe(0); // none of the exiting jobs ran
  });

  it("a task awaiting a job is not reported as deadlocked", async () => {
    const out = await run(function* () {
      const h = spawn(function* () {
        return yield* spawnBlocking({ module: WORK, export: "spin" }, 30);
      });
      return yield* h;
    });
    expect(out).toBe(30);
  });

  it("idle threads let the process exit on its own (built package)", async () => {
    const script = fileURLToPath(new URL("../../fixtures/blocking/exits.mjs", import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [script], { timeout: 20_000 });
    expect(stdout.trim()).toBe("result 87");
  });
});
