import { describe, expect, it } from "vitest";
import { PENDING } from "../../src/future/index.js";
import { run } from "../../src/runtime/index.js";
import { AcquireError, Semaphore, type SemaphorePermit } from "../../src/sync/index.js";
import { spawn } from "../../src/task/index.js";
import { CountingWaker, cancellable, settle, Token } from "./helpers.js";

describe("Semaphore", () => {
  it("bounds concurrency to its permits", async () => {
    await run(function* () {
      const sem = new Semaphore(3);
      let inside = 0;
      let maxInside = 0;
      const hs = Array.from({ length: 10 }, () =>
        spawn(function* () {
          using _p = yield* sem.acquire();
          inside++;
          maxInside = Math.max(maxInside, inside);
          yield* settle(2);
          inside--;
        }),
      );
      for (const h of hs) yield* h;
      expect(maxInside).toBe(3);
      expect(sem.availablePermits).toBe(3);
    });
  });

  it("is fair for acquire(n): a large request is not overtaken by later small ones", async () => {
    const order: string[] = [];
    await run(function* () {
      const sem = new Semaphore(2);
      const held = yield* sem.acquire(2);
      const big = spawn(function* () {
        using _p = yield* sem.acquire(2);
        order.push("big");
      });
      yield* settle(1);
      const small = spawn(function* () {
        using _p = yield* sem.acquire(1);
        order.push("small");
      });
      yield* settle(1);
      held.release(); // 2 permits: the big request at the front takes both
      yield* big;
      yield* small;
    });
    expect(order).toEqual(["big", "small"]);
  });

  it("assigns released permits to the front waiter even partially; tryAcquire cannot overtake", async () => {
    await run(function* () {
      const sem = new Semaphore(3);
      const p2 = sem.tryAcquire(2)!;
      const w = new CountingWaker();
      const want3 = sem.acquire(3);
      expect(want3.poll(w)).toBe(PENDING); // takes the 1 free permit, waits for 2 more
      expect(sem.availablePermits).toBe(0);
      expect(sem.tryAcquire(1)).toBeUndefined();
      p2.release();
      expect(w.wakes).toBe(1);
      const p = want3.poll(w) as SemaphorePermit;
      expect(p.count).toBe(3);
      p.release();
      expect(sem.availablePermits).toBe(3);
    });
  });

  it("cancelling a waiter returns the permits assigned to it, serving the next waiters", async () => {
    await run(function* () {
      const sem = new Semaphore(2);
      const p1 = sem.tryAcquire(1)!;
      const token = new Token();
      const big = spawn(cancellable(sem.acquire(2), token)); // takes 1, waits for 1
      yield* settle(1);
      const small = spawn(sem.acquire(1));
      yield* settle(1);
      expect(small.isFinished()).toBe(false);
      token.cancel();
      expect(yield* big).toEqual({ ok: false });
      const p2 = yield* small; // got the permit the cancelled waiter held
      expect(sem.availablePermits).toBe(0);
      p1.release();
      p2.release();
      expect(sem.availablePermits).toBe(2);
    });
  });

  it("permits granted to a cancelled waiter before it observed them go back", async () => {
    await run(function* () {
      const sem = new Semaphore(1);
      const held = sem.tryAcquire()!;
      const w = new CountingWaker();
      const a = sem.acquire();
      expect(a.poll(w)).toBe(PENDING);
      held.release();
      expect(sem.availablePermits).toBe(0); // granted to a
      a.cancel();
      expect(sem.availablePermits).toBe(1);
    });
  });

  it("close() fails every waiter and later acquires with AcquireError; held permits stay valid", async () => {
    await run(function* () {
      const sem = new Semaphore(1);
      const held = yield* sem.acquire();
      const waiters = [1, 2].map(() =>
        spawn(function* () {
          try {
            yield* sem.acquire();
            return "acquired";
          } catch (e) {
            return e instanceof AcquireError ? "AcquireError" : "other";
          }
        }),
      );
      yield* settle(1);
      sem.close();
      expect(sem.isClosed()).toBe(true);
      for (const h of waiters) expect(yield* h).toBe("AcquireError");
      expect(() => sem.tryAcquire()).toThrow(AcquireError);
      let caught: unknown;
      try {
        yield* sem.acquire();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(AcquireError);
      held.release();
      expect(sem.availablePermits).toBe(1);
    });
  });

  it("addPermits wakes waiters; forget() drops permits for good; release is idempotent", async () => {
    await run(function* () {
      const sem = new Semaphore(0);
      const h = spawn(sem.acquire(2));
      yield* settle(1);
      sem.addPermits(1);
      yield* settle(1);
      expect(h.isFinished()).toBe(false);
      sem.addPermits(1);
      const p = yield* h;
      p.forget();
      p.release();
      expect(sem.availablePermits).toBe(0);
      sem.addPermits(2);
      {
        using q = sem.tryAcquire(2)!;
        expect(q.count).toBe(2);
        q.release();
      }
      expect(sem.availablePermits).toBe(2);
    });
  });

  it("rejects bad counts naming the value", () => {
    expect(() => new Semaphore(-1)).toThrow(/permits must be an integer from 0.*got -1/);
    expect(() => new Semaphore(1.5)).toThrow(RangeError);
    const sem = new Semaphore(1);
    expect(() => sem.acquire(0.5)).toThrow(/got 0\.5/);
    expect(() => sem.tryAcquire(-2)).toThrow(RangeError);
    expect(() => sem.addPermits(Number.NaN)).toThrow(/got NaN/);
    expect(() => sem.addPermits(2 ** 31)).toThrow(RangeError);
  });
});

describe("Semaphore parity: forgetPermits, MAX_PERMITS", () => {
  it("forgetPermits removes only free permits and says how many", () => {
    const sem = new Semaphore(5);
    const held = sem.tryAcquire(2)!;
    expect(sem.forgetPermits(10)).toBe(3);
    expect(sem.availablePermits).toBe(0);
    held.release();
    expect(sem.availablePermits).toBe(2); // held permits were not touched
    expect(sem.forgetPermits(1)).toBe(1);
    expect(() => sem.forgetPermits(-1)).toThrow(/forgetPermits\(n\): n must be an integer from 0.*got -1/);
  });

  it("MAX_PERMITS bounds the constructor and addPermits", () => {
    expect(Semaphore.MAX_PERMITS).toBe(2 ** 31 - 1);
    expect(() => new Semaphore(Semaphore.MAX_PERMITS + 1)).toThrow(RangeError);
    const sem = new Semaphore(Semaphore.MAX_PERMITS);
    expect(() => sem.addPermits(1)).toThrow(/exceed the maximum/);
  });
});
