import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { END, Runtime, spawn, yieldNow } from "../../../src/index.js";
import { spawnOn } from "../../../src/runtime/index.js";
import { crossThread, RecvError, SendError } from "../../../src/sync/index.js";
import { channelTask, workerRuntimeForFile } from "./worker-runtime.js";

const t = channelTask;
const rt = workerRuntimeForFile();

type Item = [number, number];

/** Every producer's values arrive exactly once, in its send order. */
function checkExactlyOnce(got: Item[], counts: number[]): void {
  const next = counts.map(() => 0);
  for (const [id, i] of got) {
    expect(i).toBe(next[id]); // in order, no duplicate, no gap
    next[id]!++;
  }
  expect(next).toEqual(counts);
}

function* localProduce(tx: crossThread.ThreadSender<Item>, id: number, count: number, pauses: number[]) {
  using sender = tx;
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < (pauses[i % pauses.length] ?? 0); k++) yield* yieldNow();
    yield* sender.send([id, i]);
  }
}

describe("crossThread.channel", () => {
  it("loses and duplicates nothing: producers on two workers and this thread, under random schedules", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 150 }), { minLength: 3, maxLength: 3 }),
        fc.array(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 5 }), { minLength: 4, maxLength: 4 }),
        async (capacity, counts, pauses) => {
          const got = await rt.run(function* () {
            const [tx, rx] = crossThread.channel<Item>(capacity);
            const a = spawnOn(1, t("produce"), tx.clone(), 0, counts[0], pauses[0]);
            const b = spawnOn(2, t("produce"), tx.clone(), 1, counts[1], pauses[1]);
            spawn(localProduce(tx, 2, counts[2]!, pauses[2]!));
            const out: Item[] = [];
            let i = 0;
            for (let v = yield* rx.recv(); v !== END; v = yield* rx.recv()) {
              out.push(v);
              for (let k = 0; k < (pauses[3]![i++ % Math.max(1, pauses[3]!.length)] ?? 0); k++)
                yield* yieldNow();
              expect(rx.length).toBeLessThanOrEqual(capacity);
            }
            yield* a;
            yield* b;
            return out;
          });
          checkExactlyOnce(got, counts);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("loses and duplicates nothing with the receiver on a worker and senders here and on another worker", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 150 }), { minLength: 2, maxLength: 2 }),
        fc.array(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 5 }), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 0, max: 3 }),
        async (capacity, counts, pauses, presend) => {
          const got = await rt.run(function* () {
            const [tx, rx] = crossThread.channel<Item>(capacity);
            // Values sent before the receiver moves travel with it.
            let pre = 0;
            for (let i = 0; i < Math.min(presend, capacity); i++) if (tx.trySend([2, i])) pre++;
            const consumer = spawnOn<Item[]>(1, t("consume"), rx, pauses[2]);
            const remote = spawnOn(2, t("produce"), tx.clone(), 0, counts[0], pauses[0]);
            const tx2 = tx.clone();
            tx.close();
            yield* localProduce(tx2 as crossThread.ThreadSender<Item>, 1, counts[1]!, pauses[1]!);
            yield* remote;
            const out = yield* consumer;
            return { out, pre };
          });
          checkExactlyOnce(
            got.out.filter((x) => x[0] !== 2),
            counts,
          );
          expect(got.out.filter((x) => x[0] === 2)).toHaveLength(got.pre);
        },
      ),
      { numRuns: 20 },
    );
  });

  it("applies backpressure: trySend fails while capacity values are unreceived, across threads", async () => {
    const out = await rt.run(function* () {
      const [tx, rx] = crossThread.channel<number>(3);
      const sent = yield* spawnOn<number>(1, t("trySendAll"), tx.clone(), 10);
      const first = yield* rx.recv();
      const again = tx.trySend(99);
      tx.close();
      const rest: number[] = [];
      for (let v = yield* rx.recv(); v !== END; v = yield* rx.recv()) rest.push(v);
      return { sent, first, again, rest };
    });
    expect(out).toEqual({ sent: 3, first: 0, again: true, rest: [1, 2, 99] });
  });

  it("send throws SendError after the receiver closed; recv drains what was sent, then END", async () => {
    const out = await rt.run(function* () {
      const [tx, rx] = crossThread.channel<number>(4);
      yield* tx.send(1);
      yield* yieldNow();
      rx.close();
      let err: unknown;
      try {
        yield* tx.send(2);
      } catch (e) {
        err = e;
      }
      return { err, a: yield* rx.recv(), b: yield* rx.recv(), closed: tx.isClosed() };
    });
    expect(out.err).toBeInstanceOf(SendError);
    expect((out.err as SendError<number>).value).toBe(2);
    expect(out.a).toBe(1);
    expect(out.b).toBe(END);
    expect(out.closed).toBe(true);
  });

  it("an end that moved is unusable here, with an error that says why", async () => {
    await expect(
      rt.run(function* () {
        const [tx, rx] = crossThread.channel<number>(1);
        const h = spawnOn(1, t("consume"), rx, []);
        tx.close();
        yield* h;
        return rx.tryRecv();
      }),
    ).rejects.toThrow(/moved to another runtime/);
  });

  it("a task waiting on recv or on a full channel counts as waiting on a wake source: no stall", async () => {
    const stalls: unknown[] = [];
    const r = new Runtime({ workers: 2, onOrphans: false, stallAfterMs: 0, onStall: (s) => stalls.push(s) });
    try {
      const out = await r.run(function* () {
        const [tx, rx] = crossThread.channel<Item>(1);
        // The consumer on the worker is slow: this thread waits on a full channel, then on recv.
        const consumer = spawnOn<Item[]>(1, t("consume"), rx, [50, 50, 50]);
        yield* localProduce(tx, 0, 20, []);
        return yield* consumer;
      });
      expect(out).toHaveLength(20);
      expect(stalls).toEqual([]);
    } finally {
      await r.shutdown();
    }
  });

  it("a sender whose thread crashes ends the channel after the values it sent", async () => {
    const r = new Runtime({ workers: 2, onOrphans: false });
    try {
      const out = await r.run(function* () {
        const [tx, rx] = crossThread.channel<number>(8);
        const h = spawnOn(1, t("produceThenCrash"), tx, 5);
        const got: number[] = [];
        for (let v = yield* rx.recv(); v !== END; v = yield* rx.recv()) got.push(v);
        let message = "";
        try {
          yield* h;
        } catch (e) {
          message = String(((e as { cause?: Error }).cause ?? (e as Error)).message);
        }
        return { got, message };
      });
      expect(out.got).toEqual([0, 1, 2, 3, 4]);
      expect(out.message).toMatch(/worker runtime 1 .*crashed: producer thread down/);
    } finally {
      await r.shutdown();
    }
  });

  it("rejects a bad capacity with the fix", () => {
    expect(() => crossThread.channel(0)).toThrow(/integer from 1/);
  });
});

describe("crossThread.oneshot", () => {
  it("carries one value from a worker", async () => {
    const out = await rt.run(function* () {
      const [reply, answer] = crossThread.oneshot<string>();
      const h = spawnOn<boolean>(1, t("replyLater"), reply, "hi");
      return [yield* answer, yield* h];
    });
    expect(out).toEqual(["hi", true]);
  });

  it("carries one value to a worker", async () => {
    const out = await rt.run(function* () {
      const [tx, rx] = crossThread.oneshot<number>();
      const h = spawnOn<number>(2, t("awaitAnswer"), rx);
      tx.send(7);
      return yield* h;
    });
    expect(out).toBe(7);
  });

  it("a sender whose task ends without sending makes the receiver throw RecvError", async () => {
    const err = await rt
      .run(function* () {
        const [reply, answer] = crossThread.oneshot<string>();
        spawnOn(1, t("forgetReply"), reply);
        return yield* answer;
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecvError);
  });

  it("a receiver closed here makes the remote send return false", async () => {
    const out = await rt.run(function* () {
      const [reply, answer] = crossThread.oneshot<string>();
      answer.close();
      return yield* spawnOn<boolean>(1, t("replyLater"), reply, "x");
    });
    expect(out).toBe(false);
  });
});
