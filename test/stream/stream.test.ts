import { describe, expect, expectTypeOf, it } from "vitest";
import { asyncFn, type Future, type Output, PENDING, type Poll, ready } from "../../src/future/index.js";
import { Runtime, run } from "../../src/runtime/index.js";
import {
  END,
  type End,
  fromAsyncIterable,
  fromIterable,
  merge,
  StreamBase,
  toAsyncIterable,
} from "../../src/stream/index.js";
import { spawn, yieldNow } from "../../src/task/index.js";
import { Probe } from "../future/probe.js";
import { Manual } from "./manual.js";

const afterYields = asyncFn(function* <T>(value: T, yields: number) {
  for (let i = 0; i < yields; i++) yield* yieldNow();
  return value;
});

describe("streams: sources and adapters", () => {
  it("fromIterable + map + filter + collect, typed", async () => {
    const s = fromIterable([1, 2, 3, 4, 5])
      .map((n) => n * 10)
      .filter((n) => n !== 30)
      .map(String);
    expectTypeOf<Output<ReturnType<typeof s.collect>>>().toEqualTypeOf<string[]>();
    expect(await run(s.collect())).toEqual(["10", "20", "40", "50"]);
  });

  it("filter with a type guard narrows the item type", () => {
    const s = fromIterable<number | string>([1, "a"]).filter((v): v is string => typeof v === "string");
    expectTypeOf<Output<ReturnType<typeof s.next>>>().toEqualTypeOf<string | End>();
  });

  it("a stream of undefined items is read to its end: next() resolves END only at the end", async () => {
    const out = await run(function* () {
      const s = fromIterable([undefined, 1, undefined]).map((v) => v);
      const got: (number | undefined)[] = [];
      for (let v = yield* s.next(); v !== END; v = yield* s.next()) got.push(v);
      return got;
    });
    expect(out).toEqual([undefined, 1, undefined]);
  });

  it("next() yields items then END, and keeps returning END", async () => {
    const out = await run(function* () {
      const s = fromIterable(["a"]);
      return [yield* s.next(), yield* s.next(), yield* s.next()];
    });
    expect(out).toEqual(["a", END, END]);
  });

  it("is lazy: nothing is pulled before the first poll", async () => {
    let pulled = 0;
    function* source() {
      for (let i = 0; i < 3; i++) {
        pulled++;
        yield i;
      }
    }
    const s = fromIterable(source()).map((n) => n + 1);
    expect(pulled).toBe(0);
    expect(await run(s.collect())).toEqual([1, 2, 3]);
  });

  it("take(n) ends after n items and cancels the stream it wraps", async () => {
    const m = new Manual<number>();
    m.items.push(1, 2, 3, 4);
    expect(await run(m.take(2).collect())).toEqual([1, 2]);
    expect(m.cancelled).toBe(1);
    expect(m.items).toEqual([3, 4]);
    const z = new Manual<number>();
    expect(await run(z.take(0).collect())).toEqual([]);
    expect(z.polls).toBe(0);
  });

  it("chunks(n) groups items and flushes the remainder at the end", async () => {
    expect(await run(fromIterable([1, 2, 3, 4, 5]).chunks(2).collect())).toEqual([[1, 2], [3, 4], [5]]);
    expect(await run(fromIterable([]).chunks(2).collect())).toEqual([]);
  });

  it("chunks waits across suspensions for a full chunk", async () => {
    const m = new Manual<number>();
    const out = await run(function* () {
      const h = spawn(m.chunks(3).collect());
      m.send(1);
      yield* yieldNow();
      m.send(2);
      m.send(3);
      yield* yieldNow();
      m.send(4);
      m.close();
      return yield* h;
    });
    expect(out).toEqual([[1, 2, 3], [4]]);
  });

  it("rejects bad arguments with a message naming the value", () => {
    const s = fromIterable([1]);
    expect(() => s.take(-1)).toThrow(/take\(n\) expects a non-negative integer; got -1/);
    expect(() => s.chunks(0)).toThrow(/chunks\(size\) expects a positive integer; got 0/);
    expect(() => s.map(3 as never)).toThrow(/map\(\) expects a function; got number/);
    expect(() => fromIterable(3 as never)).toThrow(/fromIterable\(\) expects an iterable/);
    expect(() => fromIterable((async function* () {})() as never)).toThrow(/fromAsyncIterable/);
    expect(() => fromAsyncIterable([1] as never)).toThrow(/use fromIterable/);
    expect(() => merge(fromIterable([1]), [2] as never)).toThrow(/merge\(\) argument 2 is not a stream/);
  });
});

describe("streams: concurrency on the consuming task", () => {
  it("buffered(n) runs up to n futures at once and yields in stream order", async () => {
    let running = 0;
    let peak = 0;
    const job = asyncFn(function* (n: number) {
      running++;
      peak = Math.max(peak, running);
      for (let i = 0; i < 5 - n; i++) yield* yieldNow();
      running--;
      return n;
    });
    const rt = new Runtime();
    const out = await rt.run(
      fromIterable([0, 1, 2, 3, 4, 5])
        .map((n) => job(n))
        .buffered(3)
        .collect(),
    );
    expect(out).toEqual([0, 1, 2, 3, 4, 5]);
    expect(peak).toBe(3);
    expect(rt.metrics().tasksSpawned).toBe(1);
    await rt.shutdown();
  });

  it("buffered is typed by the futures' output", () => {
    const s = fromIterable([1])
      .map((n) => afterYields(String(n), 0))
      .buffered(2);
    expectTypeOf<Output<ReturnType<typeof s.next>>>().toEqualTypeOf<string | End>();
    // @ts-expect-error a stream of numbers cannot be buffered
    fromIterable([1]).buffered(2);
  });

  it("buffered: an error surfaces in its turn", async () => {
    const boom = asyncFn(function* () {
      throw new Error("boom");
    });
    const out = await run(function* () {
      const s = fromIterable<Future<number>>([afterYields(1, 2), boom(), afterYields(3, 0)]).buffered(3);
      const got: unknown[] = [yield* s.next()];
      try {
        yield* s.next();
      } catch (e) {
        got.push((e as Error).message);
      }
      got.push(yield* s.next(), yield* s.next());
      return got;
    });
    expect(out).toEqual([1, "boom", 3, END]);
  });

  it("bufferUnordered(n) yields in completion order with at most n in flight", async () => {
    let running = 0;
    let peak = 0;
    const finished: number[] = [];
    const job = asyncFn(function* (n: number) {
      running++;
      peak = Math.max(peak, running);
      for (let i = 0; i < n; i++) yield* yieldNow();
      running--;
      finished.push(n);
      return n;
    });
    const out = await run(
      fromIterable([5, 1, 3, 0, 2])
        .map((n) => job(n))
        .bufferUnordered(2)
        .collect(),
    );
    expect(out).toEqual(finished);
    expect(out).not.toEqual([5, 1, 3, 0, 2]);
    expect(out[0]).toBe(1);
    expect(peak).toBe(2);
  });

  it("cancelling buffered cancels the futures in flight", async () => {
    const probes = [new Probe(), new Probe(), new Probe()];
    await run(function* () {
      const s = fromIterable(probes).buffered(2);
      const h = spawn(s.next());
      yield* yieldNow();
      s.cancel();
      h.abort();
    });
    expect(probes.map((p) => p.cancels)).toEqual([1, 1, 0]);
  });

  it("merge interleaves ready streams round-robin and ends when all end", async () => {
    const out = await run(merge(fromIterable([1, 2, 3]), fromIterable(["a", "b"])).collect());
    expect(out).toEqual([1, "a", 2, "b", 3]);
    const typed = fromIterable([1]).merge(fromIterable(["x"]));
    expectTypeOf<Output<ReturnType<typeof typed.next>>>().toEqualTypeOf<number | string | End>();
  });

  it("merge polls only the streams that were woken", async () => {
    const a = new Manual<string>();
    const b = new Manual<string>();
    const out = await run(function* () {
      const m = merge(a, b);
      const h = spawn(m.take(3).collect());
      yield* yieldNow();
      expect([a.polls, b.polls]).toEqual([1, 1]);
      b.send("b1");
      yield* yieldNow();
      expect(a.polls).toBe(1);
      a.send("a1");
      b.send("b2");
      return yield* h;
    });
    expect(out.sort()).toEqual(["a1", "b1", "b2"]);
    expect([a.cancelled, b.cancelled]).toEqual([1, 1]);
  });

  it("next() is cancel-safe in a select: a losing next() loses no item", async () => {
    const { select } = await import("../../src/future/index.js");
    const m = new Manual<number>();
    const out = await run(function* () {
      const r = yield* select.biased({ now: ready("first"), item: m.next() });
      m.send(1);
      return [r.key, yield* m.next()];
    });
    expect(out).toEqual(["now", 1]);
  });
});

describe("streams: the edge with async iterables", () => {
  it("fromAsyncIterable pulls one item at a time and closes the iterator on cancel", async () => {
    const log: string[] = [];
    async function* source() {
      try {
        for (let i = 0; ; i++) {
          log.push(`produce ${i}`);
          yield i;
        }
      } finally {
        log.push("closed");
      }
    }
    const out = await run(fromAsyncIterable(source()).take(2).collect());
    expect(out).toEqual([0, 1]);
    await new Promise((r) => setTimeout(r, 0));
    expect(log).toEqual(["produce 0", "produce 1", "closed"]);
  });

  it("fromAsyncIterable surfaces a rejection as an error", async () => {
    async function* source() {
      yield 1;
      throw new Error("bad source");
    }
    await expect(run(fromAsyncIterable(source()).collect())).rejects.toThrow("bad source");
  });

  it("a task waiting on fromAsyncIterable is not reported as deadlocked", async () => {
    async function* slow() {
      await new Promise((r) => setTimeout(r, 5));
      yield "late";
    }
    expect(await run(fromAsyncIterable(slow()).collect())).toEqual(["late"]);
  });

  it("toAsyncIterable works with for await outside any runtime", async () => {
    const got: number[] = [];
    for await (const v of toAsyncIterable(
      fromIterable([1, 2, 3])
        .map((n) => afterYields(n * 2, 1))
        .buffered(2),
    )) {
      got.push(v);
    }
    expect(got).toEqual([2, 4, 6]);
  });

  it("breaking out of for await cancels the stream", async () => {
    const m = new Manual<number>();
    m.items.push(1, 2, 3);
    for await (const v of toAsyncIterable(m)) {
      if (v === 2) break;
    }
    expect(m.cancelled).toBe(1);
  });

  it("toAsyncIterable inside a runtime uses that runtime", async () => {
    const rt = new Runtime();
    const iterable = await rt.run(function* () {
      return toAsyncIterable(fromIterable(["x", "y"]));
    });
    const before = rt.metrics().tasksSpawned;
    const got: string[] = [];
    for await (const v of iterable) got.push(v);
    expect(got).toEqual(["x", "y"]);
    expect(rt.metrics().tasksSpawned).toBeGreaterThan(before);
    await rt.shutdown();
  });

  it("toAsyncIterable rejects non-streams", () => {
    expect(() => toAsyncIterable([1] as never)).toThrow(/expects a pollux stream/);
  });

  it("a stream that never yields inside toAsyncIterable does not poll busily", async () => {
    const never = new (class extends StreamBase<number> {
      polls = 0;
      pollNext(): Poll<number | End> {
        this.polls++;
        return PENDING;
      }
    })();
    const it = toAsyncIterable(never);
    void it.next();
    await new Promise((r) => setTimeout(r, 5));
    expect(never.polls).toBe(1);
  });
});
