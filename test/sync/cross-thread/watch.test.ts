import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sleep, spawn, yieldNow } from "../../../src/index.js";
import { spawnOn } from "../../../src/runtime/index.js";
import { crossThread, RecvError, SendError } from "../../../src/sync/index.js";
import { channelTask, workerRuntimeForFile } from "./worker-runtime.js";

const t = channelTask;
const rt = workerRuntimeForFile();

/** What a receiver saw: only values that were sent, in send order, ending with the last one. */
function checkFollowed(seen: number[], sent: number[]): void {
  expect(seen[seen.length - 1]).toBe(sent[sent.length - 1]);
  for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
  for (const v of seen) expect(v === 0 || sent.includes(v)).toBe(true);
}

function* localFollow(rx: crossThread.ThreadWatchReceiver<number>, final: number) {
  using r = rx;
  const seen = [r.borrowAndUpdate()];
  while (seen[seen.length - 1] !== final) {
    yield* r.changed();
    seen.push(r.borrowAndUpdate());
  }
  return seen;
}

describe("crossThread.watch", () => {
  it("every receiver, here and on two workers, sees the latest value, in order, under random schedules", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 60 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 6 }),
        async (n, pauses) => {
          const sent = Array.from({ length: n }, (_, i) => i + 1);
          const out = await rt.run(function* () {
            const [tx, rx] = crossThread.watch(0);
            const a = spawnOn<number[]>(1, t("follow"), rx.clone(), n);
            const b = spawnOn<number[]>(2, t("follow"), rx.clone(), n);
            const local = spawn(localFollow(rx, n));
            for (let i = 0; i < sent.length; i++) {
              tx.sendReplace(sent[i]!);
              for (let k = 0; k < (pauses[i % Math.max(1, pauses.length)] ?? 0); k++) yield* yieldNow();
            }
            const seen = [yield* a, yield* b, yield* local];
            tx.close();
            return seen;
          });
          for (const seen of out) checkFollowed(seen, sent);
        },
      ),
      { numRuns: 20 },
    );
  });

  it("a sender on a worker: the receiver here sees the last value, then RecvError once it is closed", async () => {
    const out = await rt.run(function* () {
      const [tx, rx] = crossThread.watch(0);
      yield* spawnOn(1, t("setValues"), tx, [1, 2, 3], [1]);
      const seen: number[] = [];
      let error: unknown;
      for (;;) {
        try {
          yield* rx.changed();
        } catch (e) {
          error = e;
          break;
        }
        seen.push(rx.borrowAndUpdate());
      }
      return { seen, error };
    });
    expect(out.seen[out.seen.length - 1]).toBe(3);
    expect(out.error).toBeInstanceOf(RecvError);
  });

  it("send throws SendError once every receiver closed; sendReplace updates anyway", async () => {
    const out = await rt.run(function* () {
      const [tx, rx] = crossThread.watch(0);
      const h = spawnOn(1, t("follow"), rx, 1); // closes its receiver when it ends
      tx.send(1);
      yield* h;
      while (tx.receiverCount > 0) yield* sleep(1); // the close travels to this thread

      let error: unknown;
      try {
        tx.send(2);
      } catch (e) {
        error = e;
      }
      return { error, old: tx.sendReplace(3), now: tx.borrow() };
    });
    expect(out.error).toBeInstanceOf(SendError);
    expect(out.old).toBe(1);
    expect(out.now).toBe(3);
  });
});
