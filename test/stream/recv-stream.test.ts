import { describe, expect, it } from "vitest";
import { select } from "../../src/future/index.js";
import { run } from "../../src/runtime/index.js";
import { END } from "../../src/stream/index.js";
import { mpsc, SendError } from "../../src/sync/index.js";
import { spawn } from "../../src/task/index.js";
import { sleep } from "../../src/time/index.js";

const paused = { clock: "paused" as const };

describe("a channel receiver as a stream", () => {
  it("batches what producers send with chunksTimeout, by size or by time, and ends when the channel does", async () => {
    const batches = await run(function* () {
      const [tx, rx] = mpsc.channel<number>(8);
      spawn(function* () {
        for (let i = 1; i <= 5; i++) yield* tx.send(i); // 1..5 at once: one full batch of 4, then 5
        yield* sleep(100); // 5 waits alone until its batch is 10 ms old
        yield* tx.send(6);
        tx.close();
      });
      const out: number[][] = [];
      const s = rx.stream().chunksTimeout(4, 10);
      for (let b = yield* s.next(); b !== END; b = yield* s.next()) out.push(b);
      return out;
    }, paused);
    expect(batches).toEqual([[1, 2, 3, 4], [5], [6]]);
  });

  it("loses no message when a next() is dropped (a select branch that lost)", async () => {
    const got = await run(function* () {
      const [tx, rx] = mpsc.unbounded<string>();
      const s = rx.stream();
      const first = yield* select({ msg: s.next(), tick: sleep(5) });
      expect(first.key).toBe("tick");
      tx.send("late");
      tx.close();
      return yield* s.collect();
    }, paused);
    expect(got).toEqual(["late"]);
  });

  it("owns the receiver: cancelling the stream closes it, so senders learn at once", async () => {
    await run(function* () {
      const [tx, rx] = mpsc.channel<number>(1);
      const s = rx.stream();
      yield* select({ msg: s.next(), tick: sleep(1) });
      s.cancel();
      expect(tx.isClosed()).toBe(true);
      expect(() => tx.trySend(1)).toThrow(SendError);
    }, paused);
  });

  it("works for any number of items under the coop budget, in order", async () => {
    const n = 10_000;
    const sum = await run(function* () {
      const [tx, rx] = mpsc.unbounded<number>();
      for (let i = 0; i < n; i++) tx.send(i);
      tx.close();
      return yield* rx.stream().fold(0, (a, b) => a + b);
    });
    expect(sum).toBe((n * (n - 1)) / 2);
  });
});
