import { describe, expect, expectTypeOf, it } from "vitest";
import { asyncFn, type Future, pending } from "../../src/future/index.js";
import { scope as rootScope } from "../../src/index.js";
import { run } from "../../src/runtime/index.js";
import { type JoinError, type Scope, scope, spawn, yieldNow } from "../../src/task/index.js";
import { sleep, timeout } from "../../src/time/index.js";

const finishes = asyncFn(function* (name: string, yields: number, log: string[]) {
  for (let i = 0; i < yields; i++) yield* yieldNow();
  log.push(`${name} done`);
});

const parked = asyncFn(function* (name: string, log: string[]) {
  try {
    yield* pending();
  } finally {
    yield* yieldNow(); // async cleanup finishes before the scope does
    log.push(`${name} cleaned`);
  }
});

const fails = asyncFn(function* (yields: number, message: string) {
  for (let i = 0; i < yields; i++) yield* yieldNow();
  throw new Error(message);
});

describe("scope", () => {
  it("waits for every child and returns the body's value, typed", async () => {
    const log: string[] = [];
    const out = await run(function* () {
      const v = yield* scope(function* (s) {
        s.spawn(finishes("a", 5, log));
        s.spawn(finishes("b", 1, log));
        return 42;
      });
      log.push("after scope");
      return v;
    });
    expect(out).toBe(42);
    expect(log).toEqual(["b done", "a done", "after scope"]);
    expectTypeOf(
      scope(function* () {
        return "x";
      }),
    ).toEqualTypeOf<Future<string>>();
    expect(rootScope).toBe(scope);
  });

  it("accepts a body that returns a future (an async fn call)", async () => {
    const body = asyncFn(function* (s: Scope) {
      s.spawn(finishes("child", 2, []));
      return "done";
    });
    expect(await run(scope(body))).toBe("done");
  });

  it("is lazy: the body does not run until awaited", async () => {
    let called = false;
    await run(function* () {
      const f = scope(function* () {
        called = true;
      });
      yield* yieldNow();
      expect(called).toBe(false);
      yield* f;
      expect(called).toBe(true);
    });
  });

  it("the first failure cancels the siblings and the body (finally runs) and is thrown as is", async () => {
    const log: string[] = [];
    const err = await run(function* () {
      try {
        yield* scope(function* (s) {
          s.spawn(parked("p1", log));
          s.spawn(parked("p2", log));
          s.spawn(fails(2, "boom"));
          try {
            yield* pending();
          } finally {
            log.push("body cleaned");
          }
        });
      } catch (e) {
        log.push("caught");
        return e;
      }
    });
    expect((err as Error).message).toBe("boom");
    // Every cleanup (async ones included) ran before the scope threw.
    expect(log.at(-1)).toBe("caught");
    expect(log.sort()).toEqual(["body cleaned", "caught", "p1 cleaned", "p2 cleaned"]);
  });

  it("a failure after the body returned still cancels the siblings", async () => {
    const log: string[] = [];
    await expect(
      run(function* () {
        yield* scope(function* (s) {
          s.spawn(parked("p", log));
          s.spawn(fails(3, "late"));
          return 1;
        });
      }),
    ).rejects.toThrow("late");
    expect(log).toEqual(["p cleaned"]);
  });

  it("a body that throws cancels the children", async () => {
    const log: string[] = [];
    await expect(
      run(function* () {
        yield* scope(function* (s) {
          s.spawn(parked("p", log));
          yield* yieldNow();
          throw new Error("body");
        });
      }),
    ).rejects.toThrow("body");
    expect(log).toEqual(["p cleaned"]);
  });

  it("cancelling the scope (a timeout, an abort) cancels every child, grandchildren included", async () => {
    const log: string[] = [];
    const spawnsGrandchild = asyncFn(function* (s: Scope) {
      s.spawn(parked("grandchild", log));
      yield* pending();
    });
    const out = await run(
      function* () {
        try {
          yield* timeout(
            50,
            scope(function* (s) {
              s.spawn(spawnsGrandchild(s));
              s.spawn(parked("child", log));
              yield* pending();
            }),
          );
        } catch (e) {
          log.push("scope done");
          return (e as Error).name;
        }
      },
      { clock: "paused" },
    );
    expect(out).toBe("Elapsed");
    expect(log.sort()).toEqual(["child cleaned", "grandchild cleaned", "scope done"]);

    const log2: string[] = [];
    await run(function* () {
      const h = spawn(
        scope(function* (s) {
          s.spawn(parked("c", log2));
          yield* pending();
        }),
      );
      yield* yieldNow();
      yield* yieldNow();
      h.abort();
      try {
        yield* h;
      } catch (e) {
        log2.push(`finished ${(e as JoinError).cancelled}`);
      }
    });
    expect(log2).toEqual(["c cleaned", "finished true"]);
  });

  it("a grandchild spawned through the handle is awaited too", async () => {
    const log: string[] = [];
    const parent = asyncFn(function* (s: Scope) {
      yield* sleep(1);
      s.spawn(finishes("grandchild", 3, log));
      log.push("parent done");
    });
    await run(
      function* () {
        yield* scope(function* (s) {
          s.spawn(parent(s));
        });
        log.push("after");
      },
      { clock: "paused" },
    );
    expect(log).toEqual(["parent done", "grandchild done", "after"]);
  });

  it("a child aborted through its handle is not a failure", async () => {
    const log: string[] = [];
    const out = await run(function* () {
      return yield* scope(function* (s) {
        const h = s.spawn(parked("p", log));
        yield* yieldNow();
        h.abort();
        return "ok";
      });
    });
    expect(out).toBe("ok");
    expect(log).toEqual(["p cleaned"]);
  });

  it("spawning into a finished scope throws a clear error; bad input is named", async () => {
    let kept: Scope | undefined;
    await run(function* () {
      yield* scope(function* (s) {
        kept = s;
      });
      expect(() => kept!.spawn(finishes("x", 0, []))).toThrow(/scope has finished/);
    });
    expect(() => scope(42 as never)).toThrow(/scope\(\) expects a function.*got/);
  });
});

/** The lines `work` printed with console.error. */
async function stderrOf(work: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  const orig = console.error;
  console.error = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    await work();
  } finally {
    console.error = orig;
  }
  return lines;
}

describe("onOrphans", () => {
  it("lists the tasks still alive when main returns, once, before they are cancelled", async () => {
    const reports: string[][] = [];
    const log: string[] = [];
    await run(
      function* () {
        spawn(parked("bg", log), { name: "background" });
        yield* yieldNow();
      },
      { onOrphans: (orphans) => reports.push(orphans.map((o) => `${o.label} ${o.awaits}`)) },
    );
    expect(reports).toHaveLength(1);
    expect(reports[0]).toHaveLength(1);
    expect(reports[0]![0]).toMatch(/"background"/);
    expect(log).toEqual(["bg cleaned"]);
  });

  it("says nothing for a program that awaited its tasks, or with onOrphans: false", async () => {
    const reports: unknown[] = [];
    await run(
      function* () {
        const h = spawn(finishes("a", 2, []));
        yield* h;
      },
      { onOrphans: (o) => reports.push(o) },
    );
    expect(reports).toEqual([]);
    const errors = await stderrOf(() =>
      run(
        function* () {
          spawn(parked("bg", []));
          yield* yieldNow();
        },
        // No blocking detection: on a loaded machine it may print a slow-poll line of its own.
        { onOrphans: false, instrument: false },
      ),
    );
    expect(errors).toEqual([]);
  });

  it("default: one line on stderr naming the orphans and the fix", async () => {
    const errors = await stderrOf(() =>
      run(
        function* () {
          spawn(parked("bg", []), { name: "ticker" });
          yield* yieldNow();
        },
        { instrument: false }, // counts stderr lines: no slow-poll line on a loaded machine
      ),
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/main returned with 1 task still alive.*"ticker".*onOrphans: false/);
  });

  it("default: a readable line for thousands of orphans, naming the first 20 and counting the rest", async () => {
    const errors = await stderrOf(() =>
      run(
        function* () {
          for (let i = 0; i < 5_000; i++) spawn(parked("bg", []), { name: `t${i}` });
          yield* yieldNow();
        },
        { instrument: false },
      ),
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/main returned with 5000 tasks still alive/);
    expect(errors[0]).toContain('"t19"');
    expect(errors[0]).not.toContain('"t20"');
    expect(errors[0]).toMatch(/… and 4980 more \(all of them in the onOrphans hook's argument\)/);
    expect(errors[0]!.length).toBeLessThan(4_000);
  });

  it("rejects a bad option with the fix", async () => {
    await expect(() => run(function* () {}, { onOrphans: 1 as never })).rejects.toThrow(
      /onOrphans must be a function/,
    );
  });
});
