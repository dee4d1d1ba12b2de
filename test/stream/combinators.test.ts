import fc from "fast-check";
import { describe, expect, expectTypeOf, it } from "vitest";
import { asyncFn, EMPTY, type Output, select } from "../../src/future/index.js";
import { run } from "../../src/runtime/index.js";
import { END, type End, fromIterable, type StreamBase } from "../../src/stream/index.js";
import { spawn, yieldNow } from "../../src/task/index.js";
import { Manual } from "./manual.js";

const afterYields = asyncFn(function* <T>(value: T, yields: number) {
  for (let i = 0; i < yields; i++) yield* yieldNow();
  return value;
});

describe("stream combinators: item adapters", () => {
  it("andThen awaits one future per item, in order, one at a time", async () => {
    let inFlight = 0;
    let most = 0;
    const work = asyncFn(function* (n: number) {
      inFlight++;
      most = Math.max(most, inFlight);
      yield* afterYields(null, 3 - (n % 3));
      inFlight--;
      return n * 2;
    });
    const s = fromIterable([1, 2, 3, 4]).andThen((n) => work(n));
    expectTypeOf<Output<ReturnType<typeof s.next>>>().toEqualTypeOf<number | End>();
    expect(await run(s.collect())).toEqual([2, 4, 6, 8]);
    expect(most).toBe(1);
  });

  it("andThen: a dropped next() loses nothing; cancelling the stream runs the in-flight future's finally", async () => {
    const log: string[] = [];
    const slow = asyncFn(function* (n: number) {
      try {
        yield* afterYields(null, 5);
        return n;
      } finally {
        log.push(`finally ${n}`);
      }
    });
    const out = await run(function* () {
      const src = new Manual<number>();
      src.send(1);
      src.send(2);
      const s = src.andThen((n) => slow(n));
      // The first next() loses a race against a quicker branch: its item stays in the adapter.
      const r = yield* select.biased({ quick: afterYields("q", 1), item: s.next() });
      expect(r.key).toBe("quick");
      const first = yield* s.next();
      s.next(); // never polled
      const h = spawn(s.next());
      yield* yieldNow();
      h.abort(); // drops the next() future: the in-flight future stays in the adapter
      s.cancel();
      return { first, src };
    });
    expect(out.first).toBe(1);
    expect(log).toEqual(["finally 1", "finally 2"]);
    expect(out.src.cancelled).toBe(1);
  });

  it("filterMap keeps the mapped values that are not undefined", async () => {
    const s = fromIterable(["1", "x", "3", ""]).filterMap((t) =>
      t === "" || t === "x" ? undefined : Number(t),
    );
    expectTypeOf<Output<ReturnType<typeof s.next>>>().toEqualTypeOf<number | End>();
    expect(await run(s.collect())).toEqual([1, 3]);
  });

  it("skip and skipWhile drop a prefix only", async () => {
    expect(await run(fromIterable([1, 2, 3, 4]).skip(2).collect())).toEqual([3, 4]);
    expect(await run(fromIterable([1, 2]).skip(5).collect())).toEqual([]);
    expect(await run(fromIterable([1, 2]).skip(0).collect())).toEqual([1, 2]);
    const calls: number[] = [];
    const s = fromIterable([1, 2, 5, 1, 2]).skipWhile((n) => {
      calls.push(n);
      return n < 3;
    });
    expect(await run(s.collect())).toEqual([5, 1, 2]);
    expect(calls).toEqual([1, 2, 5]); // not called after the first pass
  });

  it("takeWhile and mapWhile end at the first failure and cancel the source then", async () => {
    const src = new Manual<number>();
    for (const n of [1, 2, 9, 3]) src.send(n);
    expect(await run(src.takeWhile((n) => n < 5).collect())).toEqual([1, 2]);
    expect(src.cancelled).toBe(1);
    expect(src.items).toEqual([3]); // nothing read past the failing item

    const words = new Manual<string>();
    for (const w of ["1", "2", "x", "3"]) words.send(w);
    const s = words.mapWhile((w) => (/^\d+$/.test(w) ? Number(w) : END));
    expectTypeOf<Output<ReturnType<typeof s.next>>>().toEqualTypeOf<number | End>();
    expect(await run(s.collect())).toEqual([1, 2]);
    expect(words.cancelled).toBe(1);
  });

  it("mapWhile treats undefined as a value, not as the end", async () => {
    expect(
      await run(
        fromIterable([1, 2])
          .mapWhile(() => undefined)
          .collect(),
      ),
    ).toEqual([undefined, undefined]);
  });

  it("chain reads the second stream only after the first ended", async () => {
    const a = new Manual<number>();
    const b = new Manual<string>();
    b.send("b1");
    const out = await run(function* () {
      const s = a.chain(b);
      a.send(1);
      const got: (number | string | End)[] = [yield* s.next()];
      expect(b.polls).toBe(0);
      a.close();
      b.close();
      got.push(yield* s.next(), yield* s.next());
      return got;
    });
    expect(out).toEqual([1, "b1", END]);
  });

  it("zip pairs in step, keeps a half-taken pair across a dropped next(), ends with the shorter", async () => {
    const a = new Manual<number>();
    const b = new Manual<string>();
    const out = await run(function* () {
      const z = a.zip(b);
      a.send(1);
      const r = yield* select.biased({ quick: afterYields("q", 1), pair: z.next() });
      expect(r.key).toBe("quick"); // 1 was taken from `a` and is kept in the adapter
      b.send("x");
      const first = yield* z.next();
      a.send(2);
      b.close();
      const second = yield* z.next();
      return { first, second };
    });
    expect(out.first).toEqual([1, "x"]);
    expect(out.second).toBe(END);
    expect(a.cancelled).toBe(1); // the other side is released when one ends
  });

  it("flatten reads inner streams in turn; a non-stream item is a clear TypeError", async () => {
    const s = fromIterable([fromIterable([1, 2]), fromIterable<number>([]), fromIterable([3])]).flatten();
    expectTypeOf<Output<ReturnType<typeof s.next>>>().toEqualTypeOf<number | End>();
    expect(await run(s.collect())).toEqual([1, 2, 3]);
    const bad = fromIterable([[1, 2]] as unknown as StreamBase<number>[]).flatten();
    await expect(run(bad.collect())).rejects.toThrow(/not a stream.*fromIterable\(xs\)/);
  });

  it("peekable: peek does not take; nextIf takes only what it accepts", async () => {
    const out = await run(function* () {
      const p = fromIterable([1, 2, 3]).peekable();
      const a = yield* p.peek();
      const b = yield* p.peek();
      const c = yield* p.next();
      const d = p.nextIf((n) => n > 5);
      const e = p.nextIf((n) => n === 2);
      const rest = yield* p.collect();
      const end = yield* p.peek();
      return [a, b, c, d, e, rest, end];
    });
    expect(out).toEqual([1, 1, 1, EMPTY, 2, [3], END]);
  });

  it("tryNext returns an item, EMPTY or END without waiting", async () => {
    const src = new Manual<number>();
    expect(src.tryNext()).toBe(EMPTY);
    src.send(4);
    expect(src.tryNext()).toBe(4);
    src.close();
    expect(src.tryNext()).toBe(END);
  });

  it("bad arguments are rejected with the value and the fix", () => {
    const s = fromIterable([1]);
    expect(() => s.skip(-1)).toThrow(/skip\(n\) expects a non-negative integer; got -1/);
    expect(() => s.andThen(3 as never)).toThrow(/andThen\(\) expects a function; got number/);
    expect(() => s.zip([1] as never)).toThrow(/zip\(\) expects a stream.*fromIterable/);
    expect(() => s.chunksTimeout(0, 5)).toThrow(
      /chunksTimeout\(max, ms\): max expects a positive integer; got 0/,
    );
    expect(() => s.forEachConcurrent(0, () => afterYields(1, 0))).toThrow(
      /limit expects a positive integer, or Infinity for no limit; got 0/,
    );
    expect(() => s.throttle(-1)).toThrow(/throttle\(ms\).*-1/);
    expect(() => s.timeout(Number.NaN)).toThrow(/timeout\(ms\)/);
    expect(() => s.chunksTimeout(2, -5)).toThrow(/chunksTimeout\(max, ms\): ms.*-5/);
  });

  it("model check: skip, skipWhile, takeWhile, filterMap, chain, zip agree with arrays", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 9 })),
        fc.array(fc.integer()),
        fc.nat(5),
        async (xs, ys, k) => {
          await run(function* () {
            const s = yield* fromIterable(xs)
              .skip(k)
              .skipWhile((n) => n < 3)
              .takeWhile((n) => n !== 7)
              .filterMap((n) => (n % 2 === 0 ? n / 2 : undefined))
              .chain(fromIterable(ys))
              .zip(fromIterable(xs.concat(ys)))
              .collect();
            let model = xs.slice(k);
            const firstBig = model.findIndex((n) => n >= 3);
            model = firstBig < 0 ? [] : model.slice(firstBig);
            const seven = model.indexOf(7);
            if (seven >= 0) model = model.slice(0, seven);
            const left = model
              .filter((n) => n % 2 === 0)
              .map((n) => n / 2)
              .concat(ys);
            const right = xs.concat(ys);
            const pairs = left.slice(0, Math.min(left.length, right.length)).map((v, i) => [v, right[i]]);
            expect(s).toEqual(pairs);
          });
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe("stream combinators: futures", () => {
  it("fold, all, any", async () => {
    expect(await run(fromIterable([1, 2, 3]).fold(10, (a, n) => a + n))).toBe(16);
    expect(await run(fromIterable<number>([]).all(() => false))).toBe(true);
    expect(await run(fromIterable<number>([]).any(() => true))).toBe(false);
    const out = await run(function* () {
      const s = fromIterable([1, 2, 30, 4, 50]);
      const bigSeen = yield* s.any((n) => n > 10); // stops at 30
      const rest = yield* s.all((n) => n > 3); // 4, 50 are left
      return { bigSeen, rest };
    });
    expect(out).toEqual({ bigSeen: true, rest: true });
  });

  it("fold's cancel cancels the stream; all's does not", async () => {
    const a = new Manual<number>();
    const b = new Manual<number>();
    await run(function* () {
      const r = yield* select.biased({
        quick: afterYields(1, 1),
        f: a.fold(0, (x, y) => x + y),
        g: b.all(() => true),
      });
      expect(r.key).toBe("quick");
    });
    expect(a.cancelled).toBe(1);
    expect(b.cancelled).toBe(0);
  });

  it("forEachConcurrent keeps at most `limit` in flight and finishes every item", async () => {
    let inFlight = 0;
    let most = 0;
    const done: number[] = [];
    const work = asyncFn(function* (n: number) {
      inFlight++;
      most = Math.max(most, inFlight);
      yield* afterYields(null, (n * 7) % 5);
      inFlight--;
      done.push(n);
    });
    await run(fromIterable(Array.from({ length: 50 }, (_, i) => i)).forEachConcurrent(4, (n) => work(n)));
    expect(most).toBe(4);
    expect(done.sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("forEachConcurrent: a failing item cancels the others and the stream, and its error is thrown", async () => {
    const log: string[] = [];
    const src = new Manual<number>();
    for (let i = 0; i < 5; i++) src.send(i);
    const work = asyncFn(function* (n: number) {
      try {
        yield* afterYields(null, n === 1 ? 1 : 10);
        if (n === 1) throw new Error("boom");
      } finally {
        log.push(`finally ${n}`);
      }
    });
    await expect(run(src.forEachConcurrent(3, (n) => work(n)))).rejects.toThrow("boom");
    expect(log.sort()).toEqual(["finally 0", "finally 1", "finally 2"]);
    expect(src.cancelled).toBe(1);
  });

  it("forEachConcurrent: cancelling it mid-item runs the in-flight finally blocks", async () => {
    const log: string[] = [];
    const src = new Manual<number>();
    const work = asyncFn(function* (n: number) {
      try {
        yield* afterYields(null, 100);
      } finally {
        log.push(`finally ${n}`);
      }
    });
    await run(function* () {
      const h = spawn(src.forEachConcurrent(Number.POSITIVE_INFINITY, (n) => work(n)));
      src.send(1);
      src.send(2);
      yield* afterYields(null, 3);
      h.abort();
      yield* afterYields(null, 2);
    });
    expect(log.sort()).toEqual(["finally 1", "finally 2"]);
    expect(src.cancelled).toBe(1);
  });

  it("forEachConcurrent: random completion schedules finish every item exactly once", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(6), { maxLength: 40 }),
        fc.integer({ min: 1, max: 8 }),
        async (delays, limit) => {
          const seen: number[] = [];
          const work = asyncFn(function* (i: number) {
            yield* afterYields(null, delays[i]!);
            seen.push(i);
          });
          await run(function* () {
            yield* fromIterable(delays.map((_, i) => i)).forEachConcurrent(limit, (i) => work(i));
            expect(seen.sort((x, y) => x - y)).toEqual(delays.map((_, i) => i));
          });
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("streams are not thenables", () => {
  it("a stream returned from run() or resolved by a promise is a value, not a pending thenable", async () => {
    const s = await run(function* () {
      return fromIterable([1, 2]);
    });
    expect(await Promise.resolve(s)).toBe(s);
    expect("then" in s).toBe(false);
  });
});
