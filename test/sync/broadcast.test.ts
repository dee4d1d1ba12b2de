import { describe, expect, it } from "vitest";
import { EMPTY, END } from "../../src/future/index.js";
import { run } from "../../src/runtime/index.js";
import { type BroadcastReceiver, broadcast, Lagged, SendError } from "../../src/sync/index.js";
import { spawn } from "../../src/task/index.js";
import { cancellable, settle, Token } from "./helpers.js";

function* collect<T>(rx: BroadcastReceiver<T>) {
  const out: (T | string)[] = [];
  for (;;) {
    try {
      const v = yield* rx.recv();
      if (v === END) return out;
      out.push(v);
    } catch (e) {
      if (!(e instanceof Lagged)) throw e;
      out.push(`lagged ${e.count}`);
    }
  }
}

describe("broadcast", () => {
  it("every receiver sees every value sent after it subscribed, in order", async () => {
    const out = await run(function* () {
      const [tx, rx1] = broadcast<number>(8);
      tx.send(1);
      const rx2 = tx.subscribe(); // does not see 1
      const a = spawn(collect(rx1));
      const b = spawn(collect(rx2));
      yield* settle(2);
      tx.send(2);
      tx.send(3);
      tx.close();
      return [yield* a, yield* b];
    });
    expect(out).toEqual([
      [1, 2, 3],
      [2, 3],
    ]);
  });

  it("a receiver that falls behind gets Lagged(count), then continues from the oldest value kept", async () => {
    await run(function* () {
      const [tx, rx] = broadcast<number>(2);
      for (let i = 1; i <= 5; i++) tx.send(i);
      expect(rx.length).toBe(5);
      let caught: unknown;
      try {
        yield* rx.recv();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(Lagged);
      expect((caught as Lagged).count).toBe(3);
      expect(yield* rx.recv()).toBe(4);
      expect(rx.tryRecv()).toBe(5);
      expect(rx.tryRecv()).toBe(EMPTY);
    });
  });

  it("send returns the number of receivers and throws SendError with the value when none is left", () => {
    const [tx, rx] = broadcast<string>(1);
    const rx2 = tx.subscribe();
    expect(tx.send("a")).toBe(2);
    rx.close();
    rx2.close();
    rx2.close(); // idempotent
    expect(tx.receiverCount).toBe(0);
    let caught: unknown;
    try {
      tx.send("b");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SendError);
    expect((caught as SendError<string>).value).toBe("b");
  });

  it("recv resolves END once every sender is closed and the receiver caught up", async () => {
    const out = await run(function* () {
      const [tx, rx] = broadcast<number>(4);
      const tx2 = tx.clone();
      tx.send(1);
      tx.close();
      const h = spawn(collect(rx));
      yield* settle(2);
      expect(h.isFinished()).toBe(false);
      tx2.send(2);
      tx2.close();
      return yield* h;
    });
    expect(out).toEqual([1, 2]);
  });

  it("recv is cancel-safe: a cancelled recv does not consume a value", async () => {
    await run(function* () {
      const [tx, rx] = broadcast<number>(4);
      const token = new Token();
      const h = spawn(cancellable(rx.recv(), token));
      yield* settle(1);
      token.cancel();
      expect(yield* h).toEqual({ ok: false });
      tx.send(7);
      expect(yield* rx.recv()).toBe(7);
    });
  });

  it("resubscribe starts at the current end; closing a receiver ends its waiting recv", async () => {
    await run(function* () {
      const [tx, rx] = broadcast<number>(4);
      tx.send(1);
      const late = rx.resubscribe();
      expect(late.tryRecv()).toBe(EMPTY);
      const waiting = spawn(late.recv());
      yield* settle(1);
      late.close();
      expect(yield* waiting).toBe(END);
      expect(() => late.recv()).toThrow(/after close/);
      expect(rx.tryRecv()).toBe(1);
    });
  });

  it("rejects a bad capacity", () => {
    expect(() => broadcast(0)).toThrow(/capacity must be an integer from 1.*got 0/);
    expect(() => broadcast(2.5)).toThrow(RangeError);
  });

  it("carries undefined values; END means every sender closed", async () => {
    const out = await run(function* () {
      const [tx, rx] = broadcast<number | undefined>(4);
      tx.send(undefined);
      tx.send(2);
      expect(rx.tryRecv()).toBe(undefined);
      tx.close();
      return [yield* rx.recv(), yield* rx.recv(), rx.tryRecv()];
    });
    expect(out).toEqual([2, END, END]);
  });
});
