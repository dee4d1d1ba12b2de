import { describe, expect, it } from "vitest";
import { PENDING } from "../../src/future/index.js";
import { run } from "../../src/runtime/index.js";
import { Mutex } from "../../src/sync/index.js";
import { type JoinHandle, spawn } from "../../src/task/index.js";
import { CountingWaker, cancellable, settle, Token } from "./helpers.js";

describe("Mutex", () => {
  it("grants the lock first come, first served, and the guard may be held across awaits", async () => {
    const order: string[] = [];
    await run(function* () {
      const m = new Mutex<string[]>([]);
      const hs: JoinHandle<void>[] = [];
      for (const name of ["a", "b", "c", "d"]) {
        hs.push(
          spawn(function* () {
            using g = yield* m.lock();
            order.push(`${name} in`);
            yield* settle(2); // other tasks run while the lock is held
            g.value.push(name);
            order.push(`${name} out`);
          }),
        );
      }
      for (const h of hs) yield* h;
      const g = m.tryLock()!;
      expect(g.value).toEqual(["a", "b", "c", "d"]);
      g.release();
    });
    expect(order).toEqual(["a in", "a out", "b in", "b out", "c in", "c out", "d in", "d out"]);
  });

  it("`using` releases on scope exit, on throw, and when the task is aborted", async () => {
    await run(function* () {
      const m = new Mutex(0);
      {
        using g = yield* m.lock();
        g.value = 5;
        expect(m.isLocked()).toBe(true);
      }
      expect(m.isLocked()).toBe(false);
      try {
        using g = yield* m.lock();
        g.value++;
        throw new Error("boom");
      } catch {}
      expect(m.isLocked()).toBe(false);
      const holder = spawn(function* () {
        using _g = yield* m.lock();
        yield* settle(100);
      });
      yield* settle(1);
      expect(m.isLocked()).toBe(true);
      holder.abort();
      yield* settle(1);
      expect(m.isLocked()).toBe(false);
      expect(m.tryLock()!.value).toBe(6);
    });
  });

  it("a guard reads and writes the value, release is idempotent, and use after release throws", async () => {
    await run(function* () {
      const m = new Mutex({ n: 1 });
      const g = yield* m.lock();
      g.value = { n: 2 };
      g.release();
      g.release();
      expect(() => g.value).toThrow(/after release/);
      expect(() => {
        g.value = { n: 3 };
      }).toThrow(/after release/);
      expect(m.tryLock()!.value).toEqual({ n: 2 });
    });
  });

  it("tryLock fails while the lock is held", () => {
    const m = new Mutex(1);
    const g = m.tryLock()!;
    expect(m.tryLock()).toBeUndefined();
    g.release();
    expect(m.tryLock()).toBeDefined();
  });

  it("withLock runs a plain or a generator function under the lock and unlocks after, also on error", async () => {
    await run(function* () {
      const m = new Mutex(0);
      expect(yield* m.withLock((g) => ++g.value)).toBe(1);
      const r = yield* m.withLock(function* (g) {
        yield* settle(1);
        g.value += 10;
        return g.value;
      });
      expect(r).toBe(11);
      let caught: unknown;
      try {
        yield* m.withLock(function* () {
          yield* settle(1);
          throw new Error("inside");
        });
      } catch (e) {
        caught = e;
      }
      expect((caught as Error).message).toBe("inside");
      expect(m.isLocked()).toBe(false);
      expect(() => m.withLock(42 as never)).toThrow(/withLock expects a function.*got 42/);
    });
  });

  it("a cancelled waiting lock leaves the queue; the next waiter still gets the lock", async () => {
    await run(function* () {
      const m = new Mutex(0);
      const held = yield* m.lock();
      const token = new Token();
      const cancelled = spawn(cancellable(m.lock(), token));
      const next = spawn(function* () {
        using g = yield* m.lock();
        return g.value;
      });
      yield* settle(1);
      token.cancel();
      expect(yield* cancelled).toEqual({ ok: false });
      held.release();
      expect(yield* next).toBe(0);
      expect(m.isLocked()).toBe(false);
    });
  });

  it("a lock granted to a cancelled waiter before it observed it passes to the next waiter", async () => {
    await run(function* () {
      const m = new Mutex(0);
      const held = m.tryLock()!;
      const w1 = new CountingWaker();
      const w2 = new CountingWaker();
      const a = m.lock();
      const b = m.lock();
      expect(a.poll(w1)).toBe(PENDING);
      expect(b.poll(w2)).toBe(PENDING);
      held.release(); // granted to a
      expect(w1.wakes).toBe(1);
      a.cancel();
      expect(w2.wakes).toBe(1);
      const g = b.poll(w2);
      expect(g).not.toBe(PENDING);
      (g as { release(): void }).release();
      expect(m.isLocked()).toBe(false);
    });
  });
});

describe("MutexGuard.map (Tokio parity)", () => {
  it("a mapped guard holds the lock, exposes only the part, and releases it once", async () => {
    const m = new Mutex({ a: { n: 1 }, b: { n: 2 } });
    const order: string[] = [];
    await run(function* () {
      const waiter = spawn(function* () {
        using g = yield* m.lock();
        order.push(`waiter sees a=${g.value.a.n}`);
      });
      {
        using whole = yield* m.lock();
        using a = whole.map((v) => v.a);
        whole.release(); // gave the lock to `a`: does nothing
        yield* settle();
        expect(m.isLocked()).toBe(true);
        a.value.n = 10;
        const deeper = a.map((x) => x);
        expect(() => a.value).toThrow(/after release/);
        deeper.release();
        deeper.release(); // idempotent
        order.push("released");
      }
      yield* waiter;
    });
    expect(order).toEqual(["released", "waiter sees a=10"]);
    expect(() => new Mutex(1).tryLock()!.map(3 as never)).toThrow(/expects a function.*got 3/);
  });
});
