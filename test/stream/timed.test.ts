import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { run } from "../../src/runtime/index.js";
import { END, type End, fromIterable } from "../../src/stream/index.js";
import { spawn, yieldNow } from "../../src/task/index.js";
import { advance, Elapsed, Instant, sleep } from "../../src/time/index.js";
import { Manual } from "./manual.js";

const paused = { clock: "paused" } as const;

describe("time-based stream adapters (paused clock)", () => {
  it("chunksTimeout yields a batch when full, at once, without waiting for the timer", async () => {
    const out = await run(function* () {
      const start = Instant.now();
      const got = yield* fromIterable([1, 2, 3, 4, 5]).chunksTimeout(2, 1_000).collect();
      return { got, took: Instant.now().ms - start.ms };
    }, paused);
    expect(out).toEqual({ got: [[1, 2], [3, 4], [5]], took: 0 });
  });

  it("chunksTimeout yields a partial batch `ms` after its first item", async () => {
    const out = await run(function* () {
      const src = new Manual<number>();
      const s = src.chunksTimeout(10, 50);
      const t0 = Instant.now().ms;
      const stamps: [number[] | End, number][] = [];
      const h = spawn(function* () {
        for (let b = yield* s.next(); b !== END; b = yield* s.next()) stamps.push([b, Instant.now().ms - t0]);
      });
      yield* sleep(20);
      src.send(1); // batch deadline: 70
      yield* sleep(30);
      src.send(2);
      yield* sleep(40); // at 90: [1, 2] went out at 70
      src.send(3); // batch deadline: 140
      yield* sleep(5);
      src.close(); // the partial batch comes at once
      yield* h;
      return stamps;
    }, paused);
    expect(out).toEqual([
      [[1, 2], 70],
      [[3], 95],
    ]);
  });

  it("chunksTimeout: a dropped next() keeps the partial batch; no empty batch is ever yielded", async () => {
    const out = await run(function* () {
      const src = new Manual<number>();
      const s = src.chunksTimeout(10, 50);
      src.send(1);
      const h = spawn(s.next());
      yield* yieldNow();
      h.abort(); // drop the waiting next(): item 1 stays in the adapter
      yield* sleep(200);
      const first = yield* s.next(); // the deadline passed long ago
      const t = Instant.now().ms;
      const waiting = spawn(s.next());
      yield* sleep(500); // no items: no batch
      expect(waiting.isFinished()).toBe(false);
      src.close();
      return { first, second: yield* waiting, t };
    }, paused);
    expect(out.first).toEqual([1]);
    expect(out.second).toBe(END);
  });

  it("timeout throws Elapsed once per idle period and keeps the stream usable", async () => {
    const out = await run(function* () {
      const src = new Manual<string>();
      const s = src.timeout(100);
      const t0 = Instant.now().ms;
      const log: string[] = [];
      spawn(function* () {
        yield* sleep(50);
        src.send("a");
        yield* sleep(150);
        src.send("b");
        src.close();
      });
      for (;;) {
        let v: string | End;
        try {
          v = yield* s.next();
        } catch (e) {
          if (!(e instanceof Elapsed)) throw e;
          log.push(`elapsed@${Instant.now().ms - t0}`);
          continue;
        }
        if (v === END) break;
        log.push(`${v}@${Instant.now().ms - t0}`);
      }
      return log;
    }, paused);
    // "a" at 50 restarts the limit: Elapsed at 150; then no limit until "b" at 200.
    expect(out).toEqual(["a@50", "elapsed@150", "b@200"]);
  });

  it("timeout: a ready item wins over an expired timer", async () => {
    const out = await run(function* () {
      const src = new Manual<number>();
      const s = src.timeout(10);
      src.send(1);
      yield* sleep(100);
      return yield* s.next();
    }, paused);
    expect(out).toBe(1);
  });

  it("throttle spaces items by `ms`, the first at once, none dropped", async () => {
    const out = await run(function* () {
      const t0 = Instant.now().ms;
      const stamps: number[] = [];
      const s = fromIterable([1, 2, 3, 4]).throttle(25);
      for (let v = yield* s.next(); v !== END; v = yield* s.next()) stamps.push(Instant.now().ms - t0);
      return stamps;
    }, paused);
    expect(out).toEqual([0, 25, 50, 75]);
  });

  it("cancelling a timed adapter frees its timer (nothing keeps the runtime waiting)", async () => {
    await run(function* () {
      const src = new Manual<number>();
      const s = src.chunksTimeout(5, 10_000);
      src.send(1);
      const h = spawn(s.next());
      yield* yieldNow();
      h.abort();
      s.cancel();
      yield* advance(0);
      expect(src.cancelled).toBe(1);
    }, paused);
  });

  it("chunksTimeout under random arrival times: order kept, batches bounded, a short batch exactly at its deadline", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(20), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 15 }),
        async (gaps, max, ms) => {
          const out = await run(function* () {
            const src = new Manual<number>();
            const t0 = Instant.now().ms;
            const arrivals: number[] = [];
            spawn(function* () {
              for (let i = 0; i < gaps.length; i++) {
                yield* sleep(gaps[i]!);
                arrivals.push(Instant.now().ms - t0);
                src.send(i);
              }
              src.close();
            });
            const batches: { items: number[]; at: number }[] = [];
            const s = src.chunksTimeout(max, ms);
            for (let b = yield* s.next(); b !== END; b = yield* s.next()) {
              batches.push({ items: b, at: Instant.now().ms - t0 });
            }
            return { arrivals, batches };
          }, paused);
          const { arrivals, batches } = out;
          expect(batches.flatMap((b) => b.items)).toEqual(gaps.map((_, i) => i));
          for (let k = 0; k < batches.length; k++) {
            const b = batches[k]!;
            expect(b.items.length).toBeGreaterThan(0);
            expect(b.items.length).toBeLessThanOrEqual(max);
            const first = arrivals[b.items[0]!]!;
            const last = arrivals[b.items[b.items.length - 1]!]!;
            if (b.items.length === max) expect(b.at).toBe(last);
            else if (k < batches.length - 1) expect(b.at).toBe(first + ms);
            else expect(b.at).toBeLessThanOrEqual(first + ms); // the end of the stream flushes early
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
