import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { END, sleep, spawn, yieldNow } from "../../../src/index.js";
import { spawnOn } from "../../../src/runtime/index.js";
import { crossThread, Lagged, SendError } from "../../../src/sync/index.js";
import { channelTask, workerRuntimeForFile } from "./worker-runtime.js";

const t = channelTask;
const rt = workerRuntimeForFile();

function* localCollect(rx: crossThread.ThreadBroadcastReceiver<number>) {
  using r = rx;
  const out: (number | { lagged: number })[] = [];
  for (;;) {
    let v: number | typeof END;
    try {
      v = yield* r.recv();
    } catch (e) {
      if (!(e instanceof Lagged)) throw e;
      out.push({ lagged: e.count });
      continue;
    }
    if (v === END) return out;
    out.push(v);
  }
}

describe("crossThread.broadcast", () => {
  it("every receiver, here and on two workers, gets every value in order, then END", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 200 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 6 }),
        async (n, pauses) => {
          const sent = Array.from({ length: n }, (_, i) => i);
          const out = await rt.run(function* () {
            const [tx, rx] = crossThread.broadcast<number>(1024);
            const a = spawnOn<number[]>(1, t("collect"), tx.subscribe());
            const b = spawnOn<number[]>(2, t("collect"), rx.resubscribe());
            const local = spawn(localCollect(rx));
            // resubscribe() registers through the sender's thread: wait until it counts.
            while (tx.receiverCount < 3) yield* sleep(1);
            for (let i = 0; i < n; i++) {
              tx.send(sent[i]!);
              for (let k = 0; k < (pauses[i % Math.max(1, pauses.length)] ?? 0); k++) yield* yieldNow();
            }
            tx.close();
            return [yield* a, yield* b, yield* local];
          });
          for (const got of out) expect(got).toEqual(sent);
        },
      ),
      { numRuns: 20 },
    );
  });

  it("a receiver more than capacity behind loses the oldest values and gets Lagged once", async () => {
    const out = await rt.run(function* () {
      const [tx, rx] = crossThread.broadcast<number>(4);
      yield* spawnOn(1, t("sendAll"), tx, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      return yield* localCollect(rx);
    });
    expect(out).toEqual([{ lagged: 6 }, 6, 7, 8, 9]);
  });

  it("send throws SendError once every receiver closed", async () => {
    const out = await rt.run(function* () {
      const [tx, rx] = crossThread.broadcast<number>(4);
      rx.close();
      while (tx.receiverCount > 0) yield* sleep(1);
      try {
        tx.send(1);
        return "sent";
      } catch (e) {
        return e;
      }
    });
    expect(out).toBeInstanceOf(SendError);
  });

  it("rejects a bad capacity with the fix", () => {
    expect(() => crossThread.broadcast(0)).toThrow(/integer from 1/);
  });
});
