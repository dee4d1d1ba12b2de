import { describe, expect, it } from "vitest";
import { asyncFn, pending, ready } from "../../src/future/index.js";
import { Runtime, run } from "../../src/runtime/index.js";
import { spawn, yieldNow } from "../../src/task/index.js";
import { Elapsed, Instant, sleep, timeout, timeoutAt } from "../../src/time/index.js";
import { Trigger } from "../helpers.js";

const paused = { clock: "paused" } as const;

describe("timeout", () => {
  it("returns the inner output when it finishes in time, and unregisters its timer", async () => {
    const rt = new Runtime(paused);
    const out = await rt.run(function* () {
      const start = Instant.now();
      const v = yield* timeout(100, function* () {
        yield* sleep(30);
        return "done";
      });
      return [v, start.elapsed()];
    });
    expect(out).toEqual(["done", 30]);
    const m = rt.metrics();
    // The inner sleep fired; the timeout's own timer was registered then cancelled.
    expect([m.timersRegistered, m.timersFired, m.timersCancelled, m.timersPending]).toEqual([2, 1, 1, 0]);
    await rt.shutdown();
  });

  it("never registers a timer when the inner future is ready at once", async () => {
    const rt = new Runtime(paused);
    const out = await rt.run(function* () {
      return [
        yield* timeout(10, ready(1)),
        yield* timeout(0, ready(2)),
        yield* timeout(5, function* () {
          return 3;
        }),
      ];
    });
    expect(out).toEqual([1, 2, 3]);
    expect(rt.metrics().timersRegistered).toBe(0);
    await rt.shutdown();
  });

  it("lets a ready inner future win even when the deadline has passed too", async () => {
    const out = await run(function* () {
      // Both due at 50: the inner future is polled first.
      return yield* timeout(50, function* () {
        yield* sleep(50);
        return "inner";
      });
    }, paused);
    expect(out).toBe("inner");
  });

  it("throws Elapsed carrying the duration, after cancelling the inner future (finally runs)", async () => {
    const log: string[] = [];
    const e = await run(function* () {
      const start = Instant.now();
      try {
        yield* timeout(200, function* () {
          try {
            yield* sleep(1_000);
            log.push("inner finished");
          } finally {
            log.push(`finally@${start.elapsed()}`);
          }
        });
      } catch (err) {
        log.push(`caught@${start.elapsed()}`);
        return err;
      }
    }, paused);
    expect(log).toEqual(["finally@200", "caught@200"]);
    expect(e).toBeInstanceOf(Elapsed);
    expect(e).toBeInstanceOf(Error);
    const el = e as Elapsed;
    expect(el.name).toBe("Elapsed");
    expect(el.ms).toBe(200);
    expect(el.message).toMatch(/within 200 ms/);
  });

  it("drives an async finally of the inner future to completion before throwing", async () => {
    const log: string[] = [];
    await run(function* () {
      const start = Instant.now();
      try {
        yield* timeout(10, function* () {
          try {
            yield* pending();
          } finally {
            yield* sleep(5); // async cleanup
            log.push(`cleaned@${start.elapsed()}`);
          }
        });
      } catch (err) {
        expect(err).toBeInstanceOf(Elapsed);
        log.push(`caught@${start.elapsed()}`);
      }
    }, paused);
    expect(log).toEqual(["cleaned@15", "caught@15"]);
  });

  it("throws the error of a failing cleanup instead of Elapsed", async () => {
    const err = await run(function* () {
      try {
        yield* timeout(10, function* () {
          try {
            yield* pending();
          } finally {
            // biome-ignore lint/correctness/noUnsafeFinally: the point of the test
            throw new Error("cleanup failed");
          }
        });
      } catch (e) {
        return e;
      }
    }, paused);
    expect(String(err)).toMatch(/cleanup failed/);
  });

  it("passes an error of the inner future through and unregisters its timer", async () => {
    const rt = new Runtime(paused);
    const err = await rt.run(function* () {
      try {
        yield* timeout(100, function* () {
          yield* sleep(1);
          throw new Error("inner failed");
        });
      } catch (e) {
        return e;
      }
    });
    expect(String(err)).toMatch(/inner failed/);
    expect(rt.metrics().timersPending).toBe(0);
    await rt.shutdown();
  });

  it("cancels the inner future and its timer when the timeout itself is dropped", async () => {
    const rt = new Runtime(paused);
    const inner = new Trigger<number>();
    await rt.run(function* () {
      const h = spawn(timeout(1_000, inner));
      yield* yieldNow();
      expect(inner.waiting).toBe(true);
      expect(rt.metrics().timersPending).toBe(1);
      h.abort();
      try {
        yield* h;
      } catch {}
    });
    expect(inner.cancelled).toBe(true);
    expect(rt.metrics().timersPending).toBe(0);
    await rt.shutdown();
  });

  it("timeoutAt shares one deadline between several steps", async () => {
    const out = await run(function* () {
      const start = Instant.now();
      const deadline = start.add(100);
      yield* timeoutAt(deadline, sleep(60));
      try {
        yield* timeoutAt(deadline, sleep(60));
        return "no";
      } catch (e) {
        expect(e).toBeInstanceOf(Elapsed);
        expect((e as Elapsed).ms).toBe(40); // from the call (at 60) to the deadline
        expect((e as Elapsed).deadline.ms).toBe(deadline.ms);
        return start.elapsed();
      }
    }, paused);
    expect(out).toBe(100);
  });

  it("accepts async fn calls and keeps the output type", async () => {
    const fetchUser = asyncFn(function* (id: number) {
      yield* sleep(5);
      return { id, name: "ada" };
    });
    const user = await run(function* () {
      const u = yield* timeout(50, fetchUser(7));
      return u.name;
    }, paused);
    expect(user).toBe("ada");
  });

  it("on the real clock, a timeout never fires before its deadline", async () => {
    await run(function* () {
      for (const ms of [1, 3, 8]) {
        const before = performance.now();
        try {
          yield* timeout(ms, pending());
        } catch (e) {
          expect(e).toBeInstanceOf(Elapsed);
          expect(performance.now() - before).toBeGreaterThanOrEqual(ms);
        }
      }
    });
  });

  it("rejects bad arguments with messages naming the value and the fix", async () => {
    await run(function* () {
      expect(() => timeout(-1, ready(1))).toThrow(/must not be negative; got -1 ms/);
      expect(() => timeout(Number.POSITIVE_INFINITY, ready(1))).toThrow(/Infinity/);
      expect(() => timeout(10, 42 as never)).toThrow(/timeout\(\) expects a Future.*got number 42/);
      expect(() => timeout(10, Promise.resolve(1) as never)).toThrow(/fromPromise/);
      expect(() => timeoutAt(10 as never, ready(1))).toThrow(
        /timeoutAt\(\): expected an Instant; got the number 10/,
      );
    });
    expect(() => timeout(10, ready(1))).toThrow(/timeout\(\) was called outside a pollux runtime/);
  });

  it("describes itself in deadlock reports", async () => {
    const rt = new Runtime(paused);
    await rt.run(function* () {
      spawn(timeout(500, new Trigger<void>()), { name: "guarded" });
      yield* yieldNow();
      yield* yieldNow();
      expect(rt.tasks().find((t) => t.name === "guarded")?.awaits).toBe("timeout (due in 500 ms) of Trigger");
    });
    await rt.shutdown();
  });
});
