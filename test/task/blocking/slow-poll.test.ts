import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { asyncFn, FutureBase } from "../../../src/future/index.js";
import { Runtime, type SlowPollInfo } from "../../../src/runtime/index.js";
import { watching } from "../../../src/runtime/poll-watch.js";
import { spawn, yieldNow } from "../../../src/task/index.js";
import { sleep } from "../../../src/time/index.js";

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {}
}

describe("blocking detection", () => {
  it("reports a task that busy-loops 50 ms once, with its name, id and spawn site", async () => {
    const reports: SlowPollInfo[] = [];
    const rt = new Runtime({ onSlowPoll: (i) => reports.push(i) });
    await rt.run(function* () {
      const h = spawn(
        function* () {
          busy(50);
        },
        { name: "hasher" },
      );
      yield* h;
    });
    // Only the busy task: on a loaded machine a first poll (JIT, module loading) may be slow too.
    const mine = reports.filter((i) => i.name === "hasher");
    expect(mine).toHaveLength(1);
    const r = mine[0]!;
    expect(r.name).toBe("hasher");
    // The poll watch measures from when it first saw the poll: a lower bound, ~1 ms short, more
    // when the watcher thread waited for a CPU.
    expect(r.durationMs).toBeGreaterThanOrEqual(25);
    expect(r.durationMs).toBeLessThan(1000);
    expect(r.spawnSite).toMatch(/slow-poll\.test\.ts:\d+:\d+$/);
    expect(r.message).toContain(`#${r.id} "hasher"`);
    expect(r.message).toContain("slow-poll.test.ts");
    expect(r.message).toContain("spawnBlocking");
    expect(r.message).toContain("yieldNow");
    const m = rt.metrics();
    expect(m.slowPolls).toBeGreaterThanOrEqual(1);
    expect(m.longestPollMs).toBeGreaterThanOrEqual(r.durationMs);
    await rt.shutdown();
  });

  it("the watcher thread measures polls once it runs: a lower bound within a few ms", async () => {
    const reports: SlowPollInfo[] = [];
    const rt = new Runtime({ onSlowPoll: (i) => reports.push(i) });
    let elapsed = 0;
    await rt.run(function* () {
      while (!watching()) yield* sleep(5);
      const start = performance.now();
      yield* spawn(
        function* () {
          // Long enough that a watcher thread competing for a CPU on a loaded machine still sees
          // the poll well before its end.
          busy(100);
        },
        { name: "watched" },
      );
      elapsed = performance.now() - start;
    });
    expect(watching()).toBe(true);
    const mine = reports.filter((i) => i.name === "watched");
    expect(mine).toHaveLength(1);
    // At most what the poll took (the watcher saw it start late; the poll is the 100 ms plus what
    // a loaded machine adds), and most of it unless the watcher was starved of CPU.
    expect(mine[0]!.durationMs).toBeLessThanOrEqual(elapsed);
    expect(mine[0]!.durationMs).toBeGreaterThan(10);
    await rt.shutdown();
  });

  it("the watcher thread never keeps the process alive", async () => {
    const script = fileURLToPath(new URL("../../fixtures/blocking/watch-exits.mjs", import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [script], { timeout: 20_000 });
    expect(stdout.trim()).toBe("watching true reports 1");
  });

  it("names the spawn site of a task whose root is a hand-written future, not a generator", async () => {
    class Spin extends FutureBase<number> {
      poll(): number {
        busy(30);
        return 7;
      }
    }
    const reports: SlowPollInfo[] = [];
    const rt = new Runtime({ onSlowPoll: (i) => reports.push(i) });
    const out = await rt.run(function* () {
      return yield* spawn(new Spin(), { name: "spin" });
    });
    expect(out).toBe(7);
    const mine = reports.filter((i) => i.name === "spin");
    expect(mine).toHaveLength(1);
    expect(mine[0]!.spawnSite).toMatch(/slow-poll\.test\.ts:\d+:\d+$/);
    await rt.shutdown();
  });

  it("names the spawn site of a task whose nested async fn returned before the slow poll", async () => {
    const inner = asyncFn(function* () {
      yield* yieldNow();
      return 1;
    });
    const reports: SlowPollInfo[] = [];
    const rt = new Runtime({ onSlowPoll: (i) => reports.push(i) });
    const out = await rt.run(function* () {
      return yield* spawn(
        function* () {
          const one = yield* inner(); // pushes a frame, suspends, pops it: the stack is one frame again
          yield* yieldNow();
          busy(30);
          return one;
        },
        { name: "unwound" },
      );
    });
    expect(out).toBe(1);
    const mine = reports.filter((i) => i.name === "unwound");
    expect(mine).toHaveLength(1);
    expect(mine[0]!.spawnSite).toMatch(/slow-poll\.test\.ts:\d+:\d+$/);
    await rt.shutdown();
  });

  it("reports a task at most once per second, however many slow polls", async () => {
    const reports: SlowPollInfo[] = [];
    const rt = new Runtime({ slowPollMs: 5, onSlowPoll: (i) => reports.push(i) });
    await rt.run(function* () {
      for (let i = 0; i < 4; i++) {
        // Well above slowPollMs: the watcher measures from when it first saw the poll, and on a
        // loaded machine it may see it a few ms late.
        busy(25);
        yield* yieldNow();
      }
    });
    expect(reports).toHaveLength(1);
    expect(rt.metrics().slowPolls).toBeGreaterThanOrEqual(4);
    await rt.shutdown();
  });

  it("never reports a well-behaved program", async () => {
    const reports: SlowPollInfo[] = [];
    // 25 ms, not 10: the machine running the tests is shared, and a preempted poll is slow too.
    const rt = new Runtime({ slowPollMs: 25, onSlowPoll: (i) => reports.push(i) });
    await rt.run(function* () {
      const hs = [];
      for (let i = 0; i < 50; i++) {
        hs.push(
          spawn(function* () {
            for (let j = 0; j < 20; j++) yield* yieldNow();
            yield* sleep(1);
          }),
        );
      }
      for (const h of hs) yield* h;
    });
    expect(reports).toEqual([]);
    expect(rt.metrics().slowPolls).toBe(0);
    await rt.shutdown();
  });

  it("the default prints one line on stderr; instrument: false turns detection off", async () => {
    const lines: string[] = [];
    const orig = console.error;
    console.error = (...a: unknown[]) => lines.push(a.join(" "));
    try {
      const on = new Runtime();
      await on.run(function* () {
        busy(40);
      });
      await on.shutdown();
      const off = new Runtime({ instrument: false });
      await off.run(function* () {
        busy(40);
      });
      expect(off.metrics().slowPolls).toBe(0);
      await off.shutdown();
    } finally {
      console.error = orig;
    }
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.at(-1)).toMatch(
      /^pollux: task #1 "main" \(spawned at .*slow-poll\.test\.ts:\d+:\d+\) blocked the event loop/,
    );
  });

  it("is on by default except under NODE_ENV=production, and validates its options", () => {
    const env = process.env.NODE_ENV;
    try {
      process.env.NODE_ENV = "development";
      expect(new Runtime().instrument).toBe("polls");
      process.env.NODE_ENV = "production";
      expect(new Runtime().instrument).toBe(false);
      expect(new Runtime({ instrument: true }).instrument).toBe(true);
    } finally {
      process.env.NODE_ENV = env;
    }
    expect(() => new Runtime({ slowPollMs: -1 })).toThrow(/slowPollMs/);
    expect(() => new Runtime({ instrument: "tasks" as never })).toThrow(
      /instrument must be true .* got "tasks"/,
    );
    expect(() => new Runtime({ onSlowPoll: 3 as never })).toThrow(/onSlowPoll/);
  });
});
