import { describe, expect, it } from "vitest";
import { PENDING } from "../../src/future/index.js";
import { run } from "../../src/runtime/index.js";
import { oneshot, RecvError } from "../../src/sync/index.js";
import { spawn } from "../../src/task/index.js";
import { CountingWaker, cancellable, settle, Token } from "./helpers.js";

describe("oneshot", () => {
  it("delivers one value: send is synchronous, awaiting the receiver gives the value", async () => {
    const out = await run(function* () {
      const [tx, rx] = oneshot<number>();
      spawn(function* () {
        yield* settle(2);
        expect(tx.send(42)).toBe(true);
      });
      return yield* rx;
    });
    expect(out).toBe(42);
  });

  it("carries undefined like any other value", async () => {
    const out = await run(function* () {
      const [tx, rx] = oneshot<undefined>();
      tx.send(undefined);
      return yield* rx;
    });
    expect(out).toBeUndefined();
  });

  it("throws RecvError when the sender closes (or is disposed) without sending", async () => {
    await run(function* () {
      const [tx, rx] = oneshot<number>();
      spawn(function* () {
        using _ = tx;
        yield* settle(1);
      });
      let caught: unknown;
      try {
        yield* rx;
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(RecvError);
    });
  });

  it("send returns false once the receiver is closed; the sender can see it", async () => {
    await run(function* () {
      const [tx, rx] = oneshot<string>();
      const watcher = spawn(function* () {
        yield* tx.closed();
        return "receiver gone";
      });
      yield* settle(1);
      expect(tx.isClosed()).toBe(false);
      rx.close();
      expect(yield* watcher).toBe("receiver gone");
      expect(tx.isClosed()).toBe(true);
      expect(tx.send("late")).toBe(false);
    });
  });

  it("a value sent before the receiver closed can still be taken with tryRecv", async () => {
    await run(function* () {
      const [tx, rx] = oneshot<number>();
      expect(rx.tryRecv()).toBeUndefined();
      tx.send(1);
      rx.close();
      expect(rx.tryRecv()).toBe(1);
      expect(() => rx.tryRecv()).toThrow(RecvError);
    });
  });

  it("a sender sends once", () => {
    const [tx] = oneshot<number>();
    tx.send(1);
    expect(() => tx.send(2)).toThrow(/called twice/);
    tx.close(); // no-op after send
  });

  it("awaiting the receiver is cancel-safe: a later await still gets the value", async () => {
    await run(function* () {
      const [tx, rx] = oneshot<number>();
      const token = new Token();
      const first = spawn(cancellable(rx, token));
      yield* settle(1);
      token.cancel();
      expect(yield* first).toEqual({ ok: false });
      tx.send(9);
      expect(yield* rx).toBe(9);
    });
  });

  it("a cancelled await stops waking its task", async () => {
    await run(function* () {
      const [tx, rx] = oneshot<number>();
      const w = new CountingWaker();
      expect(rx.poll(w)).toBe(PENDING);
      rx.cancel();
      tx.send(1);
      expect(w.wakes).toBe(0);
      expect(rx.tryRecv()).toBe(1);
    });
  });

  it("awaiting a receiver again after it produced its value is an error", async () => {
    await expect(
      run(function* () {
        const [tx, rx] = oneshot<number>();
        tx.send(1);
        yield* rx;
        yield* rx;
      }),
    ).rejects.toThrow(/one value/);
  });
});
