import { describe, expect, it } from "vitest";
import {
  type Context,
  FutureBase,
  fromPromise,
  PENDING,
  type Poll,
  type Waker,
} from "../../src/future/index.js";
import { Runtime, run } from "../../src/runtime/index.js";
import { consumeBudget, spawn, yieldNow } from "../../src/task/index.js";
import { AlwaysReady } from "../helpers.js";

/** A one-slot mailbox whose put() wakes the receiver from inside the sender's poll. */
class Mailbox extends FutureBase<number> {
  private value: number | null = null;
  private waker: Waker | null = null;
  put(v: number): void {
    this.value = v;
    const w = this.waker;
    this.waker = null;
    w?.wake();
  }
  poll(cx: Context): Poll<number> {
    if (this.value !== null) {
      const v = this.value;
      this.value = null;
      return v;
    }
    this.waker = cx.waker;
    return PENDING;
  }
}

describe("LIFO slot", () => {
  it("a task woken by the running task runs next, ahead of the queue", async () => {
    const order: string[] = [];
    await run(function* () {
      const box = new Mailbox();
      const receiver = spawn(function* () {
        order.push(`received ${yield* box}`);
      });
      yield* yieldNow(); // receiver is now waiting on the box
      const other = spawn(function* () {
        order.push("other");
      });
      box.put(1); // wakes receiver from inside main's poll: LIFO slot
      yield* yieldNow();
      yield* receiver;
      yield* other;
    });
    // `other` was queued first, but the woken receiver ran before it.
    expect(order).toEqual(["received 1", "other"]);
  });

  it("is bounded: two tasks ping-ponging through it cannot starve a queued task", async () => {
    const log: string[] = [];
    await run(function* () {
      const toA = new Mailbox();
      const toB = new Mailbox();
      const rounds = 50;
      const a = spawn(function* () {
        for (let i = 0; i < rounds; i++) {
          toB.put(i);
          yield* toA;
          log.push("a");
        }
      });
      const b = spawn(function* () {
        for (let i = 0; i < rounds; i++) {
          yield* toB;
          log.push("b");
          toA.put(i);
        }
      });
      const starved = spawn(function* () {
        log.push("queued task ran");
      });
      yield* a;
      yield* b;
      yield* starved;
    });
    const at = log.indexOf("queued task ran");
    expect(at).toBeGreaterThanOrEqual(0);
    // Without a bound it would run only after all 100 ping-pong steps.
    expect(at).toBeLessThan(10);
  });
});

describe("cooperative budget", () => {
  it("a task that always finds its data ready cannot starve another task", async () => {
    const log: string[] = [];
    await run(function* () {
      const ready = new AlwaysReady();
      let stop = false;
      const hog = spawn(function* () {
        let n = 0;
        while (!stop) n += yield* ready;
        return n;
      });
      const polite = spawn(function* () {
        log.push("polite ran");
        stop = true;
      });
      yield* polite;
      const n = yield* hog;
      // One budget's worth (128 units) in its first poll, forced to yield, then one more unit
      // after `polite` set the flag.
      expect(n).toBe(129);
    });
    expect(log).toEqual(["polite ran"]);
  });

  it("a busy task cannot starve a Node timer", async () => {
    const rt = new Runtime();
    let timerFired = false;
    setTimeout(() => {
      timerFired = true;
    }, 5);
    let spins = 0;
    await rt.run(function* () {
      const ready = new AlwaysReady();
      while (!timerFired) {
        yield* ready;
        spins++;
      }
    });
    expect(timerFired).toBe(true);
    expect(spins).toBeGreaterThan(0);
    expect(rt.metrics().budgetYields).toBeGreaterThan(0);
    expect(rt.metrics().eventLoopYields).toBeGreaterThan(0);
    await rt.shutdown();
  });

  it("consumeBudget yields only when the budget is spent", async () => {
    const rt = new Runtime({ budget: 10 });
    await rt.run(function* () {
      for (let i = 0; i < 35; i++) yield* consumeBudget();
    });
    const m = rt.metrics();
    expect(m.budgetYields).toBe(3); // refused at units 11, 22, 33
    expect(m.polls).toBe(4);
    await rt.shutdown();
  });
});

describe("event loop integration", () => {
  it("with yieldAfterMs: 0, every eventInterval polls the runtime lets Node's timers and IO run", async () => {
    const rt = new Runtime({ eventInterval: 4, yieldAfterMs: 0 });
    let immediateRan = false;
    let pollsBeforeImmediate = -1;
    await rt.run(function* () {
      setImmediate(() => {
        immediateRan = true;
      });
      for (let i = 0; i < 20 && !immediateRan; i++) {
        yield* yieldNow();
        pollsBeforeImmediate = i + 2;
      }
    });
    expect(immediateRan).toBe(true);
    expect(pollsBeforeImmediate).toBeLessThanOrEqual(5);
    await rt.shutdown();
  });

  it("many wakes from one Node callback schedule one drain", async () => {
    const rt = new Runtime();
    const boxes = Array.from({ length: 10 }, () => new Mailbox());
    const result = rt.run(function* () {
      const hs = boxes.map((b) => spawn(b));
      let sum = 0;
      for (const h of hs) sum += yield* h;
      return sum;
    });
    await new Promise((r) => setImmediate(r));
    const before = rt.metrics();
    setTimeout(() => {
      for (const b of boxes) b.put(1);
    }, 1);
    expect(await result).toBe(10);
    const after = rt.metrics();
    expect(after.wakesOutside - before.wakesOutside).toBe(10);
    expect(after.eventLoopYields).toBe(0);
    await rt.shutdown();
  });
  it("by default, busy tasks yield to Node's event loop at least every few milliseconds", async () => {
    const rt = new Runtime();
    const gaps: number[] = [];
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      gaps.push(now - last);
      last = now;
    }, 1);
    // Busy until the 1 ms timer has fired six times: on a loaded machine that takes longer, never
    // forever. A runtime that starved Node's event loop would spin until the 10 s bound.
    await rt.run(function* () {
      const bound = performance.now() + 10_000;
      while (gaps.length < 6 && performance.now() < bound) yield* yieldNow();
    });
    clearInterval(timer);
    expect(gaps.length).toBeGreaterThan(5);
    expect(rt.metrics().eventLoopYields).toBeGreaterThan(5);
    await rt.shutdown();
  });
});

describe("metrics", () => {
  it("counts are exact in a small scenario", async () => {
    const rt = new Runtime({ onTaskError: () => {} });
    await rt.run(function* () {
      const ok = spawn(function* () {
        yield* yieldNow(); // 1 self-wake
        return 1;
      });
      const bad = spawn(function* () {
        throw new Error("x");
      });
      const parked = spawn(function* () {
        yield* fromPromise(() => new Promise(() => {}));
      });
      yield* ok; // main waits: woken from inside ok's poll
      try {
        yield* bad;
      } catch {}
      parked.abort();
      try {
        yield* parked;
      } catch {}
    });
    const m = rt.metrics();
    expect(m.tasksSpawned).toBe(4);
    expect(m.tasksCompleted).toBe(2); // main and ok
    expect(m.tasksFailed).toBe(1);
    expect(m.tasksCancelled).toBe(1);
    expect(m.tasksAlive).toBe(0);
    expect(m.selfWakes).toBe(1);
    expect(m.wakesOutside).toBe(0);
    // main: first poll, after ok, after bad (done at once), after parked; ok: 2; bad: 1; parked: 2.
    expect(m.polls).toBe(8);
    expect(m.pendingSources).toBe(0); // the cancelled promise no longer counts
    await rt.shutdown();
  });

  it("instrument: true measures busy time", async () => {
    const rt = new Runtime({ instrument: true, slowPollMs: 1 });
    await rt.run(function* () {
      const until = performance.now() + 3;
      while (performance.now() < until) {}
    });
    const m = rt.metrics();
    expect(m.busyMs).toBeGreaterThan(0);
    expect(m.slowPolls).toBe(1);
    await rt.shutdown();
  });
});
