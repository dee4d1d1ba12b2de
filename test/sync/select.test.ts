/**
 * The sync primitives inside the real `select`: a losing branch is dropped (cancelled), and must
 * leave its message, lock or permit where it was.
 */
import { describe, expect, it } from "vitest";
import { END, select } from "../../src/future/index.js";
import { run } from "../../src/runtime/index.js";
import { Mutex, mpsc, Notify, Semaphore } from "../../src/sync/index.js";
import { spawn } from "../../src/task/index.js";
import { settle } from "./helpers.js";

describe("sync futures as select branches", () => {
  it("a recv that loses a select leaves its message in the channel", async () => {
    await run(function* () {
      const [aTx, aRx] = mpsc.channel<string>(4);
      const [bTx, bRx] = mpsc.channel<string>(4);
      aTx.trySend("a1");
      bTx.trySend("b1");
      const got: string[] = [];
      for (let i = 0; i < 2; i++) {
        const r = yield* select.biased({ a: aRx.recv(), b: bRx.recv() });
        got.push(r.value as string);
      }
      expect(got).toEqual(["a1", "b1"]);
    });
  });

  it("select over recv in a loop receives every message exactly once", async () => {
    const out = await run(function* () {
      const [tx, rx] = mpsc.channel<number>(2);
      const stop = new Notify();
      spawn(function* () {
        for (let i = 0; i < 20; i++) yield* tx.send(i);
        tx.close();
      });
      const got: number[] = [];
      for (;;) {
        const r = yield* select({ msg: rx.recv(), stop: stop.notified() });
        if (r.key === "stop" || r.value === END) break;
        got.push(r.value);
      }
      return got;
    });
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("a lock or permit request that loses a select leaks nothing", async () => {
    await run(function* () {
      const m = new Mutex(0);
      const sem = new Semaphore(1);
      const held = m.tryLock()!;
      const permit = sem.tryAcquire()!;
      const n = new Notify();
      spawn(function* () {
        yield* settle(2);
        n.notifyOne();
      });
      const r = yield* select.biased({ lock: m.lock(), permit: sem.acquire(), go: n.notified() });
      expect(r.key).toBe("go");
      held.release();
      permit.release();
      expect(m.isLocked()).toBe(false);
      expect(sem.availablePermits).toBe(1);
    });
  });
});
