import { describe, expect, it } from "vitest";
import { run } from "../../src/runtime/index.js";
import { spawn } from "../../src/task/index.js";
import { advance, Instant, interval, pause, resume, sleep } from "../../src/time/index.js";

const paused = { clock: "paused" } as const;

describe("Interval resets (Tokio parity)", () => {
  it("resetImmediately, resetAfter and resetAt move the next tick; the schedule follows it", async () => {
    const out = await run(function* () {
      const t0 = Instant.now().ms;
      const at = () => Instant.now().ms - t0;
      const iv = interval(100);
      const log: number[] = [];
      yield* iv.tick(); // 0
      log.push(at());
      iv.resetAfter(30);
      yield* iv.tick(); // 30
      log.push(at());
      yield* iv.tick(); // 130: one period after the reset tick
      log.push(at());
      yield* sleep(10);
      iv.resetImmediately();
      yield* iv.tick(); // 140, at once
      log.push(at());
      iv.resetAt(Instant.now().add(5));
      yield* iv.tick(); // 145
      log.push(at());
      yield* iv.tick(); // 245
      log.push(at());
      return log;
    }, paused);
    expect(out).toEqual([0, 30, 130, 140, 145, 245]);
  });

  it("a pending tick follows a reset made by another task", async () => {
    const out = await run(function* () {
      const t0 = Instant.now().ms;
      const iv = interval(1_000);
      yield* iv.tick();
      spawn(function* () {
        yield* sleep(10);
        iv.resetImmediately();
      });
      yield* iv.tick();
      return Instant.now().ms - t0;
    }, paused);
    expect(out).toBe(10);
  });

  it("bad arguments name the value", async () => {
    await run(function* () {
      const iv = interval(10);
      expect(() => iv.resetAfter(-1)).toThrow(/resetAfter\(ms\).*-1/);
      expect(() => iv.resetAt(5 as never)).toThrow(/resetAt\(\): expected an Instant; got the number 5/);
    });
  });
});

describe("pause() and resume() (Tokio parity)", () => {
  it("pause() turns a real clock into a paused one: long sleeps finish at once, advance works", async () => {
    const started = performance.now();
    const out = await run(function* () {
      pause();
      const t0 = Instant.now().ms;
      yield* sleep(60_000);
      const slept = Instant.now().ms - t0;
      yield* advance(1_000);
      const advanced = Instant.now().ms - t0;
      expect(() => pause()).toThrow(/already paused/);
      resume();
      const t1 = Instant.now().ms;
      yield* sleep(5); // real time again
      return { slept, advanced, forward: Instant.now().ms - t1 };
    });
    expect(out.slept).toBe(60_000);
    expect(out.advanced).toBe(61_000);
    expect(out.forward).toBeGreaterThanOrEqual(5);
    expect(performance.now() - started).toBeLessThan(30_000); // it did not really wait a minute
  });

  it("resume() keeps the time advanced while paused: Instant.now() never goes backwards", async () => {
    await run(function* () {
      const before = Instant.now().ms;
      yield* advance(10_000);
      resume();
      const after = Instant.now().ms;
      expect(after).toBeGreaterThanOrEqual(before + 10_000);
      expect(() => resume()).toThrow(/not paused/);
      expect(() => advance(1)).toThrow(/call pause\(\) first/);
    }, paused);
  });
});
