import { describe, expect, expectTypeOf, it } from "vitest";
import { asyncFn, type Future, pending } from "../../src/future/index.js";
import { run } from "../../src/runtime/index.js";
import { type JoinError, spawn, yieldNow } from "../../src/task/index.js";
import { exponential, fixed, Instant, retry, sleep, timeout } from "../../src/time/index.js";

/** An op that fails `failures` times, then returns "ok"; records each attempt's start time. */
function flaky(failures: number, log: number[]) {
  return asyncFn(function* (attempt: number) {
    log.push(attempt);
    yield* sleep(1);
    if (attempt <= failures) throw new Error(`fail ${attempt}`);
    return "ok";
  });
}

describe("retry", () => {
  it("retries failed attempts with an exponential backoff, on the paused clock", async () => {
    const attempts: number[] = [];
    const delays: number[] = [];
    const out = await run(
      function* () {
        const start = Instant.now();
        const v = yield* retry(flaky(3, attempts), {
          attempts: 5,
          backoff: exponential({ base: 100, factor: 2, max: 250 }),
          onRetry: (_e, _n, d) => delays.push(d),
        });
        return [v, +Instant.now() - +start] as const;
      },
      { clock: "paused" },
    );
    expect(out[0]).toBe("ok");
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(delays).toEqual([100, 200, 250]); // capped at max
    expect(out[1]).toBe(4 + 100 + 200 + 250); // four 1 ms attempts plus the waits, in virtual time
    expectTypeOf(retry(flaky(0, []), { attempts: 1 })).toEqualTypeOf<Future<string>>();
  });

  it("throws the last error, unchanged, when the attempts are spent", async () => {
    const attempts: number[] = [];
    await expect(
      run(retry(flaky(10, attempts), { attempts: 3, backoff: fixed(10) }), { clock: "paused" }),
    ).rejects.toThrow("fail 3");
    expect(attempts).toEqual([1, 2, 3]);
  });

  it("retryIf declines an error: it is thrown at once", async () => {
    const attempts: number[] = [];
    await expect(
      run(
        retry(flaky(10, attempts), {
          attempts: 5,
          backoff: fixed(10),
          retryIf: (e, n) => (e as Error).message !== "fail 2" && n < 10,
        }),
        { clock: "paused" },
      ),
    ).rejects.toThrow("fail 2");
    expect(attempts).toEqual([1, 2]);
  });

  it("jitter is deterministic under a seed, and an injected random source is used", async () => {
    const schedule = async (opts: { seed?: number; random?: () => number }) => {
      const delays: number[] = [];
      await run(
        retry(flaky(4, []), {
          attempts: 5,
          backoff: exponential({ base: 100, jitter: 1 }),
          onRetry: (_e, _n, d) => delays.push(d),
          ...opts,
        }),
        { clock: "paused" },
      );
      return delays;
    };
    const a = await schedule({ seed: 7 });
    expect(await schedule({ seed: 7 })).toEqual(a);
    expect(await schedule({ seed: 8 })).not.toEqual(a);
    a.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(100 * 2 ** i);
    });
    expect(await schedule({ random: () => 0.5 })).toEqual([50, 100, 200, 400]);
    expect(exponential({ base: 100, jitter: 0.5 }).delay(1, () => 0.999)).toBeCloseTo(50.05);
  });

  it("cancelling retry cancels the attempt in flight and the wait; no attempt starts after", async () => {
    const log: string[] = [];
    const op = asyncFn(function* (attempt: number) {
      log.push(`start ${attempt}`);
      try {
        if (attempt === 1) throw new Error("first");
        yield* pending();
      } finally {
        log.push(`finally ${attempt}`);
      }
    });
    await run(
      function* () {
        // Cancelled during the attempt: timeout at 50 ms, the second attempt starts at 10 ms.
        try {
          yield* timeout(50, retry(op, { attempts: 3, backoff: fixed(10) }));
        } catch (e) {
          log.push((e as Error).name);
        }
        // Cancelled during the wait.
        const h = spawn(retry(op, { attempts: 3, backoff: fixed(1_000) }));
        yield* sleep(5);
        h.abort();
        try {
          yield* h;
        } catch (e) {
          log.push(`aborted ${(e as JoinError).cancelled}`);
        }
        yield* sleep(5_000);
        yield* yieldNow();
      },
      { clock: "paused" },
    );
    expect(log).toEqual([
      "start 1",
      "finally 1",
      "start 2",
      "finally 2",
      "Elapsed",
      "start 1",
      "finally 1",
      "aborted true",
    ]);
  });

  it("is lazy and needs a fresh future per attempt; bad input is named with the fix", async () => {
    let calls = 0;
    const f = retry(
      () => {
        calls++;
        return flaky(0, [])(1);
      },
      { attempts: 2 },
    );
    expect(calls).toBe(0);
    expect(await run(f, { clock: "paused" })).toBe("ok");
    expect(calls).toBe(1);
    expect(() => retry(flaky(0, [])(1) as never, { attempts: 2 })).toThrow(
      /expects a function returning a fresh future/,
    );
    expect(() => retry(flaky(0, []), { attempts: 0 })).toThrow(/attempts must be an integer ≥ 1.*got 0/);
    expect(() => retry(flaky(0, []), { attempts: 2, backof: fixed(1) } as never)).toThrow(
      /unknown retry\(\) option "backof"/,
    );
    expect(() => retry(flaky(0, []), { attempts: 2, seed: 1, random: Math.random })).toThrow(
      /seed or random/,
    );
    expect(() => exponential({ base: -1 })).toThrow(/must not be negative/);
    expect(() => exponential({ base: 10, jitter: 2 })).toThrow(/jitter must be a number from 0 to 1; got 2/);
    expect(() => fixed(Number.NaN)).toThrow(/NaN/);
  });
});
