import { describe, expect, it } from "vitest";
import { EMPTY, END } from "../../src/future/index.js";
import { run } from "../../src/runtime/index.js";
import { broadcast, Lagged, RecvError, watch } from "../../src/sync/index.js";
import { spawn } from "../../src/task/index.js";
import { settle } from "./helpers.js";

describe("watch parity: cloneable senders, senderCount, sendIfModified", () => {
  it("receivers see the sender side closed only when every clone is closed", async () => {
    const [tx, rx] = watch(0);
    const tx2 = tx.clone();
    expect(tx.senderCount).toBe(2);
    const out = await run(function* () {
      const h = spawn(function* () {
        const seen: number[] = [];
        try {
          for (;;) {
            yield* rx.changed();
            seen.push(rx.borrowAndUpdate());
          }
        } catch (e) {
          if (!(e instanceof RecvError)) throw e;
          return seen;
        }
      });
      yield* settle();
      tx.send(1);
      tx.close();
      yield* settle();
      expect(h.isFinished()).toBe(false); // tx2 is still open
      tx2.send(2);
      yield* settle();
      tx2.close();
      return yield* h;
    });
    expect(out).toEqual([1, 2]);
    expect(tx.senderCount).toBe(0);
    expect(() => tx.clone()).toThrow(/after close\(\)/);
  });

  it("sendIfModified notifies only when the function returns true", async () => {
    const [tx, rx] = watch({ level: "info" });
    const r1 = tx.sendIfModified((s) => s.level !== "info");
    expect(r1).toBe(false);
    expect(rx.hasChanged()).toBe(false);
    const r2 = tx.sendIfModified((s) => {
      s.level = "debug";
      return true;
    });
    expect(r2).toBe(true);
    expect(rx.hasChanged()).toBe(true);
    expect(rx.borrowAndUpdate().level).toBe("debug");
    rx.close();
    expect(tx.sendIfModified(() => true)).toBe(true); // no receiver: still allowed, as in Tokio
    expect(() => tx.sendIfModified(1 as never)).toThrow(/expects a function/);
  });
});

describe("broadcast parity: Sender.closed(), len, isEmpty", () => {
  it("closed() completes when the last receiver closes; a new subscriber re-arms it", async () => {
    const [tx, rx] = broadcast<number>(4);
    const rx2 = tx.subscribe();
    const log: string[] = [];
    await run(function* () {
      const h = spawn(function* () {
        yield* tx.closed();
        log.push("no audience");
      });
      rx.close();
      yield* settle();
      expect(log).toEqual([]);
      rx2.close();
      yield* h;
      const rx3 = tx.subscribe();
      const again = spawn(tx.closed());
      yield* settle();
      expect(again.isFinished()).toBe(false);
      rx3.close();
      yield* again;
    });
    expect(log).toEqual(["no audience"]);
  });

  it("len counts values the slowest receiver has not read, capped at the capacity", () => {
    const [tx, fast] = broadcast<number>(3);
    const slow = tx.subscribe();
    expect(tx.isEmpty()).toBe(true);
    tx.send(1);
    tx.send(2);
    expect(tx.len()).toBe(2);
    expect(fast.tryRecv()).toBe(1);
    expect(fast.tryRecv()).toBe(2);
    expect(tx.len()).toBe(2); // `slow` has read nothing
    expect(fast.isEmpty()).toBe(true);
    expect(slow.len()).toBe(2);
    tx.send(3);
    tx.send(4);
    expect(tx.len()).toBe(3); // capped: value 1 was overwritten
    expect(slow.len()).toBe(4); // more than the capacity: the next recv lags
    expect(() => slow.tryRecv()).toThrow(Lagged);
    slow.close();
    expect(tx.len()).toBe(2); // only `fast` is left, 2 unread
    expect(fast.tryRecv()).toBe(3);
    expect(fast.tryRecv()).toBe(4);
    expect(fast.tryRecv()).toBe(EMPTY);
    expect(tx.isEmpty()).toBe(true);
    tx.close();
    expect(fast.tryRecv()).toBe(END);
  });
});
