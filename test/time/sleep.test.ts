import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { pending } from "../../src/future/index.js";
import { DeadlockError, Runtime, run } from "../../src/runtime/index.js";
import { type JoinHandle, spawn, yieldNow } from "../../src/task/index.js";
import { Instant, MAX_DURATION_MS, type Sleep, sleep, sleepUntil } from "../../src/time/index.js";

describe("sleep on the paused clock", () => {
  // The paused clock jumps to the next deadline when every task is idle, so a 5 s sleeper costs no
  // real time and its virtual elapsed time is exact.
  it("wakes sleepers across wheel levels in deadline order (1 ms, 63 ms, 65 ms, 5 s)", async () => {
    const realStart = performance.now();
    const order = await run(
      function* () {
        const fired: [number, number][] = [];
        const hs: JoinHandle<void>[] = [];
        for (const ms of [5_000, 65, 1, 63]) {
          hs.push(
            spawn(function* () {
              const start = Instant.now();
              yield* sleep(ms);
              fired.push([ms, start.elapsed()]);
            }),
          );
        }
        for (const h of hs) yield* h;
        return fired;
      },
      { clock: "paused" },
    );
    expect(order.map(([ms]) => ms)).toEqual([1, 63, 65, 5_000]);
    for (const [ms, elapsed] of order) {
      expect(elapsed).toBeGreaterThanOrEqual(ms);
      expect(elapsed).toBeLessThan(ms + 2); // the wheel's 1 ms resolution, no real-time drift
    }
    expect(performance.now() - realStart).toBeLessThan(2_000);
  });
});

describe("sleep on the real clock", () => {
  it("never completes before its deadline", async () => {
    const late = await run(function* () {
      const hs: JoinHandle<number>[] = [];
      for (let i = 0; i < 40; i++) {
        const ms = (i * 7) % 23; // 0..22 ms, several equal
        hs.push(
          spawn(function* () {
            const before = performance.now();
            const s = sleep(ms);
            yield* s;
            const after = performance.now();
            expect(after).toBeGreaterThanOrEqual(s.deadline.ms);
            expect(s.deadline.ms).toBeGreaterThanOrEqual(before + ms);
            return after - before - ms;
          }),
        );
      }
      const out: number[] = [];
      for (const h of hs) out.push(yield* h);
      return out;
    });
    for (const l of late) expect(l).toBeGreaterThanOrEqual(0);
  });

  it("aborting 100,000 sleeping tasks empties the wheel and leaves no Node timer", async () => {
    // In a clean child process: the test runner's own timers would blur a count of Node timers.
    const fixture = fileURLToPath(new URL("./fixtures/abort-many.mjs", import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [fixture, "100000"], { timeout: 15_000 });
    const r = JSON.parse(stdout);
    expect(r.pendingWhileSleeping).toBe(100_000);
    expect(r.timersWhileSleeping).toBe(r.before + 1); // ONE Node timer for all of them
    expect(r.timersAfterAbort).toBe(r.before);
    expect([r.pendingAfter, r.cancelled, r.fired]).toEqual([0, 100_000, 0]);
    expect(r.timersAfterShutdown).toBe(r.before);
  });

  it("counts registrations, cancellations and firings in metrics()", async () => {
    const rt = new Runtime();
    await rt.run(function* () {
      const hs: JoinHandle<void>[] = [];
      for (let i = 0; i < 100; i++) hs.push(spawn(sleep(60_000)));
      const quick = spawn(sleep(30));
      while (rt.metrics().timersRegistered < 101) yield* yieldNow();
      expect(rt.metrics().timersPending).toBe(101);
      for (const h of hs) h.abort();
      for (const h of hs) {
        try {
          yield* h;
        } catch {}
      }
      yield* quick;
    });
    const m = rt.metrics();
    expect([m.timersRegistered, m.timersFired, m.timersCancelled, m.timersPending]).toEqual([101, 1, 100, 0]);
    await rt.shutdown();
  });

  it("keeps the process alive while a sleep is pending, and lets it exit afterwards", async () => {
    const fixture = fileURLToPath(new URL("./fixtures/keep-alive.mjs", import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [fixture], { timeout: 10_000 });
    expect(stdout.trim().split("\n")).toEqual(["spawned", "slept 30 ms", "exit"]);
  });
});

describe("sleep: arguments and errors", () => {
  it("throws outside a runtime, naming the fix", () => {
    expect(() => sleep(10)).toThrow(/sleep\(\) was called outside a pollux runtime.*run\(function\*/s);
    expect(() => sleepUntil(Instant.now())).toThrow(/outside a pollux runtime/);
  });

  it("rejects negative, NaN and infinite durations with a RangeError naming the value", async () => {
    await run(function* () {
      expect(() => sleep(-5)).toThrow(RangeError);
      expect(() => sleep(-5)).toThrow(/must not be negative; got -5 ms/);
      expect(() => sleep(Number.NaN)).toThrow(/NaN/);
      expect(() => sleep(Number.POSITIVE_INFINITY)).toThrow(/Infinity.*pending\(\)/);
      expect(() => sleep(Number.NEGATIVE_INFINITY)).toThrow(RangeError);
      expect(() => sleep("10" as never)).toThrow(TypeError);
      expect(() => sleep("10" as never)).toThrow(/got string "10" \(use 10\)/);
      expect(() => sleepUntil(1_000 as never)).toThrow(/expected an Instant; got the number 1000/);
    });
  });

  it("clamps durations beyond the wheel's span (about 2.18 years)", async () => {
    await run(
      function* () {
        const now = Instant.now();
        expect(sleep(10 * 365 * 86_400_000).deadline.ms).toBe(now.ms + MAX_DURATION_MS);
        expect(sleepUntil(now.add(1e15)).deadline.ms).toBe(now.ms + MAX_DURATION_MS);
        expect(MAX_DURATION_MS / 86_400_000 / 365).toBeCloseTo(2.18, 2);
      },
      { clock: "paused" },
    );
  });

  it("completes at once, without touching the wheel, when the deadline has passed", async () => {
    const rt = new Runtime({ clock: "paused" });
    await rt.run(function* () {
      const past = Instant.now().add(-10);
      yield* sleepUntil(past);
      yield* sleep(0);
    });
    expect(rt.metrics().timersRegistered).toBe(0);
    await rt.shutdown();
  });

  it("spends coop budget when already elapsed, so a loop of them lets other tasks run", async () => {
    const rt = new Runtime({ clock: "paused", budget: 16 });
    await rt.run(function* () {
      let other = 0;
      const h = spawn(function* () {
        other++;
      });
      const past = Instant.now();
      for (let i = 0; i < 100; i++) yield* sleepUntil(past);
      expect(other).toBe(1); // the other task ran in between
      yield* h;
    });
    expect(rt.metrics().budgetYields).toBeGreaterThan(0);
    await rt.shutdown();
  });
});

describe("Sleep.reset and deadline", () => {
  it("moves a pending sleep later or earlier", async () => {
    await run(
      function* () {
        const start = Instant.now();
        const s = sleep(100);
        expect(s.deadline.ms).toBe(start.ms + 100);
        const h = spawn(function* () {
          yield* s;
          return start.elapsed();
        });
        yield* sleep(10);
        s.reset(start.add(300)); // later
        expect(yield* h).toBe(300);

        const s2 = sleep(1_000);
        const h2 = spawn(function* () {
          yield* s2;
          return start.elapsed();
        });
        yield* sleep(10);
        s2.reset(Instant.now().add(5)); // earlier
        expect(yield* h2).toBe(315);
      },
      { clock: "paused" },
    );
  });

  it("wakes the awaiting task at once when reset to a passed deadline", async () => {
    await run(
      function* () {
        const start = Instant.now();
        const s = sleep(60_000);
        const h = spawn(function* () {
          yield* s;
          return start.elapsed();
        });
        yield* sleep(1);
        s.reset(start);
        expect(yield* h).toBe(1);
        expect(s.isElapsed).toBe(true);
      },
      { clock: "paused" },
    );
  });

  it("makes a completed sleep pending again, so one Sleep serves as a restartable timer", async () => {
    const rt = new Runtime({ clock: "paused" });
    await rt.run(function* () {
      const start = Instant.now();
      const s: Sleep = sleep(10);
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        yield* s;
        times.push(start.elapsed());
        s.reset(Instant.now().add(10));
        expect(s.isElapsed).toBe(false);
      }
      expect(times).toEqual([10, 20, 30]);
    });
    const m = rt.metrics();
    expect([m.timersRegistered, m.timersFired, m.timersCancelled, m.timersPending]).toEqual([3, 3, 0, 0]);
    await rt.shutdown();
  });
});

describe("deadlock detection with timers", () => {
  it("a pending sleep is not a deadlock; a task waiting on nothing is", async () => {
    await expect(
      run(
        function* () {
          yield* sleep(3_600_000);
          return "woke";
        },
        { clock: "paused" },
      ),
    ).resolves.toBe("woke");
    await expect(
      run(
        function* () {
          yield* sleep(5);
          yield* pending();
        },
        { clock: "paused" },
      ),
    ).rejects.toBeInstanceOf(DeadlockError);
  });

  it("describes a sleeping task in reports", async () => {
    const rt = new Runtime({ clock: "paused" });
    await rt.run(function* () {
      spawn(sleep(250), { name: "napper" });
      yield* yieldNow();
      yield* yieldNow();
      const t = rt.tasks().find((x) => x.name === "napper");
      expect(t?.awaits).toBe("sleep (due in 250 ms)");
    });
    await rt.shutdown();
  });
});
