// Regression tests for the eight reliability faults of issue 8, one `describe` each, in the
// issue's order. Each reproduces the fault as a user met it and asserts the behaviour they rely on.
import { stat } from "node:fs";
import { createConnection, createServer } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fromPromise, PENDING, pending, type Suspend, select } from "../../src/future/index.js";
import type { StallReport } from "../../src/runtime/deadlock.js";
import { DeadlockError, Runtime, run, toPromise } from "../../src/runtime/index.js";
import { mpsc, Semaphore } from "../../src/sync/index.js";
import { JoinError, type JoinHandle, spawn, yieldNow } from "../../src/task/index.js";
import { Elapsed, Instant, sleep, timeout } from "../../src/time/index.js";
import { Trigger } from "../helpers.js";

const throwingWaker = {
  wake(): void {
    throw new Error("bad waker");
  },
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe("1. a timer more than 24.8 days ahead", () => {
  it("arms one capped Node timer: no TimeoutOverflowWarning, no spinning", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    const delays: number[] = [];
    const realSetTimeout = globalThis.setTimeout;
    vi.spyOn(globalThis, "setTimeout").mockImplementation(((fn: () => void, ms?: number) => {
      delays.push(ms ?? 0);
      return realSetTimeout(fn, ms);
    }) as typeof setTimeout);
    try {
      await run(function* () {
        const far = spawn(function* () {
          yield* sleep(1e12); // clamped to the wheel's span (2^36 - 1 ms), far beyond 2^31 - 1
        });
        yield* sleep(100);
        far.abort();
      });
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings).not.toContain("TimeoutOverflowWarning");
    expect(Math.max(...delays)).toBeLessThanOrEqual(2 ** 31 - 1);
    // Spinning re-armed a 1 ms timer ~100 times in 100 ms; capped, the far timer is armed once.
    expect(delays.filter((d) => d > 1000).length).toBeLessThanOrEqual(2);
    expect(delays.length).toBeLessThan(20);
  });

  it("still fires at its deadline (paused clock)", async () => {
    const days30 = 30 * 86_400_000;
    const slept = await run(
      function* () {
        const start = Instant.now();
        yield* sleep(days30);
        return start.elapsed();
      },
      { clock: "paused" },
    );
    expect(slept).toBe(days30);
  });
});

describe("2. wake sources that existed before run()", () => {
  it("a setInterval made before run() that sends on a channel is not a deadlock", async () => {
    const [tx, rx] = mpsc.unbounded<number>();
    const timer = setInterval(() => tx.send(1), 20);
    try {
      const got = await run(function* () {
        return yield* rx.recv();
      });
      expect(got).toBe(1);
    } finally {
      clearInterval(timer);
    }
  });

  it("a node:net server listening before run() is a wake source", async () => {
    const t = new Trigger<string>();
    const server = createServer((socket) => {
      t.fire("connected");
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    setTimeout(() => createConnection(port, "127.0.0.1").on("error", () => {}), 30);
    try {
      expect(await run(t)).toBe("connected");
    } finally {
      server.close();
    }
  });

  it("a second runtime whose timer feeds the first is a wake source", async () => {
    const [tx, rx] = mpsc.unbounded<number>();
    const feeder = new Runtime();
    feeder.spawn(function* () {
      yield* sleep(30);
      tx.send(7);
    });
    expect(
      await run(function* () {
        return yield* rx.recv();
      }),
    ).toBe(7);
    await feeder.shutdown();
  });

  it("is still declared in the plain case, with nothing else alive", async () => {
    const err = await run(function* () {
      yield* pending();
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlockError);
  });

  it("reports a stall, never an error, while only a foreign resource could wake a task", async () => {
    const keepAlive = setInterval(() => {}, 5);
    const t = new Trigger<string>();
    const reports: StallReport[] = [];
    try {
      const out = await run(t, {
        stallAfterMs: 30,
        onStall(report) {
          reports.push(report);
          t.fire("woken after the stall report"); // the program was fine, just slow
        },
      });
      expect(out).toBe("woken after the stall report");
    } finally {
      clearInterval(keepAlive);
    }
    expect(reports).toHaveLength(1);
    expect(reports[0]!.foreign).toContain("Timeout");
    expect(reports[0]!.tasks.map((x) => x.awaits)).toEqual(["Trigger"]);
    expect(reports[0]!.message).toMatch(/may be a deadlock or a long wait.*awaits Trigger/);
  });

  it("rejects bad stall options with a clear error", () => {
    expect(() => new Runtime({ stallAfterMs: -1 })).toThrow(
      /stallAfterMs must be a finite number >= 0; got -1/,
    );
    expect(() => new Runtime({ onStall: 3 as never })).toThrow(/onStall must be a function/);
  });
});

describe("3. promise-driven wakes do not starve Node's timers and IO", () => {
  const CAP = 3_000_000;

  it("a 1 ms setInterval keeps firing under a loop of settled promises", async () => {
    let fired = 0;
    const timer = setInterval(() => fired++, 1);
    let i = 0;
    try {
      await run(function* () {
        for (; i < CAP && fired < 20; i++) yield* fromPromise(() => Promise.resolve(i));
      });
    } finally {
      clearInterval(timer);
    }
    expect(fired).toBeGreaterThanOrEqual(20);
    expect(i).toBeLessThan(CAP);
  });

  it("a pollux sleep and an fs callback complete during the loop", async () => {
    let slept = false;
    let statted = false;
    let i = 0;
    await run(function* () {
      spawn(function* () {
        yield* sleep(10);
        slept = true;
      });
      stat(".", () => {
        statted = true;
      });
      for (; i < CAP && !(slept && statted); i++) yield* fromPromise(() => Promise.resolve(i));
    });
    expect(slept && statted).toBe(true);
    expect(i).toBeLessThan(CAP);
  });
});

describe("4. an abort that lands while a finally is already awaiting", () => {
  it("`using` releases the permit on every path", async () => {
    const sem = new Semaphore(1);
    await run(function* () {
      const h = spawn(function* () {
        using _permit = yield* sem.acquire();
        try {
          yield* sleep(1);
        } finally {
          yield* sleep(10); // the abort lands here: this finally was entered normally
        }
      });
      yield* sleep(5);
      h.abort();
      try {
        yield* h;
      } catch (e) {
        expect((e as JoinError).cancelled).toBe(true);
      }
    });
    expect(sem.availablePermits).toBe(1);
  });

  it("a finally entered because of the cancellation runs to completion, awaits included", async () => {
    const log: string[] = [];
    await run(function* () {
      const h = spawn(function* () {
        try {
          yield* pending();
        } finally {
          yield* sleep(5);
          log.push("after first await");
          yield* sleep(5);
          log.push("cleanup done");
        }
      });
      yield* yieldNow();
      h.abort();
      try {
        yield* h;
      } catch (e) {
        expect((e as JoinError).cancelled).toBe(true);
      }
    });
    expect(log).toEqual(["after first await", "cleanup done"]);
  });

  it("a finally entered normally is cut at its next await (the documented rule)", async () => {
    const log: string[] = [];
    await run(function* () {
      const h = spawn(function* () {
        try {
          yield* sleep(1);
        } finally {
          log.push("finally entered");
          yield* sleep(50);
          log.push("not reached");
        }
      });
      yield* sleep(10);
      h.abort();
      try {
        yield* h;
      } catch (e) {
        expect((e as JoinError).cancelled).toBe(true);
      }
    });
    expect(log).toEqual(["finally entered"]);
  });
});

describe("5. a waker that throws is contained", () => {
  it("thrown while a task completes: reported, and run() settles", async () => {
    const errors: unknown[] = [];
    const out = await run(
      function* () {
        const child = spawn(function* () {
          yield* yieldNow();
          return 1;
        });
        // A hand-written awaiter registers a waker that throws.
        expect(child.poll({ waker: throwingWaker })).toBe(PENDING);
        yield* sleep(5);
        expect(child.isFinished()).toBe(true);
        return "still running";
      },
      { onTaskError: (e) => errors.push(e) },
    );
    expect(out).toBe("still running");
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe("bad waker");
  });

  it("thrown while a timer fires: the rest of the slot fires and the wheel keeps running", async () => {
    const errors: unknown[] = [];
    const out = await run(
      function* () {
        const bad = sleep(5);
        expect(bad.poll({ waker: throwingWaker })).toBe(PENDING);
        yield* sleep(5); // same deadline, same slot, registered after the bad one
        yield* sleep(5); // the Node timer was re-armed
        return "timers still fire";
      },
      { onTaskError: (e) => errors.push(e) },
    );
    expect(out).toBe("timers still fire");
    expect(errors.map((e) => (e as Error).message)).toEqual(["bad waker"]);
  });

  it("thrown while a promise settles: reported, not an unhandled rejection", async () => {
    const errors: unknown[] = [];
    await run(
      function* () {
        const f = fromPromise(() => new Promise((r) => setTimeout(r, 5)));
        expect(f.poll({ waker: throwingWaker })).toBe(PENDING);
        yield* sleep(20);
      },
      { onTaskError: (e) => errors.push(e) },
    );
    expect(errors.map((e) => (e as Error).message)).toEqual(["bad waker"]);
  });
});

describe("6. a handled failure is not reported as unobserved", () => {
  it("a JoinHandle dropped by a select, then selected on again, is not reported", async () => {
    const errors: unknown[] = [];
    const t = new Trigger<void>();
    const caught = await run(
      function* () {
        const h = spawn(function* () {
          yield* t;
          throw new Error("boom");
        });
        // The Tokio idiom: select on the handle in a loop. The first round's tick wins.
        const first = yield* select({ h, tick: sleep(1) });
        expect(first.key).toBe("tick");
        t.fire(); // the task fails while the handle sits between selects
        yield* sleep(5); // several scheduler ticks pass with nobody awaiting it
        try {
          yield* select({ h, tick: sleep(1000) });
        } catch (e) {
          return e;
        }
      },
      { onTaskError: (e) => errors.push(e) },
    );
    expect((caught as JoinError).cause).toEqual(new Error("boom"));
    expect(errors).toEqual([]);
  });

  it("a failure whose dropped handle is never awaited again is reported at shutdown", async () => {
    const errors: unknown[] = [];
    let held: JoinHandle<never> | null = null;
    await run(
      function* () {
        const h = spawn(function* (): Generator<Suspend, never> {
          yield* sleep(5);
          throw new Error("nobody looked");
        });
        held = h;
        try {
          yield* timeout(1, h);
        } catch (e) {
          expect(e).toBeInstanceOf(Elapsed);
        }
        yield* sleep(20);
      },
      { onTaskError: (e) => errors.push(e) },
    );
    expect(held).not.toBeNull();
    expect(errors.map((e) => (e as Error).message)).toEqual(["nobody looked"]);
  });
});

describe("7. beforeExit listeners", () => {
  it("one process-wide listener, however many runs are in flight", async () => {
    const before = process.listenerCount("beforeExit");
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    const triggers = Array.from({ length: 50 }, () => new Trigger<number>());
    const runs = triggers.map((t) => toPromise(t));
    const runtimes = Array.from({ length: 5 }, () => new Runtime());
    const more = runtimes.map((rt) => rt.run(new Trigger<number>()).catch(() => {}));
    expect(process.listenerCount("beforeExit")).toBe(before + 1);
    triggers.forEach((t, i) => {
      t.fire(i);
    });
    expect((await Promise.all(runs)).length).toBe(50);
    await Promise.all(runtimes.map((rt) => rt.shutdown()));
    await Promise.all(more);
    process.off("warning", onWarning);
    expect(process.listenerCount("beforeExit")).toBe(before);
    expect(warnings).not.toContain("MaxListenersExceededWarning");
  });
});

describe("8. any value thrown by a cancellation finally is reported", () => {
  function* throwsUndefinedOnCancel(): Generator<Suspend, void> {
    try {
      yield* pending();
    } finally {
      // biome-ignore lint/correctness/noUnsafeFinally: the fault under test
      throw undefined;
    }
  }

  it("the JoinError says the cleanup threw, even `undefined`", async () => {
    const err = await run(function* () {
      const h = spawn(throwsUndefinedOnCancel);
      yield* yieldNow();
      h.abort();
      try {
        yield* h;
      } catch (e) {
        return e;
      }
    });
    expect(err).toBeInstanceOf(JoinError);
    const je = err as JoinError;
    expect(je.cancelled).toBe(true);
    expect(je.cleanupFailed).toBe(true);
    expect(je.cause).toBeUndefined();
    expect(je.message).toMatch(/was cancelled, and its cleanup threw: undefined/);
  });

  it("unobserved, it is reported", async () => {
    const errors: unknown[] = [];
    await run(
      function* () {
        const h = spawn(throwsUndefinedOnCancel);
        yield* yieldNow();
        h.abort();
        yield* sleep(5);
      },
      { onTaskError: (e) => errors.push(e) },
    );
    expect(errors).toHaveLength(1);
    expect((errors[0] as JoinError).cleanupFailed).toBe(true);
  });
});
