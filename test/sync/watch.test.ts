import { describe, expect, it } from "vitest";
import { run } from "../../src/runtime/index.js";
import { RecvError, SendError, watch } from "../../src/sync/index.js";
import { spawn } from "../../src/task/index.js";
import { cancellable, settle, Token } from "./helpers.js";

describe("watch", () => {
  it("borrow reads the latest value; the initial value counts as seen", async () => {
    await run(function* () {
      const [tx, rx] = watch("a");
      expect(rx.borrow()).toBe("a");
      expect(rx.hasChanged()).toBe(false);
      const h = spawn(function* () {
        yield* rx.changed();
        return rx.borrow();
      });
      yield* settle(2);
      expect(h.isFinished()).toBe(false);
      tx.send("b");
      expect(yield* h).toBe("b");
    });
  });

  it("changed() completes at once for an unseen version, and several sends count as one change", async () => {
    await run(function* () {
      const [tx, rx] = watch(0);
      tx.send(1);
      tx.send(2);
      expect(rx.hasChanged()).toBe(true);
      yield* rx.changed();
      expect(rx.borrow()).toBe(2);
      const h = spawn(rx.changed());
      yield* settle(2);
      expect(h.isFinished()).toBe(false); // version 2 already seen
      tx.send(3);
      yield* h;
    });
  });

  it("borrowAndUpdate marks the value seen; markChanged makes changed() complete at once", async () => {
    await run(function* () {
      const [tx, rx] = watch(0);
      tx.send(1);
      expect(rx.borrowAndUpdate()).toBe(1);
      expect(rx.hasChanged()).toBe(false);
      rx.markChanged();
      yield* rx.changed();
      expect(rx.hasChanged()).toBe(false);
    });
  });

  it("after the sender closes, changed() returns the unseen value first, then throws RecvError", async () => {
    await run(function* () {
      const [tx, rx] = watch(0);
      tx.send(1);
      tx.close();
      yield* rx.changed();
      expect(rx.borrow()).toBe(1);
      let caught: unknown;
      try {
        yield* rx.changed();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(RecvError);
      expect(() => rx.hasChanged()).toThrow(RecvError);
    });
  });

  it("closing the sender wakes a waiting changed() with RecvError", async () => {
    await run(function* () {
      const [tx, rx] = watch(0);
      const h = spawn(function* () {
        try {
          yield* rx.changed();
          return "changed";
        } catch (e) {
          return e instanceof RecvError ? "closed" : "other";
        }
      });
      yield* settle(1);
      tx.close();
      expect(yield* h).toBe("closed");
    });
  });

  it("subscribe and clone: each receiver tracks what it has seen", async () => {
    await run(function* () {
      const [tx, rx] = watch(0);
      tx.send(1);
      const fresh = tx.subscribe(); // has seen 1
      const copy = rx.clone(); // has not seen 1, like rx
      expect(fresh.hasChanged()).toBe(false);
      expect(copy.hasChanged()).toBe(true);
      expect(tx.receiverCount).toBe(3);
    });
  });

  it("send throws SendError when every receiver is closed; sendReplace and sendModify still work", () => {
    const [tx, rx] = watch({ n: 1 });
    rx.close();
    expect(tx.isClosed()).toBe(true);
    expect(() => tx.send({ n: 2 })).toThrow(SendError);
    expect(tx.borrow()).toEqual({ n: 1 });
    expect(tx.sendReplace({ n: 3 })).toEqual({ n: 1 });
    tx.sendModify((v) => {
      v.n++;
    });
    expect(tx.borrow()).toEqual({ n: 4 });
  });

  it("waitFor checks the current value first, then each change", async () => {
    await run(function* () {
      const [tx, rx] = watch(0);
      expect(yield* rx.waitFor((v) => v === 0)).toBe(0);
      const h = spawn(rx.waitFor((v) => v >= 3));
      for (let i = 1; i <= 4; i++) {
        tx.send(i);
        yield* settle(1);
      }
      expect(yield* h).toBe(3);
    });
  });

  it("changed() is cancel-safe: nothing is marked seen by a cancelled call", async () => {
    await run(function* () {
      const [tx, rx] = watch(0);
      const token = new Token();
      const h = spawn(cancellable(rx.changed(), token));
      yield* settle(1);
      token.cancel();
      expect(yield* h).toEqual({ ok: false });
      tx.send(1);
      expect(rx.hasChanged()).toBe(true);
      yield* rx.changed();
    });
  });
});
