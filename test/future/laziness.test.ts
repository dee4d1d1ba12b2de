import { describe, expect, expectTypeOf, it } from "vitest";
import {
  type AsyncFnFuture,
  asyncFn,
  type Future,
  fromPromise,
  pollFn,
  ready,
} from "../../src/future/index.js";
import { PENDING } from "../../src/future/poll.js";
import { Runtime, run } from "../../src/runtime/index.js";
import { type JoinError, spawn } from "../../src/task/index.js";
import { Trigger } from "../helpers.js";

describe("laziness", () => {
  it("calling an async fn runs nothing until it is polled", async () => {
    const log: string[] = [];
    const work = asyncFn(function* (n: number) {
      log.push(`start ${n}`);
      return n * 2;
    });
    const fut = work(21);
    expect(log).toEqual([]);
    expect(await run(fut)).toBe(42);
    expect(log).toEqual(["start 21"]);
  });

  it("spawn queues the task; it starts only after the spawner suspends", async () => {
    const log: string[] = [];
    await run(function* () {
      const h = spawn(function* () {
        log.push("child");
      });
      log.push("parent before await");
      yield* h;
      log.push("parent after await");
    });
    expect(log).toEqual(["parent before await", "child", "parent after await"]);
  });

  it("fromPromise makes its promise only at the first poll", async () => {
    let made = 0;
    const fut = fromPromise(() => {
      made++;
      return Promise.resolve(5);
    });
    expect(made).toBe(0);
    expect(await run(fut)).toBe(5);
    expect(made).toBe(1);
  });

  it("building a future from pollFn polls nothing", () => {
    let polls = 0;
    pollFn(() => {
      polls++;
      return 1;
    });
    expect(polls).toBe(0);
  });
});

describe("ready fast path", () => {
  it("a future ready at its first poll resumes the generator synchronously: one task poll in all", async () => {
    const rt = new Runtime();
    const inner = asyncFn(function* (x: number) {
      return (yield* ready(x)) + 1;
    });
    const out = await rt.run(function* () {
      let sum = 0;
      for (let i = 0; i < 1000; i++) sum += yield* inner(i);
      return sum;
    });
    expect(out).toBe(500_500);
    const m = rt.metrics();
    expect(m.polls).toBe(1);
    expect(m.wakesInside + m.wakesOutside + m.selfWakes).toBe(0);
    await rt.shutdown();
  });

  it("a pending leaf is re-polled exactly once per wake", async () => {
    const t = new Trigger<number>();
    const rt = new Runtime();
    const p = rt.run(function* () {
      return yield* t;
    });
    await new Promise((r) => setImmediate(r));
    expect(t.polls).toBe(1);
    t.fire(9);
    expect(await p).toBe(9);
    expect(t.polls).toBe(2);
    expect(rt.metrics().polls).toBe(2);
    expect(rt.metrics().wakesOutside).toBe(1);
    await rt.shutdown();
  });
});

describe("typing", () => {
  it("yield* of a future has the future's output type", async () => {
    const f = asyncFn(function* (s: string) {
      return s.length;
    });
    expectTypeOf(f).returns.toEqualTypeOf<AsyncFnFuture<number>>();
    expectTypeOf(f("x")).toMatchTypeOf<Future<number>>();
    await run(function* () {
      const n = yield* f("abc");
      expectTypeOf(n).toEqualTypeOf<number>();
      const r = yield* ready({ a: 1 });
      expectTypeOf(r).toEqualTypeOf<{ a: number }>();
      expect(n).toBe(3);
    });
  });
});

describe("bad input", () => {
  it("asyncFn rejects a function that is not a generator function", () => {
    expect(() => asyncFn((async () => 1) as never)).toThrow(/asyncFn expects a generator function/);
  });

  it("yielding a promise without fromPromise is a clear error", async () => {
    await expect(
      // @ts-expect-error a bare `yield` does not type-check: this test checks the run-time guard
      run(function* () {
        yield Promise.resolve(1);
      }),
    ).rejects.toThrow(/yielded a Promise.*fromPromise/);
  });

  it("`yield fut` without the star is a clear error, catchable in the generator", async () => {
    // @ts-expect-error a bare `yield` does not type-check: this test checks the run-time guard
    const out = await run(function* () {
      try {
        yield ready(1);
      } catch (e) {
        return (e as Error).message;
      }
      return "no error";
    });
    expect(out).toMatch(/with `yield`; await it with `yield\*`/);
  });

  it("the run-time error of a bare `yield` names the task (id and name) and the async fn", async () => {
    function* fetchPage(url: string) {
      yield* ready(url);
      yield ready(2); // the forgotten star
      return url;
    }
    const rt = new Runtime();
    const message = rt.run(function* () {
      // @ts-expect-error fetchPage's yield type is Ready<number>, not Suspend
      const h = spawn(fetchPage("/a"), { name: "crawler" });
      try {
        yield* h;
      } catch (e) {
        return {
          id: h.id,
          message:
            (e as JoinError).cause instanceof Error ? ((e as JoinError).cause as Error).message : String(e),
        };
      }
      return { id: h.id, message: "no error" };
    });
    const { id, message: m } = await message;
    expect(m).toContain(`task #${id} "crawler"`);
    expect(m).toContain("async fn fetchPage");
    expect(m).toMatch(/yielded a future \(Ready\) with `yield`; await it with `yield\*`/);
  });

  it("names an anonymous async fn by the head of its source, even when it ran nested", async () => {
    const anon = asyncFn(
      // @ts-expect-error a bare yield of a value
      function* (n: number) {
        yield n;
        return n;
      },
    );
    const out = await run(function* () {
      try {
        yield* anon(7);
      } catch (e) {
        return (e as Error).message;
      }
      return "no error";
    });
    expect(out).toMatch(/anonymous async fn `function\s*\*\s*\(n\)/);
    expect(out).toMatch(/in task #\d+ "main" yielded 7 with `yield`/);
  });

  it("polling a finished async fn future again is a clear error", async () => {
    const f = asyncFn(function* () {
      return 1;
    })();
    await run(function* () {
      const p = f.poll({ waker: { wake() {} } });
      expect(p).toBe(1);
      expect(() => f.poll({ waker: { wake() {} } })).toThrow(/single-use/);
    });
  });

  it("a pollFn future returning PENDING without a wake is reported as a deadlock", async () => {
    await expect(run(pollFn(() => PENDING))).rejects.toThrow(/deadlock/);
  });
});
