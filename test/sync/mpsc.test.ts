import { describe, expect, it } from "vitest";
import { EMPTY, END, type End, PENDING, type Suspend } from "../../src/future/index.js";
import { Runtime, run } from "../../src/runtime/index.js";
import { mpsc, SendError } from "../../src/sync/index.js";
import { type JoinHandle, spawn, yieldNow } from "../../src/task/index.js";
import { CountingWaker, cancellable, settle, Token } from "./helpers.js";

function* drain<T>(rx: { recv(): { [Symbol.iterator](): Iterator<Suspend, T | End> } }) {
  const out: T[] = [];
  for (let v = yield* rx.recv(); v !== END; v = yield* rx.recv()) out.push(v);
  return out;
}

describe("mpsc.channel", () => {
  it("delivers messages in order and ends with END once every sender is closed and drained", async () => {
    const out = await run(function* () {
      const [tx, rx] = mpsc.channel<number>(2);
      const tx2 = tx.clone();
      spawn(function* () {
        for (let i = 0; i < 5; i++) yield* tx.send(i);
        tx.close();
      });
      const received = [];
      for (let i = 0; i < 5; i++) received.push(yield* rx.recv());
      // tx is closed but tx2 is open: recv must wait, not end.
      const h = spawn(function* () {
        return yield* rx.recv();
      });
      yield* settle(3);
      expect(h.isFinished()).toBe(false);
      tx2.close();
      received.push(yield* h);
      return received;
    });
    expect(out).toEqual([0, 1, 2, 3, 4, END]);
  });

  it("send waits while the channel is full; the buffer never exceeds capacity", async () => {
    await run(function* () {
      const [tx, rx] = mpsc.channel<number>(2);
      let sent = 0;
      const producer = spawn(function* () {
        for (let i = 0; i < 6; i++) {
          yield* tx.send(i);
          sent++;
          expect(rx.length).toBeLessThanOrEqual(2);
        }
        tx.close();
      });
      yield* settle(5);
      expect(sent).toBe(2);
      expect(rx.length).toBe(2);
      expect(tx.capacity).toBe(0);
      expect(yield* rx.recv()).toBe(0);
      yield* settle(5);
      expect(sent).toBe(3);
      expect(yield* drain(rx)).toEqual([1, 2, 3, 4, 5]);
      yield* producer;
    });
  });

  it("serves waiting senders first come, first served", async () => {
    const out = await run(function* () {
      const [tx, rx] = mpsc.channel<string>(1);
      tx.trySend("first");
      const hs: JoinHandle<void>[] = [];
      for (const name of ["a", "b", "c"]) {
        const mine = tx.clone();
        hs.push(
          spawn(function* () {
            yield* mine.send(name);
            mine.close();
          }),
        );
        yield* settle(1); // a queues before b, b before c
      }
      tx.close();
      return yield* drain(rx);
    });
    expect(out).toEqual(["first", "a", "b", "c"]);
  });

  it("trySend sends when there is room, returns false when full, never overtakes a queued sender", async () => {
    await run(function* () {
      const [tx, rx] = mpsc.channel<number>(1);
      expect(tx.trySend(1)).toBe(true);
      expect(tx.trySend(2)).toBe(false);
      const waiter = spawn(tx.clone().send(3));
      yield* settle(2);
      expect(yield* rx.recv()).toBe(1);
      // The freed slot belongs to the queued sender, not to trySend.
      expect(tx.trySend(4)).toBe(false);
      yield* waiter;
      expect(yield* rx.recv()).toBe(3);
      expect(tx.trySend(5)).toBe(true);
    });
  });

  it("reserve() holds a slot; permit.send is synchronous; an unused permit gives the slot back", async () => {
    await run(function* () {
      const [tx, rx] = mpsc.channel<string>(1);
      const permit = yield* tx.reserve();
      expect(tx.capacity).toBe(0);
      expect(tx.trySend("x")).toBe(false);
      permit.send("reserved");
      expect(() => permit.send("again")).toThrow(/already used/);
      expect(yield* rx.recv()).toBe("reserved");
      {
        using unused = yield* tx.reserve();
        expect(unused).toBeDefined();
        expect(tx.capacity).toBe(0);
      }
      expect(tx.capacity).toBe(1);
      const p = tx.tryReserve()!;
      expect(tx.tryReserve()).toBeUndefined();
      p.release();
      p.release(); // idempotent
      expect(tx.capacity).toBe(1);
    });
  });

  it("Receiver.close() stops new sends with SendError carrying the value, and lets the buffer drain", async () => {
    await run(function* () {
      const [tx, rx] = mpsc.channel<string>(1);
      tx.trySend("buffered");
      const permit = tx.clone().tryReserve(); // full: no permit
      expect(permit).toBeUndefined();
      const blocked = spawn(function* () {
        try {
          yield* tx.send("blocked");
          return "sent";
        } catch (e) {
          return e instanceof SendError ? `SendError(${e.value})` : "other";
        }
      });
      yield* settle(2);
      rx.close();
      expect(yield* blocked).toBe("SendError(blocked)");
      expect(() => tx.trySend("late")).toThrow(SendError);
      expect(tx.isClosed()).toBe(true);
      expect(yield* rx.recv()).toBe("buffered");
      expect(yield* rx.recv()).toBe(END);
      let caught: unknown;
      try {
        yield* tx.send("after");
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(SendError);
      expect((caught as SendError<string>).value).toBe("after");
    });
  });

  it("a permit reserved before Receiver.close() still delivers, and recv waits for it", async () => {
    await run(function* () {
      const [tx, rx] = mpsc.channel<number>(2);
      const permit = yield* tx.reserve();
      rx.close();
      tx.close();
      const h = spawn(drain(rx));
      yield* settle(2);
      expect(h.isFinished()).toBe(false);
      permit.send(7);
      expect(yield* h).toEqual([7]);
    });
  });

  it("rejects a capacity that is 0, negative, fractional or not a number, naming the value", () => {
    expect(() => mpsc.channel(0)).toThrow(RangeError);
    expect(() => mpsc.channel(0)).toThrow(/got 0.*mpsc\.unbounded/);
    expect(() => mpsc.channel(-1)).toThrow(/got -1/);
    expect(() => mpsc.channel(1.5)).toThrow(/got 1\.5/);
    expect(() => mpsc.channel(Number.NaN)).toThrow(/got NaN/);
    expect(() => mpsc.channel("4" as never)).toThrow(/got "4"/);
    expect(() => mpsc.channel(Number.POSITIVE_INFINITY)).toThrow(/got Infinity/);
  });

  it("carries undefined messages: END, not undefined, means closed and drained", async () => {
    const out = await run(function* () {
      const [tx, rx] = mpsc.channel<number | undefined>(4);
      spawn(function* () {
        yield* tx.send(undefined);
        yield* tx.send(1);
        expect(tx.trySend(undefined)).toBe(true);
        const permit = yield* tx.reserve();
        permit.send(undefined);
        tx.close();
      });
      const got: (number | undefined)[] = [];
      for (let m = yield* rx.recv(); m !== END; m = yield* rx.recv()) got.push(m);
      return [got, rx.tryRecv()];
    });
    expect(out).toEqual([[undefined, 1, undefined, undefined], END]);
  });

  it("tryRecv() tells EMPTY (nothing yet) from END (closed and drained)", async () => {
    await run(function* () {
      const [tx, rx] = mpsc.channel<undefined>(1);
      expect(rx.tryRecv()).toBe(EMPTY);
      tx.trySend(undefined);
      tx.close();
      expect(rx.tryRecv()).toBe(undefined);
      expect(rx.tryRecv()).toBe(END);
      const [utx, urx] = mpsc.unbounded<undefined>();
      expect(urx.tryRecv()).toBe(EMPTY);
      utx.send(undefined);
      utx.close();
      expect(urx.tryRecv()).toBe(undefined);
      expect(urx.tryRecv()).toBe(END);
    });
  });

  it("rejects use of a closed handle with errors naming the fix", async () => {
    await run(function* () {
      const [tx] = mpsc.channel<number | null>(1);
      const other = tx.clone();
      other.close();
      other.close(); // idempotent
      expect(() => other.send(1)).toThrow(/closed.*clone\(\)/);
      expect(() => other.clone()).toThrow(/closed/);
      expect(tx.trySend(null)).toBe(true);
    });
  });

  it("Sender and Receiver work with `using`", async () => {
    const out = await run(function* () {
      const [tx, rx] = mpsc.channel<number>(4);
      const producer = spawn(function* () {
        using mine = tx;
        yield* mine.send(1);
        yield* mine.send(2);
      });
      yield* producer;
      return yield* drain(rx);
    });
    expect(out).toEqual([1, 2]);
  });

  it("reports a second concurrent receiver instead of losing its wake-up", async () => {
    await expect(
      run(function* () {
        const [tx, rx] = mpsc.channel<number>(1);
        spawn(rx.recv());
        yield* settle(1);
        try {
          yield* rx.recv();
        } finally {
          tx.close();
        }
      }),
    ).rejects.toThrow(/two recv\(\) futures at once.*mpmc.channel/);
  });
});

describe("mpsc cancellation", () => {
  it("a cancelled waiting recv loses nothing", async () => {
    await run(function* () {
      const [tx, rx] = mpsc.channel<number>(1);
      const token = new Token();
      const h = spawn(cancellable(rx.recv(), token));
      yield* settle(1);
      token.cancel();
      expect(yield* h).toEqual({ ok: false });
      yield* tx.send(1);
      expect(yield* rx.recv()).toBe(1);
    });
  });

  it("a recv cancelled after a message arrived (woken, not yet polled) leaves the message", async () => {
    await run(function* () {
      const [tx, rx] = mpsc.channel<number>(1);
      const w = new CountingWaker();
      const fut = rx.recv();
      expect(fut.poll(w)).toBe(PENDING);
      expect(tx.trySend(5)).toBe(true);
      expect(w.wakes).toBe(1);
      fut.cancel();
      expect(rx.tryRecv()).toBe(5);
    });
  });

  it("a cancelled waiting send is not sent and the next waiting sender gets the slot", async () => {
    const out = await run(function* () {
      const [tx, rx] = mpsc.channel<string>(1);
      tx.trySend("x");
      const token = new Token();
      const first = spawn(cancellable(tx.clone().send("cancelled"), token));
      yield* settle(1);
      const second = spawn(tx.clone().send("second"));
      yield* settle(1);
      token.cancel();
      expect(yield* first).toEqual({ ok: false });
      tx.close();
      const got = [yield* rx.recv(), yield* rx.recv()];
      yield* second;
      return got;
    });
    expect(out).toEqual(["x", "second"]);
  });

  it("a send granted a slot but cancelled before it observed it sends nothing and passes the slot on", async () => {
    await run(function* () {
      const [tx, rx] = mpsc.channel<string>(1);
      tx.trySend("x");
      const w1 = new CountingWaker();
      const w2 = new CountingWaker();
      const a = tx.send("a");
      const b = tx.send("b");
      expect(a.poll(w1)).toBe(PENDING);
      expect(b.poll(w2)).toBe(PENDING);
      expect(rx.tryRecv()).toBe("x"); // the slot is granted to a
      expect(w1.wakes).toBe(1);
      a.cancel(); // dropped before observing: "a" is not sent; b gets the slot
      expect(w2.wakes).toBe(1);
      expect(b.poll(w2)).toBeUndefined();
      expect(rx.tryRecv()).toBe("b");
      expect(rx.tryRecv()).toBe(EMPTY);
      expect(tx.capacity).toBe(1);
    });
  });

  it("aborting a task blocked in send releases its place; nothing leaks", async () => {
    await run(function* () {
      const [tx, rx] = mpsc.channel<number>(1);
      tx.trySend(0);
      const blocked = spawn(tx.clone().send(1));
      yield* settle(1);
      blocked.abort();
      yield* settle(1);
      expect(yield* rx.recv()).toBe(0);
      expect(tx.capacity).toBe(1);
      expect(tx.trySend(2)).toBe(true);
    });
  });

  it("an unobserved reserve() granted a slot passes it on when cancelled", async () => {
    await run(function* () {
      const [tx, rx] = mpsc.channel<number>(1);
      tx.trySend(0);
      const w = new CountingWaker();
      const r = tx.reserve();
      expect(r.poll(w)).toBe(PENDING);
      rx.tryRecv();
      r.cancel();
      expect(tx.capacity).toBe(1);
    });
  });
});

describe("mpsc coop budget", () => {
  it("a receiver that always finds data still lets other tasks run", async () => {
    await run(
      function* () {
        const [tx, rx] = mpsc.unbounded<number>();
        for (let i = 0; i < 1000; i++) tx.send(i);
        tx.close();
        let otherRan = -1;
        let received = 0;
        spawn(function* () {
          otherRan = received;
        });
        for (let v = yield* rx.recv(); v !== END; v = yield* rx.recv()) received++;
        expect(received).toBe(1000);
        expect(otherRan).toBeGreaterThan(0);
        expect(otherRan).toBeLessThan(1000);
      },
      { budget: 100 },
    );
  });
});

describe("mpsc.unbounded", () => {
  it("sends synchronously, from outside any task too, and drains before ending", async () => {
    const [tx, rx] = mpsc.unbounded<string>();
    tx.send("before run");
    const out = await run(function* () {
      const tx2 = tx.clone();
      spawn(function* () {
        yield* yieldNow();
        tx2.send("from task");
        tx2.close();
      });
      tx.send("sync");
      tx.close();
      return yield* drain(rx);
    });
    expect(out).toEqual(["before run", "sync", "from task"]);
  });

  it("a callback outside the runtime wakes the receiver", async () => {
    const rt = new Runtime();
    const [tx, rx] = mpsc.unbounded<number>();
    const done = rt.run(drain(rx));
    setTimeout(() => {
      tx.send(42);
      tx.close();
    }, 1);
    expect(await done).toEqual([42]);
    await rt.shutdown();
  });

  it("Receiver.close() makes sends throw SendError and lets the buffer drain", async () => {
    await run(function* () {
      const [tx, rx] = mpsc.unbounded<number>();
      tx.send(1);
      rx.close();
      expect(rx.isClosed()).toBe(true);
      expect(() => tx.send(2)).toThrow(SendError);
      expect(yield* drain(rx)).toEqual([1]);
    });
  });

  it("carries undefined messages and rejects a closed handle", async () => {
    const out = await run(function* () {
      const [tx, rx] = mpsc.unbounded<string | undefined>();
      tx.send(undefined);
      tx.send("x");
      tx.send(undefined);
      tx.close();
      const got: (string | undefined)[] = [];
      for (let m = yield* rx.recv(); m !== END; m = yield* rx.recv()) got.push(m);
      return got;
    });
    expect(out).toEqual([undefined, "x", undefined]);
    const [tx] = mpsc.unbounded<number>();
    tx.close();
    expect(() => tx.send(1)).toThrow(/closed/);
  });
});
