/**
 * Adversarial: the timer wheel and its driver under hostile mixes. Far-future deadlines (days,
 * years, past 2^31 ms, at and past the 2^36 - 1 ms clamp) mixed with near ones, on paused and real
 * clocks; thousands of equal deadlines cancelled from inside other timers' wakes; wakers that
 * cancel their whole slot or register new timers while the wheel is firing; `Sleep.reset` storms
 * checked against a model.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Context, PENDING } from "../../src/future/index.js";
import { Runtime, run } from "../../src/runtime/index.js";
import { type JoinHandle, spawn, yieldNow } from "../../src/task/index.js";
import { Instant, MAX_DURATION_MS, type Sleep, sleep } from "../../src/time/index.js";
import { expectQuiet, prng } from "./helpers.js";

const DAY = 86_400_000;
const durationArb = fc.oneof(
  fc.integer({ min: 0, max: 130 }), // level 0 and 1 boundaries
  fc.integer({ min: 0, max: 300_000 }),
  fc.constantFrom(63, 64, 65, 4095, 4096, 4097, 262_143, 262_144, 16_777_216, 1_073_741_824),
  fc.integer({ min: 1, max: 3 * 365 }).map((d) => d * DAY), // days to years
  fc.constantFrom(2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 2 ** 32 + 7, MAX_DURATION_MS - 1, MAX_DURATION_MS),
  fc.constantFrom(MAX_DURATION_MS + 1, 2 ** 40, 1e15), // clamped
);

/** A waker that records that it was called (and can run an action). */
class Probe implements Context {
  calls = 0;
  constructor(private readonly action: () => void = () => {}) {}
  get waker() {
    return this;
  }
  wake(): void {
    this.calls++;
    this.action();
  }
}

describe("far and near deadlines, paused clock", () => {
  it("every sleep completes exactly at its (clamped) deadline, in deadline order (fast-check)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(durationArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 12 }),
        async (chains) => {
          const wakes: { task: number; step: number; at: number; expected: number }[] = [];
          const rt = new Runtime({ clock: "paused" });
          await rt.run(function* () {
            const t0 = Instant.now().ms;
            const hs = chains.map((chain, task) =>
              spawn(function* () {
                let expected = 0;
                for (const [step, ms] of chain.entries()) {
                  expected += Math.min(ms, MAX_DURATION_MS);
                  yield* sleep(ms);
                  wakes.push({ task, step, at: Instant.now().ms - t0, expected });
                }
              }),
            );
            for (const h of hs) yield* h;
          });
          await rt.shutdown();
          expect(wakes.map((w) => w.at)).toEqual(wakes.map((w) => w.expected));
          const times = wakes.map((w) => w.at);
          expect(times).toEqual([...times].sort((a, b) => a - b)); // never out of order
          expectQuiet(rt);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("a timer registered while the wheel sits just before a top-level lap boundary fires on time", async () => {
    const out = await run(
      function* () {
        const t0 = Instant.now().ms;
        const at: number[] = [];
        // Move the wheel close to the end of its span, then add timers that wrap the ring.
        yield* sleep(MAX_DURATION_MS - 5);
        const hs: JoinHandle<void>[] = [];
        for (const ms of [1, 10, 64, MAX_DURATION_MS, 2 ** 35, 2 ** 31 + 3]) {
          hs.push(
            spawn(function* () {
              yield* sleep(ms);
              at.push(Instant.now().ms - t0 - (MAX_DURATION_MS - 5));
            }),
          );
        }
        for (const h of hs) yield* h;
        return at;
      },
      { clock: "paused" },
    );
    expect(out).toEqual([1, 10, 64, 2 ** 31 + 3, 2 ** 35, MAX_DURATION_MS]);
  });
});

describe("far and near deadlines, real clock", () => {
  it("near timers fire while far ones (past 2^31 ms, clamped) wait; no overflow warning; no Node timer left", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    const timeoutsBefore = process.getActiveResourcesInfo().filter((k) => k === "Timeout").length;
    const rt = new Runtime();
    try {
      const order = await rt.run(function* () {
        const order: number[] = [];
        const far = [2 ** 31 + 1, 2 ** 33, MAX_DURATION_MS, 1e15, 40 * DAY].map((ms) =>
          spawn(function* () {
            yield* sleep(ms);
            order.push(ms);
          }),
        );
        const near = [9, 1, 5, 3, 7].map((ms) =>
          spawn(function* () {
            yield* sleep(ms);
            order.push(ms);
          }),
        );
        for (const h of near) yield* h;
        expect(rt.metrics().timersPending).toBe(far.length);
        for (const h of far) h.abort();
        yield* yieldNow();
        return order;
      });
      expect(order).toEqual([1, 3, 5, 7, 9]);
      expect(rt.metrics().timersPending).toBe(0);
    } finally {
      await rt.shutdown();
      process.off("warning", onWarning);
    }
    await new Promise((r) => setImmediate(r));
    expect(warnings).not.toContain("TimeoutOverflowWarning");
    expect(process.getActiveResourcesInfo().filter((k) => k === "Timeout").length).toBeLessThanOrEqual(
      timeoutsBefore,
    );
    expectQuiet(rt);
  });
});

describe("cancelling timers from inside other timers' wakes", () => {
  it("5,000 equal deadlines, each waker cancelling random others: no cancelled timer fires, the rest fire once", async () => {
    const n = 5_000;
    const random = prng(1234);
    const rt = new Runtime({ clock: "paused" });
    const sleeps: Sleep[] = [];
    const probes: Probe[] = [];
    const cancelled = new Set<number>();
    await rt.run(function* () {
      for (let i = 0; i < n; i++) {
        sleeps.push(sleep(10));
        probes.push(
          new Probe(() => {
            for (let k = 0; k < 3; k++) {
              const j = (random() * n) | 0;
              if (probes[j]!.calls === 0 && !cancelled.has(j)) {
                sleeps[j]!.cancel();
                cancelled.add(j);
              }
            }
          }),
        );
      }
      for (let i = 0; i < n; i++) expect(sleeps[i]!.poll(probes[i]!)).toBe(PENDING);
      yield* sleep(20);
    });
    await rt.shutdown();
    expect(cancelled.size).toBeGreaterThan(1000);
    for (let i = 0; i < n; i++) expect(probes[i]!.calls).toBe(cancelled.has(i) ? 0 : 1);
    const m = rt.metrics();
    expect(m.timersFired).toBe(n - cancelled.size + 1); // + main's own sleep(20)
    expect(m.timersCancelled).toBe(cancelled.size);
    expectQuiet(rt);
  });

  it("the first waker of a slot cancels every other timer of that slot: only it fires", async () => {
    const rt = new Runtime({ clock: "paused" });
    const sleeps: Sleep[] = [];
    const probes: Probe[] = [];
    await rt.run(function* () {
      for (let i = 0; i < 1_000; i++) {
        sleeps.push(sleep(7));
        probes.push(
          new Probe(() => {
            for (const [j, s] of sleeps.entries()) if (j !== i) s.cancel();
          }),
        );
      }
      for (let i = 0; i < sleeps.length; i++) sleeps[i]!.poll(probes[i]!);
      yield* sleep(8);
    });
    await rt.shutdown();
    expect(probes.map((p) => p.calls).reduce((a, b) => a + b, 0)).toBe(1);
    expect(probes[0]!.calls).toBe(1); // equal deadlines fire in registration order
    expectQuiet(rt);
  });

  it("wakers that register timers while the wheel fires: every one fires, once, in deadline order", async () => {
    // Deadlines are fixed when a Sleep is made; registration happens at its first poll. Each
    // waker registers the next Sleep from inside the wheel's firing loop: some are due already
    // (same tick), some 1 ms later. (Wakers run outside any task, so they cannot call sleep().)
    const rt = new Runtime({ clock: "paused" });
    const fired: number[] = [];
    const n = 500;
    await rt.run(function* () {
      const sleeps = Array.from({ length: n }, (_, k) => sleep(3 + (k >> 1)));
      const probes: Probe[] = [];
      for (let k = 0; k < n; k++) {
        probes.push(
          new Probe(() => {
            fired.push(k);
            const next = k + 1;
            if (next < n && sleeps[next]!.poll(probes[next]!) !== PENDING) probes[next]!.wake();
          }),
        );
      }
      expect(sleeps[0]!.poll(probes[0]!)).toBe(PENDING);
      yield* sleep(1_000);
      for (const s of sleeps) expect(s.isElapsed).toBe(true);
    });
    await rt.shutdown();
    expect(fired).toEqual(Array.from({ length: n }, (_, k) => k));
    expectQuiet(rt);
  });
});

describe("Sleep.reset storms", () => {
  // A waiter awaits one Sleep; a resetter moves it at even times to odd deadlines (no ties between
  // the reset and the deadline), earlier or later, past ones included. Model: the waiter wakes at
  // the first moment the current deadline is reached.
  const resetArb = fc.array(
    fc.record({
      gap: fc.integer({ min: 0, max: 10 }).map((g) => 2 * g),
      offset: fc.integer({ min: -20, max: 40 }),
    }),
    { maxLength: 25 },
  );

  it("the sleep completes exactly when its latest deadline is reached, never before (fast-check)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 30 }), resetArb, async (first, resets) => {
        const odd = (x: number) => (x % 2 === 0 ? x + 1 : x);
        // Model. Resets at the same moment (gap 0) happen back to back, before the waiter runs:
        // only the last one of such a group counts (a fired Sleep that is reset is pending again).
        const at = (t: number, offset: number) => Math.max(t, t + odd(offset)); // past: due now
        let deadline = odd(first);
        let t = 0;
        let i = 0;
        let expectedWake: number;
        for (;;) {
          if (i >= resets.length || deadline < t + resets[i]!.gap) {
            expectedWake = deadline;
            break;
          }
          t += resets[i]!.gap;
          deadline = at(t, resets[i++]!.offset);
          while (i < resets.length && resets[i]!.gap === 0) deadline = at(t, resets[i++]!.offset);
          if (deadline <= t) {
            expectedWake = t;
            break;
          }
        }

        const rt = new Runtime({ clock: "paused" });
        const woke = await rt.run(function* () {
          const t0 = Instant.now().ms;
          const s = sleep(odd(first));
          let done = false;
          const waiter = spawn(function* () {
            yield* s;
            done = true;
            return Instant.now().ms - t0;
          });
          spawn(function* () {
            for (const r of resets) {
              yield* sleep(r.gap);
              if (done) return;
              const now = Instant.now().ms;
              const target = now + odd(r.offset);
              s.reset(Instant.fromMillis(target < now ? now - 1 : target));
            }
          });
          return yield* waiter;
        });
        await rt.shutdown();
        expect(woke).toBe(expectedWake);
        expectQuiet(rt);
      }),
      { numRuns: 200 },
    );
  });

  it("resetting a cancelled or completed sleep registers nothing", async () => {
    const rt = new Runtime({ clock: "paused" });
    await rt.run(function* () {
      const s = sleep(100);
      const h = spawn(function* () {
        yield* s;
      });
      yield* yieldNow();
      h.abort();
      yield* yieldNow();
      for (let i = 0; i < 100; i++) s.reset(Instant.now().add(i));
      const done = sleep(1);
      yield* done;
      done.reset(Instant.now().add(1_000_000));
      yield* sleep(2);
    });
    await rt.shutdown();
    expectQuiet(rt);
  });

  it("1,000 tasks resetting each other's sleeps at random: every sleep ends, none early", async () => {
    const random = prng(99);
    const rt = new Runtime({ clock: "paused" });
    const early: string[] = [];
    await rt.run(function* () {
      const sleeps: Sleep[] = [];
      const hs: JoinHandle<void>[] = [];
      for (let i = 0; i < 1_000; i++) {
        const s = sleep(1 + (i % 50));
        sleeps.push(s);
        hs.push(
          spawn(function* () {
            for (let round = 0; round < 3; round++) {
              const target = sleeps[(random() * sleeps.length) | 0]!;
              target.reset(Instant.now().add((random() * 60) | 0));
              yield* yieldNow();
            }
            yield* s;
            if (Instant.now().ms < s.deadline.ms) early.push(`sleep ${i} completed before its deadline`);
          }),
        );
      }
      for (const h of hs) yield* h;
    });
    await rt.shutdown();
    expect(early).toEqual([]);
    expectQuiet(rt);
  });
});
