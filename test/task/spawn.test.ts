import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { asyncFn, fromPromise, pending, ready } from "../../src/future/index.js";
import { Runtime, run } from "../../src/runtime/index.js";
import { JoinError, type JoinHandle, spawn, yieldNow } from "../../src/task/index.js";
import { Trigger } from "../helpers.js";

const double = asyncFn(function* (n: number) {
  yield* yieldNow();
  return n * 2;
});

describe("spawn and join", () => {
  it("accepts a Future, a generator object and a generator function", async () => {
    const out = await run(function* () {
      const a = spawn(ready(1));
      const b = spawn(double(1));
      const c = spawn(
        (function* () {
          return 3;
        })(),
      );
      const d = spawn(function* () {
        return 4;
      });
      return [yield* a, yield* b, yield* c, yield* d];
    });
    expect(out).toEqual([1, 2, 3, 4]);
  });

  it("rejects a promise or a plain function with a message naming the fix", async () => {
    await run(function* () {
      expect(() => spawn(Promise.resolve(1) as never)).toThrow(/got a Promise.*fromPromise/);
      expect(() => spawn((() => 1) as never)).toThrow(/got a plain function.*function\*/);
      expect(() => spawn(1 as never)).toThrow(/got number 1/);
    });
  });

  it("runs spawned tasks in FIFO order", async () => {
    const order: number[] = [];
    await run(function* () {
      const hs: JoinHandle<void>[] = [];
      for (let i = 0; i < 5; i++) {
        hs.push(
          spawn(function* () {
            order.push(i);
          }),
        );
      }
      for (const h of hs) yield* h;
    });
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it("gives each task a unique id and its name; isFinished follows completion", async () => {
    await run(function* () {
      const a = spawn(double(1), { name: "a" });
      const b = spawn(double(2));
      expect(a.id).not.toBe(b.id);
      expect(a.name).toBe("a");
      expect(b.name).toBeUndefined();
      expect(a.isFinished()).toBe(false);
      yield* a;
      expect(a.isFinished()).toBe(true);
      expect(yield* a).toBe(2); // awaiting a finished handle again gives the result again
      yield* b;
    });
  });

  it("a JoinHandle has one awaiter; a second concurrent awaiter gets a clear error", async () => {
    const msg = await run(function* () {
      const gate = new Trigger<number>();
      const h = spawn(gate);
      const first = spawn(function* () {
        return yield* h;
      });
      yield* yieldNow();
      try {
        yield* h;
      } catch (e) {
        gate.fire(1);
        yield* first;
        return (e as Error).message;
      }
    });
    expect(msg).toMatch(/already awaited elsewhere/);
  });
});

describe("abort", () => {
  it("before the first poll: the body never runs, the handle reports cancelled", async () => {
    let ran = false;
    const err = await run(function* () {
      const h = spawn(function* () {
        ran = true;
      });
      h.abort();
      try {
        yield* h;
      } catch (e) {
        return e;
      }
    });
    expect(ran).toBe(false);
    expect(err).toBeInstanceOf(JoinError);
    expect((err as JoinError).cancelled).toBe(true);
  });

  it("while awaiting: the awaited leaf is cancelled and finally runs", async () => {
    const leaf = new Trigger<void>();
    let cleaned = false;
    const err = await run(function* () {
      const h = spawn(function* () {
        try {
          yield* leaf;
        } finally {
          cleaned = true;
        }
      });
      yield* yieldNow();
      h.abort();
      h.abort(); // idempotent
      try {
        yield* h;
      } catch (e) {
        return e as JoinError;
      }
    });
    expect(leaf.cancelled).toBe(true);
    expect(cleaned).toBe(true);
    expect(err?.cancelled).toBe(true);
    expect(err?.cause).toBeUndefined();
  });

  it("after completion: the task keeps its result", async () => {
    const out = await run(function* () {
      const h = spawn(double(4));
      yield* h;
      h.abort();
      return yield* h;
    });
    expect(out).toBe(8);
  });

  it("a task that completes in the same poll in which it is aborted keeps its result", async () => {
    const out = await run(function* () {
      let self: JoinHandle<string> | undefined;
      const h = spawn(function* () {
        self!.abort(); // takes effect only at the next suspension, which never comes
        return "finished";
      });
      self = h;
      return yield* h;
    });
    expect(out).toBe("finished");
  });

  it("a self-abort takes effect at the next suspension", async () => {
    const log: string[] = [];
    const err = await run(function* () {
      let self: JoinHandle<void> | undefined;
      const h = spawn(function* () {
        try {
          self!.abort();
          log.push("still running after abort()");
          yield* yieldNow();
          log.push("never");
        } finally {
          log.push("finally");
        }
      });
      self = h;
      try {
        yield* h;
      } catch (e) {
        return e as JoinError;
      }
    });
    expect(log).toEqual(["still running after abort()", "finally"]);
    expect(err?.cancelled).toBe(true);
  });

  it("cancelling a task that awaits a JoinHandle detaches from it; the child keeps running", async () => {
    const gate = new Trigger<number>();
    const out = await run(function* () {
      const child = spawn(gate, { name: "child" });
      const waiter = spawn(function* () {
        return yield* child;
      });
      yield* yieldNow();
      waiter.abort();
      yield* fromPromise(() => new Promise((r) => setImmediate(r)));
      expect(waiter.isFinished()).toBe(true);
      expect(child.isFinished()).toBe(false);
      gate.fire(5);
      return yield* child;
    });
    expect(out).toBe(5);
  });
});

describe("unobserved failures", () => {
  it("are reported through onTaskError with the task and the error, never swallowed", async () => {
    const reports: { error: unknown; id: number; name: string | undefined }[] = [];
    const rt = new Runtime({ onTaskError: (error, task) => reports.push({ error, ...task }) });
    const boom = new Error("nobody listens");
    await rt.run(function* () {
      spawn(
        function* () {
          yield* yieldNow();
          throw boom;
        },
        { name: "fire-and-forget" },
      );
      yield* fromPromise(() => new Promise((r) => setTimeout(r, 5)));
    });
    expect(rt.metrics().tasksFailed).toBe(1);
    // While its handle may still be awaited, the failure is not reported; at the latest the
    // shutdown reports it (or the garbage collector, once the handle is unreachable: see below).
    await rt.shutdown();
    expect(reports).toHaveLength(1);
    expect(reports[0]!.error).toBe(boom);
    expect(reports[0]!.name).toBe("fire-and-forget");
  });

  it("are reported once the dropped handle is garbage-collected, before shutdown", async () => {
    const fixture = fileURLToPath(new URL("../fixtures/unobserved-gc.mjs", import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", fixture], {
      timeout: 15_000,
    });
    expect(stdout.trim()).toBe("reported before shutdown: dropped and failed");
  });

  it("are not reported when the handle is awaited", async () => {
    const reports: unknown[] = [];
    const rt = new Runtime({ onTaskError: (e) => reports.push(e) });
    await rt.run(function* () {
      const h = spawn(function* () {
        yield* yieldNow();
        throw new Error("seen");
      });
      try {
        yield* h;
      } catch {}
    });
    await rt.shutdown();
    expect(reports).toEqual([]);
  });

  it("the default reporter writes one line naming the task to stderr", async () => {
    const lines: string[] = [];
    const orig = console.error;
    console.error = (...args: unknown[]) => lines.push(args.map(String).join(" "));
    try {
      await run(
        function* () {
          spawn(
            function* () {
              throw new Error("oops");
            },
            { name: "bg" },
          );
          yield* yieldNow();
          yield* yieldNow();
        },
        { instrument: false }, // counts stderr lines: no slow-poll line on a loaded machine
      );
    } finally {
      console.error = orig;
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/task #2 "bg" failed and nobody awaited its JoinHandle/);
    expect(lines[0]).toMatch(/oops/);
  });

  it("a failed task never crashes the runtime: other tasks keep running", async () => {
    const out = await run(
      function* () {
        spawn(function* () {
          throw new Error("x");
        });
        const h = spawn(double(21));
        return yield* h;
      },
      { onTaskError: () => {} },
    );
    expect(out).toBe(42);
  });
});

describe("outside a runtime", () => {
  it("spawn and yieldNow throw an error that says to call them inside run()", () => {
    expect(() => spawn(ready(1))).toThrow(/spawn\(\) was called outside a pollux runtime.*run\(/);
    expect(() => yieldNow()).toThrow(/yieldNow\(\) was called outside a pollux runtime/);
  });

  it("awaiting a future in a generator iterated by hand names the fix", () => {
    const gen = (function* () {
      yield* ready(1);
    })();
    expect(() => gen.next()).toThrow(/outside a pollux task/);
  });

  it("Runtime.spawn works from plain JavaScript callbacks", async () => {
    const rt = new Runtime();
    const out = await new Promise<number>((resolve) => {
      setTimeout(() => {
        const h = rt.spawn(double(5));
        void rt.run(function* () {
          resolve(yield* h);
        });
      }, 1);
    });
    expect(out).toBe(10);
    await rt.shutdown();
  });
});

describe("run and shutdown", () => {
  it("run cancels tasks still alive when main returns, running their finally blocks first", async () => {
    const log: string[] = [];
    const out = await run(function* () {
      spawn(function* () {
        try {
          yield* pending();
        } finally {
          yield* yieldNow();
          log.push("background cleaned up");
        }
      });
      yield* yieldNow();
      return "main done";
    });
    expect(out).toBe("main done");
    expect(log).toEqual(["background cleaned up"]);
  });

  it("spawn after shutdown is a clear error", async () => {
    const rt = new Runtime();
    await rt.run(ready(1));
    await rt.shutdown();
    expect(() => rt.spawn(ready(1))).toThrow(/shut down/);
  });

  it("bad runtime options are rejected with the option named", () => {
    expect(() => new Runtime({ budget: 0 })).toThrow(/budget must be a positive integer; got 0/);
    expect(() => new Runtime({ eventInterval: 1.5 })).toThrow(/eventInterval/);
    expect(() => new Runtime({ yieldAfterMs: -1 })).toThrow(
      /yieldAfterMs must be a finite number >= 0; got -1/,
    );
    expect(() => new Runtime({ clock: "fast" as never })).toThrow(/clock must be "real" or "paused"/);
    expect(() => new Runtime({ budgit: 1 } as never)).toThrow(/unknown Runtime option "budgit"/);
  });
});
