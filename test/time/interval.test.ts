// Intervals on the paused clock: exact virtual times make the missed-tick rules visible.
import { describe, expect, it } from "vitest";
import { Runtime, run } from "../../src/runtime/index.js";
import { spawn } from "../../src/task/index.js";
import {
  Elapsed,
  Instant,
  type Interval,
  interval,
  intervalAt,
  type MissedTickBehavior,
  sleep,
  timeout,
} from "../../src/time/index.js";

const paused = { clock: "paused" } as const;

/**
 * Take a first tick, then stall for `stall` ms, then take `n` more ticks. Returns for each later
 * tick `[scheduled, completedAt]`, relative to the start.
 */
function scenario(missedTick: MissedTickBehavior | undefined, stall: number, n: number) {
  return run(function* () {
    const start = Instant.now();
    const iv = interval(10, missedTick === undefined ? undefined : { missedTick });
    const first = yield* iv.tick();
    expect(first.ms - start.ms).toBe(0);
    expect(start.elapsed()).toBe(0);
    yield* sleep(stall);
    const out: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      const at = yield* iv.tick();
      out.push([at.ms - start.ms, start.elapsed()]);
    }
    return out;
  }, paused);
}

describe("interval", () => {
  it("ticks at once, then every period, without drift", async () => {
    const ticks = await run(function* () {
      const start = Instant.now();
      const iv = interval(25);
      const out: number[] = [];
      for (let i = 0; i < 5; i++) {
        yield* iv.tick();
        out.push(start.elapsed());
        yield* sleep(7); // work shorter than a period does not shift the schedule
      }
      return out;
    }, paused);
    expect(ticks).toEqual([0, 25, 50, 75, 100]);
  });

  it('"burst" (the default) fires missed ticks back to back, then keeps the schedule', async () => {
    expect(await scenario(undefined, 35, 5)).toEqual([
      [10, 35],
      [20, 35],
      [30, 35],
      [40, 40],
      [50, 50],
    ]);
  });

  it('"delay" fires once, then restarts the schedule one period later', async () => {
    expect(await scenario("delay", 35, 3)).toEqual([
      [10, 35],
      [45, 45],
      [55, 55],
    ]);
  });

  it('"skip" fires once, then continues on the original schedule', async () => {
    expect(await scenario("skip", 35, 3)).toEqual([
      [10, 35],
      [40, 40],
      [50, 50],
    ]);
  });

  it("treats a tick noticed up to 5 ms late as on time (no drift from timer jitter)", async () => {
    expect(await scenario("delay", 13, 3)).toEqual([
      [10, 13],
      [20, 20],
      [30, 30],
    ]);
  });

  it("loses no tick when a pending tick() is dropped", async () => {
    const got = await run(function* () {
      const start = Instant.now();
      const iv = interval(10);
      yield* iv.tick();
      try {
        yield* timeout(3, iv.tick()); // gives up before the tick at 10
      } catch (e) {
        expect(e).toBeInstanceOf(Elapsed);
      }
      const at = yield* iv.tick();
      return [at.ms - start.ms, start.elapsed()];
    }, paused);
    expect(got).toEqual([10, 10]);
  });

  it("reset() restarts the schedule one period from now", async () => {
    const got = await run(function* () {
      const start = Instant.now();
      const iv = interval(10);
      yield* iv.tick();
      yield* sleep(4);
      iv.reset();
      yield* iv.tick();
      const a = start.elapsed();
      yield* iv.tick();
      return [a, start.elapsed()];
    }, paused);
    expect(got).toEqual([14, 24]);
  });

  it("intervalAt starts at the given instant; missedTick can be changed later", async () => {
    const got = await run(function* () {
      const start = Instant.now();
      const iv: Interval = intervalAt(start.add(100), 50);
      expect(iv.missedTick).toBe("burst");
      yield* iv.tick();
      const first = start.elapsed();
      iv.missedTick = "skip";
      yield* sleep(120);
      yield* iv.tick(); // 150 missed, noticed at 220: fires now
      yield* iv.tick(); // then 250 (skip)
      return [first, start.elapsed()];
    }, paused);
    expect(got).toEqual([100, 250]);
  });

  it("keeps its schedule on the real clock too (ticks never early)", async () => {
    await run(function* () {
      const iv = interval(5);
      const first = yield* iv.tick();
      for (let i = 1; i <= 4; i++) {
        const at = yield* iv.tick();
        expect(at.ms).toBe(first.ms + 5 * i);
        expect(performance.now()).toBeGreaterThanOrEqual(at.ms);
      }
    });
  });

  it("several intervals in one runtime tick in a stable order", async () => {
    const log = await run(function* () {
      const start = Instant.now();
      const out: string[] = [];
      const hs = [
        ["x", 6],
        ["y", 4],
      ].map(([name, period]) =>
        spawn(function* () {
          const iv = interval(period as number);
          for (let i = 0; i < 4; i++) {
            yield* iv.tick();
            out.push(`${name}${start.elapsed()}`);
          }
        }),
      );
      for (const h of hs) yield* h;
      return out;
    }, paused);
    expect(log).toEqual(["x0", "y0", "y4", "x6", "y8", "x12", "y12", "x18"]);
  });

  it("rejects a bad period or option with a message naming the value", async () => {
    await run(function* () {
      expect(() => interval(0)).toThrow(/greater than 0 ms; got 0/);
      expect(() => interval(-10)).toThrow(/must not be negative; got -10 ms/);
      expect(() => interval(Number.NaN)).toThrow(RangeError);
      expect(() => interval(10, { missedTick: "later" as never })).toThrow(
        /missedTick must be "burst", "delay" or "skip"; got "later"/,
      );
      expect(() => interval(10, { missedTicks: "skip" } as never)).toThrow(/unknown option "missedTicks"/);
      const iv = interval(10);
      expect(() => {
        iv.missedTick = "none" as never;
      }).toThrow(RangeError);
      expect(() => intervalAt(5 as never, 10)).toThrow(/expected an Instant/);
    });
    expect(() => interval(10)).toThrow(/outside a pollux runtime/);
  });

  it("unregisters its timer when the awaiting task is aborted", async () => {
    const rt = new Runtime(paused);
    await rt.run(function* () {
      const h = spawn(function* () {
        const iv = interval(1_000);
        for (;;) yield* iv.tick();
      });
      yield* sleep(1);
      expect(rt.metrics().timersPending).toBe(1);
      h.abort();
      try {
        yield* h;
      } catch {}
      expect(rt.metrics().timersPending).toBe(0);
    });
    await rt.shutdown();
  });
});
