/**
 * pollux/test: simulate, explore and exhaust on small programs whose possible outcomes are known.
 * No timed assertions: the paused clock only.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { type Async, asyncFn } from "../../src/future/index.js";
import { DeadlockError, Runtime } from "../../src/runtime/index.js";
import { Mutex, mpsc } from "../../src/sync/index.js";
import { spawn, yieldNow } from "../../src/task/index.js";
import {
  ExhaustError,
  ExploreError,
  exhaust,
  explore,
  formatTrace,
  SimulationError,
  simulate,
} from "../../src/test/index.js";
import { Instant, sleep } from "../../src/time/index.js";

/** Three workers that each log a step, yield, and log again: many interleavings, no failure. */
function* interleaved(): Async<string> {
  const log: string[] = [];
  const worker = asyncFn(function* (name: string) {
    for (let i = 0; i < 3; i++) {
      log.push(`${name}${i}`);
      yield* yieldNow();
    }
  });
  const hs = ["a", "b", "c"].map((n) => spawn(worker(n), { name: n }));
  for (const h of hs) yield* h;
  return log.join(" ");
}

/** Two tasks read a counter, await, and write it back plus one: a lost update in some orders. */
function* racy(): Async<number> {
  let counter = 0;
  const inc = asyncFn(function* () {
    const v = counter;
    yield* yieldNow();
    counter = v + 1;
  });
  const a = spawn(inc());
  const b = spawn(inc());
  yield* a;
  yield* b;
  if (counter !== 2) throw new Error(`lost update: counter is ${counter}, expected 2`);
  return counter;
}

/** The same with the read-modify-write under a Mutex: correct in every order. */
function* locked(): Async<number> {
  const m = new Mutex(0);
  const inc = asyncFn(function* () {
    using g = yield* m.lock();
    const v = g.value;
    yield* yieldNow();
    g.value = v + 1;
  });
  const a = spawn(inc());
  const b = spawn(inc());
  yield* a;
  yield* b;
  using g = yield* m.lock();
  if (g.value !== 2) throw new Error(`lost update: counter is ${g.value}, expected 2`);
  return g.value;
}

describe("simulate", () => {
  it("the same seed gives the same trace, event for event", async () => {
    const one = await simulate(interleaved, { seed: 1234, trace: true });
    const two = await simulate(interleaved, { seed: 1234, trace: true });
    expect(two.trace).toEqual(one.trace);
    expect(two.value).toBe(one.value);
    expect(one.trace!.length).toBeGreaterThan(20);
    expect(one.choicePoints).toBeGreaterThan(0);
  });

  it("different seeds give different orders", async () => {
    const orders = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) orders.add((await simulate(interleaved, { seed })).value);
    expect(orders.size).toBeGreaterThan(5);
  });

  it("the trace reads as spawns, wakes, polls and completions with the waker named", async () => {
    const { trace } = await simulate(interleaved, { seed: 7, trace: true });
    const text = formatTrace(trace!);
    expect(text).toMatch(/spawn #1 "main" from outside/);
    expect(text).toMatch(/spawn #2 "a" by #1/);
    expect(text).toMatch(/wake #\d "[abc]" by itself/);
    expect(text).toMatch(/done #1 "main": ok/);
    const polls = trace!.filter((e) => e.kind === "poll");
    expect(polls.some((e) => (e.of ?? 0) > 1)).toBe(true);
  });

  it("runs on the paused clock: an hour of sleep takes no time and the trace shows simulated time", async () => {
    const { value, trace } = await simulate(
      function* () {
        const t0 = Instant.now();
        yield* sleep(3_600_000);
        return t0.elapsed();
      },
      { seed: 3, trace: true },
    );
    expect(value).toBe(3_600_000);
    expect(trace!.at(-1)!.at).toBe(3_600_000);
  });

  it("a failure rejects with SimulationError: the original error as cause, the replay call, the trace", async () => {
    const error = await simulate(racy, { seed: 1, trace: true }).catch((e: unknown) => e);
    // Seed 1 may or may not lose the update; find one that does through explore below. Here: shape.
    if (error instanceof SimulationError) {
      expect(error.cause).toBeInstanceOf(Error);
      expect(error.replay).toBe("simulate(main, { seed: 1 })");
      expect(error.trace!.length).toBeGreaterThan(0);
    }
    const dead = await simulate(
      function* () {
        const [tx, rx] = mpsc.channel<number>(1);
        const v = yield* rx.recv(); // the sender is alive and never sends: nothing can wake this
        tx.close();
        return v;
      },
      { seed: 5 },
    ).catch((e: unknown) => e);
    expect(dead).toBeInstanceOf(SimulationError);
    expect((dead as SimulationError).cause).toBeInstanceOf(DeadlockError);
    expect((dead as SimulationError).message).toMatch(/replay: simulate\(main, \{ seed: 5 \}\)/);
  });

  it("a task that fails with nobody awaiting it fails the simulation", async () => {
    const error = await simulate(
      function* () {
        spawn(
          function* () {
            throw new Error("boom in a detached task");
          },
          { name: "detached" },
        );
        yield* sleep(10);
      },
      { seed: 2 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SimulationError);
    expect((error as Error).message).toMatch(/task #2 "detached" failed and nobody awaited it.*boom/);
  });

  it("Math.random is seeded during polls, and restored afterwards", async () => {
    const original = Math.random;
    const draw = function* (): Async<number[]> {
      yield* yieldNow();
      return [Math.random(), Math.random()];
    };
    const a = await simulate(draw, { seed: 11 });
    const b = await simulate(draw, { seed: 11 });
    const c = await simulate(draw, { seed: 12 });
    expect(a.value).toEqual(b.value);
    expect(a.value).not.toEqual(c.value);
    expect(Math.random).toBe(original); // restored once the simulation's drains are over
  });

  it("chaos replays from its seed and inserts yields at await points that would not suspend", async () => {
    // Without chaos this cannot interleave: the receive is always ready, so the task never suspends.
    function* readyRace(): Async<number> {
      let counter = 0;
      const [tx, rx] = mpsc.unbounded<number>();
      tx.send(1);
      tx.send(1);
      const inc = asyncFn(function* () {
        const v = counter;
        yield* rx.recv(); // ready: a message is waiting
        counter = v + 1;
      });
      const a = spawn(inc());
      const b = spawn(inc());
      yield* a;
      yield* b;
      if (counter !== 2) throw new Error(`lost update: ${counter}`);
      return counter;
    }
    await expect(explore(readyRace, { seeds: 300 })).resolves.toEqual(
      expect.objectContaining({ seeds: 300 }),
    );
    const error = await explore(readyRace, { seeds: 1000, chaos: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExploreError);
    const seed = (error as ExploreError).seed;
    expect((error as ExploreError).replay).toBe(`simulate(main, { seed: ${seed}, chaos: true })`);
    const one = await simulate(readyRace, { seed, chaos: true, trace: true }).catch(
      (e: SimulationError) => e.trace,
    );
    const two = await simulate(readyRace, { seed, chaos: true, trace: true }).catch(
      (e: SimulationError) => e.trace,
    );
    expect(Array.isArray(one)).toBe(true);
    expect(two).toEqual(one);
  });

  it("a program that never ends fails after maxPolls instead of spinning forever", async () => {
    let cleaned = false;
    const error = await simulate(
      function* () {
        try {
          for (;;) yield* sleep(15);
        } finally {
          cleaned = true;
        }
      },
      { seed: 1, maxPolls: 1000 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SimulationError);
    expect((error as Error).message).toMatch(/stopped after 1000 task polls.*Raise maxPolls/);
    expect(cleaned).toBe(true);
  });

  it("replays the same trace in other processes (timers, select's random start, channels, chaos)", async () => {
    const fixture = fileURLToPath(new URL("./fixtures/trace.mjs", import.meta.url));
    const inChild = async (seed: number) =>
      (
        await promisify(execFile)(process.execPath, [fixture, String(seed)], { timeout: 30_000 })
      ).stdout.trim();
    const [a, b, c] = await Promise.all([inChild(42), inChild(42), inChild(43)]);
    expect(a.split("\n").length).toBeGreaterThan(50);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    // And in this process (a different module instance, other runtimes made before it).
    const { traceOf } = (await import(fixture)) as { traceOf: (seed: number) => Promise<string> };
    expect(await traceOf(42)).toBe(a);
  });

  it("rejects bad options with the value and the fix", async () => {
    await expect(simulate(interleaved, { seed: 0 })).rejects.toThrow(/positive safe integer.*got 0/);
    await expect(simulate(interleaved, { seed: -3 })).rejects.toThrow(/got -3/);
    await expect(simulate(interleaved, { seed: 1.5 })).rejects.toThrow(/got 1.5/);
    await expect(simulate(interleaved, { seed: "7" as unknown as number })).rejects.toThrow(/got "7"/);
    await expect(simulate(interleaved, {})).rejects.toThrow(/needs a seed/);
    await expect(simulate(interleaved, { seed: 1, chaos: "yes" as unknown as boolean })).rejects.toThrow(
      /chaos must be true or false/,
    );
    await expect(simulate(interleaved, { seed: 1, sed: 2 } as unknown as { seed: number })).rejects.toThrow(
      /unknown simulate\(\) option "sed"/,
    );
    await expect(simulate(interleaved, { choices: [-1] })).rejects.toThrow(/integers >= 0/);
    await expect(simulate(interleaved, { seed: 1, maxPolls: 0 })).rejects.toThrow(/maxPolls.*got 0/);
    // The runtime option behind simulate is internal, and says what to use instead.
    expect(() => new Runtime({ scheduler: {} as never })).toThrow(/use simulate\(main, \{ seed \}\)/);
  });
});

describe("explore", () => {
  it("catches a read-modify-write race within 1,000 seeds, names the seed, and the seed replays it", async () => {
    const error = await explore(racy).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExploreError);
    const e = error as ExploreError;
    expect(e.seed).toBeLessThanOrEqual(1000);
    expect(e.message).toContain(`seed ${e.seed}`);
    expect(e.message).toContain(`replay: simulate(main, { seed: ${e.seed} })`);
    expect(e.cause).toBeInstanceOf(Error);
    expect((e.cause as Error).message).toMatch(/lost update: counter is 1/);
    expect(e.trace!.length).toBeGreaterThan(0);
    expect(e.message).not.toMatch(/warning/);
    // Replaying the seed fails the same way, every time.
    for (let i = 0; i < 3; i++) {
      const again = await simulate(racy, { seed: e.seed }).catch((x: unknown) => x);
      expect(again).toBeInstanceOf(SimulationError);
      expect(((again as SimulationError).cause as Error).message).toBe((e.cause as Error).message);
    }
    // And the seeds before it pass.
    if (e.seed > 1)
      await expect(explore(racy, { seeds: e.seed - 1 })).resolves.toEqual(
        expect.objectContaining({ seeds: e.seed - 1 }),
      );
  });

  it("passes the Mutex version over 10,000 seeds", async () => {
    const result = await explore(locked, { seeds: 10_000 });
    expect(result.seeds).toBe(10_000);
  }, 60_000);

  it("rejects bad input", async () => {
    await expect(explore(racy, { seeds: 0 })).rejects.toThrow(/seeds.*positive integer.*got 0/);
    await expect(explore(racy, { seeds: 2.5 })).rejects.toThrow(/got 2.5/);
    await expect(explore(racy, { firstSeed: -1 })).rejects.toThrow(/firstSeed.*got -1/);
    await expect(explore(racy() as unknown as () => Async<number>)).rejects.toThrow(/a generator object/);
  });
});

describe("exhaust", () => {
  it("finds the race in a two-task program and replays it from its choices", async () => {
    const error = await exhaust(racy).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExhaustError);
    const e = error as ExhaustError;
    expect(e.replay).toBe(`simulate(main, { choices: [${e.choices.join(", ")}] })`);
    expect((e.cause as Error).message).toMatch(/lost update/);
    const again = await simulate(racy, { choices: e.choices }).catch((x: unknown) => x);
    expect(again).toBeInstanceOf(SimulationError);
  });

  it("covers every schedule of the correct two-task program", async () => {
    const result = await exhaust(locked);
    expect(result.complete).toBe(true);
    expect(result.schedules).toBeGreaterThan(1);
    // Bounded below the total: stops and says it did not cover them all.
    const bounded = await exhaust(locked, { maxSchedules: result.schedules - 1 });
    expect(bounded).toEqual({ schedules: result.schedules - 1, complete: false });
  });

  it("every schedule it runs is distinct, and together they are every order of a small program", async () => {
    // Two tasks of two steps each, plus main: the orders of a's and b's steps are the C(4,2) = 6
    // interleavings, each reached by at least one schedule.
    const seen = new Set<string>();
    const result = await exhaust(function* () {
      const log: string[] = [];
      const step = asyncFn(function* (n: string) {
        log.push(`${n}1`);
        yield* yieldNow();
        log.push(`${n}2`);
      });
      const a = spawn(step("a"));
      const b = spawn(step("b"));
      yield* a;
      yield* b;
      seen.add(log.join(""));
    });
    expect(result.complete).toBe(true);
    expect(seen).toEqual(new Set(["a1a2b1b2", "a1b1a2b2", "a1b1b2a2", "b1a1a2b2", "b1a1b2a2", "b1b2a1a2"]));
  });

  it("rejects bad input", async () => {
    await expect(exhaust(racy, { maxSchedules: 0 })).rejects.toThrow(/maxSchedules.*positive integer.*got 0/);
    await expect(exhaust(racy, { maxSchedules: Number.NaN })).rejects.toThrow(/got NaN/);
  });
});
