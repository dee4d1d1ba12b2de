import { describe, expect, it } from "vitest";
import { pending } from "../../src/future/index.js";
import { run } from "../../src/runtime/index.js";
import { type AbortHandle, JoinError, spawn, yieldNow } from "../../src/task/index.js";

describe("JoinHandle.abortHandle()", () => {
  it("aborts the task while the JoinHandle stays its awaiter; finally runs", async () => {
    const log: string[] = [];
    const err = await run(function* () {
      const h = spawn(
        function* () {
          try {
            yield* pending();
          } finally {
            yield* yieldNow();
            log.push("cleaned");
          }
        },
        { name: "victim" },
      );
      const ah = h.abortHandle();
      expect(ah.id).toBe(h.id);
      expect(ah.name).toBe("victim");
      expect(ah.isFinished()).toBe(false);
      // Someone else cancels through the abort handle while we await the join handle.
      spawn(function* () {
        yield* yieldNow();
        ah.abort();
        ah.abort(); // idempotent
      });
      try {
        yield* h;
      } catch (e) {
        expect(ah.isFinished()).toBe(true);
        return e;
      }
    });
    expect(err).toBeInstanceOf(JoinError);
    expect((err as JoinError).cancelled).toBe(true);
    expect(log).toEqual(["cleaned"]);
  });

  it("after completion, abort() does nothing and the output is kept", async () => {
    const out = await run(function* () {
      const h = spawn(function* () {
        return 42;
      });
      const ah = h.abortHandle();
      yield* yieldNow();
      expect(ah.isFinished()).toBe(true);
      ah.abort();
      return yield* h;
    });
    expect(out).toBe(42);
  });

  it("cannot be awaited or steal the join: it is not a future", async () => {
    await run(function* () {
      const h = spawn(pending());
      const ah: AbortHandle = h.abortHandle();
      expect(Symbol.iterator in (ah as object)).toBe(false);
      expect("poll" in (ah as object)).toBe(false);
      expect(String(ah)).toBe(`AbortHandle(task #${h.id})`);
      expect(h.abortHandle() === ah).toBe(false); // a fresh handle per call, like Tokio's
      ah.abort();
    });
  });
});
