import { describe, expect, it } from "vitest";
import { PENDING } from "../../src/future/index.js";
import { run } from "../../src/runtime/index.js";
import { Notify } from "../../src/sync/index.js";
import { spawn } from "../../src/task/index.js";
import { CountingWaker, cancellable, settle, Token } from "./helpers.js";

describe("Notify", () => {
  it("notifyOne wakes the first waiter, first come first served", async () => {
    const order: number[] = [];
    await run(function* () {
      const n = new Notify();
      const hs = [0, 1, 2].map((i) =>
        spawn(function* () {
          yield* n.notified();
          order.push(i);
        }),
      );
      yield* settle(1);
      n.notifyOne();
      yield* settle(1);
      expect(order).toEqual([0]);
      n.notifyOne();
      yield* settle(1);
      expect(order).toEqual([0, 1]);
      n.notifyOne();
      for (const h of hs) yield* h;
    });
    expect(order).toEqual([0, 1, 2]);
  });

  it("notifyOne with nobody waiting stores ONE permit", async () => {
    await run(function* () {
      const n = new Notify();
      n.notifyOne();
      n.notifyOne();
      yield* n.notified(); // consumes the permit
      const second = spawn(n.notified());
      yield* settle(2);
      expect(second.isFinished()).toBe(false);
      n.notifyOne();
      yield* second;
    });
  });

  it("notifyWaiters wakes only the current waiters (created ones included) and stores nothing", async () => {
    await run(function* () {
      const n = new Notify();
      const created = n.notified(); // not polled yet, but already registered for notifyWaiters
      const waiting = spawn(n.notified());
      yield* settle(1);
      n.notifyWaiters();
      yield* waiting;
      yield* created;
      const later = spawn(n.notified());
      yield* settle(2);
      expect(later.isFinished()).toBe(false);
      n.notifyOne();
      yield* later;
    });
  });

  it("a notifyOne delivered to a waiter cancelled before it observed it is forwarded", async () => {
    await run(function* () {
      const n = new Notify();
      const w = new CountingWaker();
      const a = n.notified();
      expect(a.poll(w)).toBe(PENDING);
      const b = spawn(n.notified());
      yield* settle(1);
      n.notifyOne(); // goes to a
      a.cancel(); // forwarded to b
      yield* b;
      // and with no waiter left, a forwarded notification becomes the stored permit
      const c = n.notified();
      expect(c.poll(w)).toBe(PENDING);
      n.notifyOne();
      c.cancel();
      yield* n.notified();
    });
  });

  it("a cancelled waiting notified() leaves the queue", async () => {
    await run(function* () {
      const n = new Notify();
      const token = new Token();
      const a = spawn(cancellable(n.notified(), token));
      yield* settle(1);
      token.cancel();
      expect(yield* a).toEqual({ ok: false });
      n.notifyOne(); // nobody waits: stored, not lost on the cancelled waiter
      yield* n.notified();
    });
  });
});

describe("Notify parity: notifyLast, Notified.enable", () => {
  it("notifyLast wakes the most recent waiter; with none it stores a permit", async () => {
    const n = new Notify();
    const order: number[] = [];
    await run(function* () {
      for (let i = 0; i < 3; i++) {
        spawn(function* () {
          yield* n.notified();
          order.push(i);
        });
      }
      yield* settle();
      n.notifyLast();
      yield* settle();
      n.notifyOne();
      yield* settle();
      n.notifyLast();
      yield* settle();
    });
    expect(order).toEqual([2, 0, 1]);
    const m = new Notify();
    m.notifyLast();
    const f = m.notified();
    expect(f.poll(new CountingWaker())).toBeUndefined();
  });

  it("enable() queues the future before it is polled, so notifyOne picks it; returns true once notified", () => {
    const n = new Notify();
    const a = n.notified();
    expect(a.enable()).toBe(false);
    expect(a.enable()).toBe(false); // idempotent
    n.notifyOne(); // goes to `a`, not to a stored permit
    const b = n.notified();
    expect(b.poll(new CountingWaker())).toBe(PENDING);
    expect(a.enable()).toBe(true);
    expect(a.poll(new CountingWaker())).toBeUndefined();
    b.cancel?.();
  });

  it("enable() takes a stored permit; dropping it unobserved forwards the permit", () => {
    const n = new Notify();
    n.notifyOne();
    const a = n.notified();
    expect(a.enable()).toBe(true);
    a.cancel?.();
    expect(n.notified().poll(new CountingWaker())).toBeUndefined(); // the permit came back
  });
});
