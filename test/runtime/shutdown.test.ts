import { describe, expect, it } from "vitest";
import { type Async, fromPromise, pending } from "../../src/future/index.js";
import { Runtime, type TaskTerminateMeta } from "../../src/runtime/index.js";
import { JoinError, type JoinHandle, yieldNow } from "../../src/task/index.js";
import { sleep } from "../../src/time/index.js";
import { Trigger } from "../helpers.js";

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A task whose cleanup (a `finally` that awaits `wait`) records how far it got. */
function* cleanupAwaiting(log: string[], name: string, wait: () => Async<unknown>): Async<void> {
  try {
    yield* pending();
  } finally {
    log.push(`${name} cleanup started`);
    yield* wait();
    log.push(`${name} cleanup finished`);
  }
}

describe("bounded shutdown", () => {
  it("abandons the tasks whose cleanup outlives the timeout and names them; the others finish", async () => {
    const terminated: TaskTerminateMeta[] = [];
    const rt = new Runtime({ clock: "paused", onTaskTerminate: (m) => terminated.push(m) });
    const log: string[] = [];
    const quick = rt.spawn(
      cleanupAwaiting(log, "quick", function* () {
        yield* sleep(500);
      }),
      { name: "quick" },
    );
    const slow = rt.spawn(
      cleanupAwaiting(log, "slow", function* () {
        yield* sleep(60_000);
      }),
      { name: "slow" },
    );
    const never = rt.spawn(
      cleanupAwaiting(log, "never", function* () {
        yield* fromPromise(() => new Promise<void>(() => {}));
      }),
      { name: "never" },
    );
    await rt.run(function* () {
      yield* sleep(1); // every task is parked in pending()
    });
    const report = await rt.shutdown({ timeout: 1_000 });
    expect(report.timedOut).toBe(true);
    expect(report.unfinished.map((t) => [t.id, t.name])).toEqual([
      [slow.id, "slow"],
      [never.id, "never"],
    ]);
    expect(report.unfinished[0]!.awaits).toMatch(/sleep/);
    expect(report.unfinished[0]!.label).toBe(`#${slow.id} "slow"`);
    expect(report.message).toMatch(/timed out after 1000 ms; abandoned 2 tasks.*"slow".*"never"/);
    // The quick cleanup ran to the end; the abandoned ones never resume.
    expect([...log].sort()).toEqual([
      "never cleanup started",
      "quick cleanup finished",
      "quick cleanup started",
      "slow cleanup started",
    ]);
    expect(rt.handle().state).toBe("closed");
    expect(rt.metrics().tasksAlive).toBe(0);
    // Every handle reports a cancellation; hooks saw each termination once.
    for (const h of [quick, slow, never] as JoinHandle<unknown>[]) {
      expect(h.isFinished()).toBe(true);
    }
    const err = await new Runtime()
      .run(function* () {
        return yield* slow;
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JoinError);
    expect((err as JoinError).cancelled).toBe(true);
    const ends = terminated.filter((m) => [quick.id, slow.id, never.id].includes(m.id));
    expect(ends.map((m) => [m.name, m.outcome])).toEqual([
      ["quick", "cancelled"], // finished its cleanup at 500 ms
      ["slow", "cancelled"], // abandoned at 1000 ms, oldest first
      ["never", "cancelled"],
    ]);
    await new Promise((r) => setTimeout(r, 0));
    expect(log).toHaveLength(4);
  });

  it("abandons a cleanup that keeps the runtime busy (real clock); the run queue is emptied", async () => {
    const rt = new Runtime();
    const log: string[] = [];
    rt.spawn(
      cleanupAwaiting(log, "spinner", function* () {
        for (;;) yield* yieldNow();
      }),
      { name: "spinner" },
    );
    await turn();
    const report = await rt.shutdown({ timeout: 5 });
    expect(report.unfinished.map((t) => t.name)).toEqual(["spinner"]);
    expect(report.unfinished[0]!.awaits).toMatch(/yieldNow/);
    const polls = rt.metrics().polls;
    await turn();
    await turn();
    expect(rt.metrics().polls).toBe(polls); // never polled again
    expect(log).toEqual(["spinner cleanup started"]);
  });

  it("leaves no Node timer behind for the abandoned tasks' own timers (the process can exit)", async () => {
    const timers = () => process.getActiveResourcesInfo().filter((k) => k === "Timeout").length;
    const before = timers();
    const rt = new Runtime();
    rt.spawn(
      cleanupAwaiting([], "sleeper", function* () {
        yield* sleep(60_000);
      }),
      { name: "sleeper" },
    );
    await turn();
    const report = await rt.shutdown({ timeout: 5 });
    expect(report.unfinished[0]!.awaits).toMatch(/sleep \(due in \d+ ms\)/);
    await turn();
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it("names the spawn site when blocking detection recorded it", async () => {
    const rt = new Runtime({ clock: "paused", instrument: true });
    rt.spawn(
      cleanupAwaiting([], "stuck", function* () {
        yield* sleep(10_000);
      }),
      { name: "stuck" },
    );
    await turn();
    const report = await rt.shutdown({ timeout: 10 });
    expect(report.unfinished[0]!.spawnSite).toMatch(/shutdown\.test\.ts/);
    expect(report.message).toMatch(/spawned at .*shutdown\.test\.ts/);
  });

  it("reports a complete shutdown when every cleanup finishes in time", async () => {
    const rt = new Runtime({ clock: "paused" });
    const log: string[] = [];
    rt.spawn(
      cleanupAwaiting(log, "t", function* () {
        yield* sleep(999);
      }),
    );
    await turn();
    const report = await rt.shutdown({ timeout: 1_000 });
    expect(report).toMatchObject({ timedOut: false, unfinished: [] });
    expect(log).toEqual(["t cleanup started", "t cleanup finished"]);
    // Without options it stays a Promise<void>, as before.
    expect(await rt.shutdown()).toBeUndefined();
  });

  it("a later shutdown({ timeout }) bounds a shutdown() already in progress", async () => {
    const rt = new Runtime({ clock: "paused" });
    const gate = new Trigger<void>();
    rt.spawn(
      cleanupAwaiting([], "gated", function* () {
        yield* gate;
      }),
      { name: "gated" },
    );
    await rt.run(function* () {
      yield* sleep(1);
    });
    const unbounded = rt.shutdown();
    const report = await rt.shutdown({ timeout: 50 });
    expect(report.unfinished.map((t) => t.name)).toEqual(["gated"]);
    await unbounded; // resolves too: the runtime is closed
  });

  it("timeout 0 abandons at once every cleanup that needs to wait", async () => {
    const rt = new Runtime({ clock: "paused" });
    rt.spawn(
      cleanupAwaiting([], "w", function* () {
        yield* sleep(1);
      }),
      { name: "w" },
    );
    await turn();
    const report = await rt.shutdown({ timeout: 0 });
    expect(report.unfinished.map((t) => t.name)).toEqual(["w"]);
  });

  it("rejects bad options with a message naming the fix", () => {
    const rt = new Runtime();
    expect(() => rt.shutdown({ timeout: -1 })).toThrow(
      /timeout must be a finite number of milliseconds >= 0/,
    );
    expect(() => rt.shutdown({ timeout: Number.NaN })).toThrow(RangeError);
    expect(() => rt.shutdown({ timout: 5 } as never)).toThrow(/unknown shutdown\(\) option "timout"/);
    expect(rt.handle().state).toBe("open");
  });
});

describe("shutdownBackground", () => {
  it("returns at once; the cleanup runs in the background; the runtime then closes", async () => {
    const rt = new Runtime();
    const log: string[] = [];
    rt.spawn(
      cleanupAwaiting(log, "bg", function* () {
        yield* yieldNow();
        yield* yieldNow();
      }),
    );
    await turn();
    expect(rt.shutdownBackground()).toBeUndefined();
    expect(rt.handle().state).toBe("shutting-down");
    expect(log).toEqual([]); // nothing ran synchronously
    for (let i = 0; i < 5 && rt.handle().state !== "closed"; i++) await turn();
    expect(log).toEqual(["bg cleanup started", "bg cleanup finished"]);
    expect(rt.handle().state).toBe("closed");
    expect(() => rt.spawn(function* () {})).toThrow(/shut down/);
  });
});
