// The paused clock: virtual time that jumps to the next deadline when nothing can run.
import { describe, expect, it } from "vitest";
import { fromPromise } from "../../src/future/index.js";
import { Runtime, run } from "../../src/runtime/index.js";
import { type JoinHandle, spawn, yieldNow } from "../../src/task/index.js";
import { advance, Elapsed, Instant, sleep, timeout } from "../../src/time/index.js";

const paused = { clock: "paused" } as const;

describe("paused clock: auto-advance", () => {
  it("fires sleeps across every wheel level in order, each at its exact virtual time", async () => {
    const fired = await run(function* () {
      const start = Instant.now();
      const log: [number, number][] = [];
      const hs: JoinHandle<void>[] = [];
      for (const ms of [5 * 3_600_000, 65, 1, 5_000, 63]) {
        hs.push(
          spawn(function* () {
            yield* sleep(ms);
            log.push([ms, start.elapsed()]);
          }),
        );
      }
      for (const h of hs) yield* h;
      return log;
    }, paused);
    expect(fired).toEqual([
      [1, 1],
      [63, 63],
      [65, 65],
      [5_000, 5_000],
      [5 * 3_600_000, 5 * 3_600_000],
    ]);
  });

  it("interleaves several sleeping tasks in the same order on every run", async () => {
    function* worker(name: string, ms: number, times: number, log: string[], start: Instant) {
      for (let i = 0; i < times; i++) {
        yield* sleep(ms);
        log.push(`${name}@${start.elapsed()}`);
      }
    }
    const once = () =>
      run(function* () {
        const log: string[] = [];
        const start = Instant.now();
        const hs = [
          spawn(worker("a", 10, 3, log, start)),
          spawn(worker("b", 15, 2, log, start)),
          spawn(worker("c", 7, 4, log, start)),
          spawn(worker("d", 30, 1, log, start)),
        ];
        for (const h of hs) yield* h;
        return log;
      }, paused);
    const first = await once();
    // Equal deadlines fire in registration order: at 30, d (registered at 0), b (at 15), a (at 20).
    expect(first).toEqual(["c@7", "a@10", "c@14", "b@15", "a@20", "c@21", "c@28", "d@30", "b@30", "a@30"]);
    for (let i = 0; i < 5; i++) expect(await once()).toEqual(first);
  });

  it("finishes a one-hour timeout at once, in virtual time", async () => {
    const e = await run(function* () {
      try {
        yield* timeout(3_600_000, sleep(24 * 3_600_000));
        return null;
      } catch (err) {
        return err;
      }
    }, paused);
    expect(e).toBeInstanceOf(Elapsed);
    expect((e as Elapsed).ms).toBe(3_600_000);
  });

  it("stands still while tasks run, and moves only when none can", async () => {
    const seen = await run(function* () {
      const t0 = Instant.now();
      let woke = -1;
      spawn(function* () {
        yield* sleep(1);
        woke = t0.elapsed();
      });
      const during: number[] = [];
      const spin = performance.now() + 5;
      while (performance.now() < spin) {} // 5 ms of real time
      for (let i = 0; i < 50; i++) {
        yield* yieldNow(); // runnable all along: the clock must not move
        during.push(t0.elapsed());
      }
      const sleeperRanBeforeIdle = woke;
      yield* sleep(2);
      return { during: new Set(during), sleeperRanBeforeIdle, woke, end: t0.elapsed() };
    }, paused);
    expect([...seen.during]).toEqual([0]);
    expect(seen.sleeperRanBeforeIdle).toBe(-1);
    expect(seen.woke).toBe(1);
    expect(seen.end).toBe(2);
  });

  it("works with new Runtime({ clock: 'paused' }) and keeps its own clock", async () => {
    const rt = new Runtime(paused);
    const elapsed = await rt.run(function* () {
      const t = Instant.now();
      yield* sleep(86_400_000);
      return t.elapsed();
    });
    expect(elapsed).toBe(86_400_000);
    await rt.shutdown();
  });

  it("lets promises already settled run before moving time", async () => {
    const winner = await run(function* () {
      return yield* timeout(
        1_000,
        fromPromise(() => Promise.resolve("promise")),
      );
    }, paused);
    expect(winner).toBe("promise");
  });
});

describe("paused clock: advance(ms)", () => {
  it("moves time by hand, firing what is due and running the woken tasks first", async () => {
    await run(function* () {
      const start = Instant.now();
      const log: string[] = [];
      spawn(function* () {
        yield* sleep(10);
        log.push(`sleeper@${start.elapsed()}`);
        spawn(function* () {
          log.push("child ran");
        });
      });
      spawn(function* () {
        yield* sleep(25);
        log.push(`late@${start.elapsed()}`);
      });
      yield* advance(5);
      expect(start.elapsed()).toBe(5);
      expect(log).toEqual([]);
      yield* advance(5);
      expect(start.elapsed()).toBe(10);
      expect(log).toEqual(["sleeper@10", "child ran"]);
      yield* advance(100);
      expect(start.elapsed()).toBe(110);
      expect(log).toEqual(["sleeper@10", "child ran", "late@25"]);
      yield* advance(0);
      expect(start.elapsed()).toBe(110);
    }, paused);
  });

  it("refuses the real clock, and a second advance while one is in progress", async () => {
    await run(function* () {
      expect(() => advance(5)).toThrow(/paused clock.*clock: "paused"/);
    });
    expect(() => advance(5)).toThrow(/outside a pollux runtime/);
    await run(function* () {
      expect(() => advance(-1)).toThrow(RangeError);
      const other = spawn(advance(1_000));
      yield* yieldNow();
      let error: unknown;
      try {
        yield* advance(5);
      } catch (e) {
        error = e;
      }
      expect(String(error)).toMatch(/already in progress/);
      yield* other;
    }, paused);
  });

  it("an abandoned advance does not hold the clock", async () => {
    const end = await run(function* () {
      const t = Instant.now();
      const h = spawn(advance(50));
      yield* yieldNow();
      h.abort();
      try {
        yield* h;
      } catch {}
      yield* sleep(3);
      return t.elapsed();
    }, paused);
    expect(end).toBe(3);
  });
});
