/**
 * Adversarial: the exact cancellation rule of docs/guide.md ("Cancellation"), checked through
 * every way a generator can be reached: a task's own body, async fns (`asyncFn`), and plain
 * generator helpers delegated to with `yield* helper()` (which the guide and DESIGN.md say
 * "still works, at V8's cost"); and through every canceller: `abort`, `timeout`, `select`,
 * `tryJoin`, runtime shutdown.
 *
 * The rule: a `finally` entered because of the cancellation runs to completion, awaits included,
 * and then the cancellation continues: NO code after the cancelled `try` runs, in that generator
 * or in any generator that called it.
 */
import { describe, expect, it } from "vitest";
import { asyncFn, pending, type Suspend, select, tryJoin } from "../../src/future/index.js";
import { Runtime, run } from "../../src/runtime/index.js";
import { Semaphore } from "../../src/sync/index.js";
import { type JoinError, spawn, yieldNow } from "../../src/task/index.js";
import { Elapsed, sleep, timeout } from "../../src/time/index.js";
import { expectQuiet } from "./helpers.js";

/** Waits forever; its `finally` (entered by the cancellation) awaits before it ends. */
function* helperWithAsyncFinally(log: string[]): Generator<Suspend, void> {
  try {
    yield* pending();
  } finally {
    log.push("cleanup start");
    yield* sleep(1);
    log.push("cleanup end");
  }
}
const asyncHelper = asyncFn(helperWithAsyncFinally);

type Via = "async fn" | "plain generator";
const call = (via: Via, log: string[]) =>
  via === "async fn" ? asyncHelper(log) : helperWithAsyncFinally(log);

/** A caller whose code after the helper call must never run once the helper was cancelled. */
function* caller(via: Via, log: string[]): Generator<Suspend, string> {
  yield* call(via, log);
  log.push("AFTER the cancelled call");
  yield* sleep(5);
  log.push("AFTER a second await");
  return "completed";
}

const expected = ["cleanup start", "cleanup end"];

describe.each(["async fn", "plain generator"] as const)("a helper called as %s", (via) => {
  // The bug shows only for plain generators; async fns are driven on the task's own frame stack.
  const check = via === "plain generator" ? it.fails : it;

  // KNOWN LIMITATION (plain generators; documented in docs/guide.md, "Cancellation", with the
  // remedy: make helpers whose finally awaits async fns). Task/AsyncFnFuture cancel a frame with `gen.return()`. V8 forwards the
  // return through the native `yield*` chain to the innermost generator; when that generator's
  // `finally` awaits, the driver later resumes the frame with `gen.next()` (frames.ts: resume mode
  // NEXT after a suspension that is not `returnPending`). The innermost generator finishes its
  // `finally` and completes its return, but every generator above it was resumed with `next()`, so
  // each sees its `yield* helper()` complete NORMALLY and keeps running: the rest of the cancelled
  // body executes (more awaits included) while the task is reported cancelled.
  // Expected log: ["cleanup start", "cleanup end"]; actual: also "AFTER the cancelled call" and
  // "AFTER a second await".
  check("abort: the caller's code after the cancelled call never runs", async () => {
    const log: string[] = [];
    const err = await run(
      function* () {
        const h = spawn(caller(via, log));
        yield* yieldNow();
        h.abort();
        try {
          yield* h;
        } catch (e) {
          return e;
        }
      },
      { clock: "paused" },
    );
    expect((err as JoinError).cancelled).toBe(true);
    expect(log).toEqual(expected);
  });

  check("timeout: the timed-out block's code after the cancelled call never runs", async () => {
    const log: string[] = [];
    const err = await run(
      function* () {
        try {
          yield* timeout(3, caller(via, log));
        } catch (e) {
          return e;
        }
      },
      { clock: "paused" },
    );
    expect(err).toBeInstanceOf(Elapsed);
    expect(log).toEqual(expected);
  });

  check("select: the losing branch's code after the cancelled call never runs", async () => {
    const log: string[] = [];
    const key = await run(
      function* () {
        const r = yield* select.biased({ branch: caller(via, log), t: sleep(3) });
        yield* sleep(20); // give a resurrected branch time to show itself
        return r.key;
      },
      { clock: "paused" },
    );
    expect(key).toBe("t");
    expect(log).toEqual(expected);
  });

  check("tryJoin: the cancelled operand's code after the cancelled call never runs", async () => {
    const log: string[] = [];
    const err = await run(
      function* () {
        try {
          yield* tryJoin(caller(via, log), function* () {
            yield* sleep(2);
            throw new Error("sibling failed");
          });
        } catch (e) {
          yield* sleep(20);
          return e;
        }
      },
      { clock: "paused" },
    );
    expect((err as Error).message).toBe("sibling failed");
    expect(log).toEqual(expected);
  });

  check("shutdown: a detached task's code after the cancelled call never runs", async () => {
    const log: string[] = [];
    const rt = new Runtime({ clock: "paused" });
    rt.spawn(caller(via, log));
    await rt.run(function* () {
      yield* sleep(1);
    });
    await rt.shutdown();
    expect(log).toEqual(expected);
    expectQuiet(rt);
  });

  check("a permit taken after the cancelled call is never taken (it would leak past the abort)", async () => {
    const sem = new Semaphore(1);
    const log: string[] = [];
    const reported: unknown[] = [];
    await run(
      function* () {
        const h = spawn(function* () {
          yield* call(via, log);
          // Code a cancelled task must not reach: it takes a permit and parks forever.
          const permit = yield* sem.acquire();
          log.push("took the permit");
          yield* pending();
          permit.release();
        });
        yield* yieldNow();
        h.abort();
        try {
          yield* h;
        } catch {}
      },
      // With the bug, the resurrected task parks in pending() and the shutdown reports it.
      { clock: "paused", onTaskError: (e) => reported.push(e) },
    );
    expect(log).toEqual(expected);
    expect(sem.availablePermits).toBe(1);
    expect(reported).toEqual([]);
  });
});

describe("cancellation through nested async fns", () => {
  const level = asyncFn(function* (depth: number, log: string[]): Generator<Suspend, void> {
    try {
      if (depth === 0) yield* pending();
      else yield* level(depth - 1, log);
      log.push(`level ${depth} continued`);
    } finally {
      yield* sleep(1);
      log.push(`level ${depth} cleaned up`);
    }
  });

  it("every level's async finally runs once, innermost first, and nothing else runs", async () => {
    const log: string[] = [];
    await run(
      function* () {
        const h = spawn(level(20, log));
        yield* sleep(1);
        h.abort();
        h.abort();
        try {
          yield* h;
        } catch (e) {
          expect((e as JoinError).cancelled).toBe(true);
        }
      },
      { clock: "paused" },
    );
    expect(log).toEqual(Array.from({ length: 21 }, (_, i) => `level ${i} cleaned up`));
  });

  it("an abort that lands while a cancellation-entered finally awaits does not cut it", async () => {
    const log: string[] = [];
    await run(
      function* () {
        const h = spawn(level(3, log));
        yield* yieldNow();
        h.abort();
        yield* yieldNow(); // the cleanup is now awaiting its sleep
        h.abort(); // a second abort (and the shutdown below) must not cut it
      },
      { clock: "paused" },
    );
    expect(log).toEqual([0, 1, 2, 3].map((i) => `level ${i} cleaned up`));
  });
});

describe("abort and completion in the same tick", () => {
  it("a task that aborts itself and completes without suspending keeps its result", async () => {
    const out = await run(function* () {
      const box: { h: ReturnType<typeof spawn<number>> | null } = { h: null };
      box.h = spawn(function* () {
        yield* yieldNow();
        box.h!.abort();
        return 42;
      });
      return yield* box.h;
    });
    expect(out).toBe(42);
  });

  it("a task that aborts itself and then awaits is cancelled at that await, its finally runs", async () => {
    const log: string[] = [];
    const err = await run(function* () {
      const box: { h: ReturnType<typeof spawn<number>> | null } = { h: null };
      box.h = spawn(function* () {
        yield* yieldNow();
        try {
          box.h!.abort();
          log.push("still running after abort()");
          yield* yieldNow();
          log.push("not reached");
          return 1;
        } finally {
          log.push("finally");
        }
      });
      try {
        return yield* box.h;
      } catch (e) {
        return e;
      }
    });
    expect((err as JoinError).cancelled).toBe(true);
    expect(log).toEqual(["still running after abort()", "finally"]);
  });

  it("abort after completion keeps the result; abort of a finished task is a no-op", async () => {
    const out = await run(function* () {
      const h = spawn(function* () {
        return "value";
      });
      yield* yieldNow();
      yield* yieldNow();
      expect(h.isFinished()).toBe(true);
      h.abort();
      h.abort();
      return yield* h;
    });
    expect(out).toBe("value");
  });
});
