import { describe, expect, it } from "vitest";
import { type Async, fromPromise, join, pending } from "../../src/future/index.js";
import { Runtime, run } from "../../src/runtime/index.js";
import * as task from "../../src/task/index.js";
import { JoinError, spawn, yieldNow } from "../../src/task/index.js";

function* reportId(log: string[], tag: string) {
  log.push(`${tag}:${task.id()}`);
  yield* yieldNow();
  log.push(`${tag}:${task.id()}`); // still the same after a suspension
  return task.id();
}

describe("task.id() / task.tryId()", () => {
  it("is the id of the task being polled, the same as its JoinHandle.id, across suspensions", async () => {
    const log: string[] = [];
    const out = await run(function* () {
      const a = spawn(reportId(log, "a"));
      const b = spawn(reportId(log, "b"));
      const main = task.id();
      return { main, a: [a.id, yield* a], b: [b.id, yield* b] };
    });
    expect(out.a[0]).toBe(out.a[1]);
    expect(out.b[0]).toBe(out.b[1]);
    expect(new Set([out.main, out.a[0], out.b[0]]).size).toBe(3);
    expect(log).toEqual([`a:${out.a[0]}`, `b:${out.b[0]}`, `a:${out.a[0]}`, `b:${out.b[0]}`]);
  });

  it("inside join() every branch is polled by the same task", async () => {
    const ids = await run(function* () {
      const [x, y] = yield* join(reportId([], "x"), reportId([], "y"));
      return [task.id(), x, y];
    });
    expect(new Set(ids).size).toBe(1);
  });

  it("inside a finally run by abort it is still the aborted task's id", async () => {
    let inFinally: number | undefined;
    const h = await run(function* () {
      const h = spawn(function* () {
        try {
          yield* pending();
        } finally {
          inFinally = task.id();
          yield* yieldNow();
        }
      });
      yield* yieldNow();
      h.abort();
      try {
        yield* h;
      } catch (e) {
        expect(e).toBeInstanceOf(JoinError);
      }
      return h;
    });
    expect(inFinally).toBe(h.id);
  });

  it("outside a task: id() throws naming tryId(); tryId() is undefined, also in a callback of a live runtime", async () => {
    expect(() => task.id()).toThrow(/outside a task.*tryId\(\)/s);
    expect(task.tryId()).toBeUndefined();
    const rt = new Runtime();
    const inCallback = await rt.run(function* () {
      const inside = task.tryId();
      const later = yield* task.unconstrained(
        (function* () {
          return task.tryId();
        })(),
      );
      return [inside, later, yield* waitForCallback()];
    });
    expect(inCallback[0]).toBeTypeOf("number");
    expect(inCallback[1]).toBe(inCallback[0]);
    expect(inCallback[2]).toBeUndefined();
    await rt.shutdown();
  });
});

/** What tryId() says from a Node callback that runs while a task waits. */
function* waitForCallback(): Async<number | undefined> {
  return yield* fromPromise(
    () => new Promise<number | undefined>((r) => setImmediate(() => r(task.tryId()))),
  );
}
