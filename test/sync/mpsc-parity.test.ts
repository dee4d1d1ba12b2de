import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { END, select } from "../../src/future/index.js";
import { run } from "../../src/runtime/index.js";
import { mpsc, SendError, SendTimeoutError } from "../../src/sync/index.js";
import { spawn, yieldNow } from "../../src/task/index.js";
import { Instant, sleep } from "../../src/time/index.js";
import { settle } from "./helpers.js";

const paused = { clock: "paused" } as const;

describe("mpsc parity: closed()", () => {
  it("Sender.closed() completes when the receiver closes, and at once afterwards", async () => {
    const [tx, rx] = mpsc.channel<number>(1);
    const [utx, urx] = mpsc.unbounded<number>();
    const log: string[] = [];
    await run(function* () {
      const a = spawn(function* () {
        yield* tx.closed();
        log.push("bounded gone");
      });
      const b = spawn(function* () {
        yield* utx.closed();
        log.push("unbounded gone");
      });
      yield* settle();
      expect(log).toEqual([]);
      rx.close();
      urx.close();
      yield* a;
      yield* b;
      yield* tx.clone().closed(); // already closed: ready at once
    });
    expect(log.sort()).toEqual(["bounded gone", "unbounded gone"]);
  });

  it("a streaming producer stops when its client leaves (select on closed())", async () => {
    const out = await run(function* () {
      const [tx, rx] = mpsc.channel<number>(2);
      const producer = spawn(function* () {
        let sent = 0;
        for (;;) {
          const r = yield* select.biased({ gone: tx.closed(), sent: tx.send(sent) });
          if (r.key === "gone") return sent;
          sent++;
        }
      });
      yield* rx.recv();
      yield* rx.recv();
      rx.close(); // the client left
      return yield* producer;
    }, paused);
    expect(out).toBeGreaterThanOrEqual(2);
    expect(out).toBeLessThanOrEqual(4);
  });

  it("a cancelled closed() future leaves no registration behind", async () => {
    const [tx, rx] = mpsc.channel<number>(1);
    await run(function* () {
      for (let i = 0; i < 100; i++) yield* select.biased({ now: yieldNow(), gone: tx.closed() });
    });
    rx.close();
    expect(true).toBe(true);
  });
});

describe("mpsc parity: sendTimeout", () => {
  it("gives up after ms with the value in SendTimeoutError; a slot within ms sends", async () => {
    const out = await run(function* () {
      const [tx, rx] = mpsc.channel<string>(1);
      yield* tx.send("a");
      const t0 = Instant.now().ms;
      let err: unknown;
      try {
        yield* tx.sendTimeout("b", 50);
      } catch (e) {
        err = e;
      }
      const waited = Instant.now().ms - t0;
      spawn(function* () {
        yield* sleep(10);
        yield* rx.recv();
      });
      yield* tx.sendTimeout("c", 50);
      const got = [yield* rx.recv()];
      return { err, waited, got, len: rx.length };
    }, paused);
    expect(out.err).toBeInstanceOf(SendTimeoutError);
    expect((out.err as SendTimeoutError<string>).value).toBe("b");
    expect(out.waited).toBe(50);
    expect(out.got).toEqual(["c"]);
  });

  it("a closed channel throws SendError, not a timeout; bad ms is a RangeError", async () => {
    const [tx, rx] = mpsc.channel<number>(1);
    rx.close();
    await expect(run(tx.sendTimeout(1, 10))).rejects.toBeInstanceOf(SendError);
    expect(() => tx.sendTimeout(1, -1)).toThrow(/sendTimeout\(value, ms\).*-1/);
  });

  it("a timed-out sender leaves the queue: the next sender gets the slot", async () => {
    const out = await run(function* () {
      const [tx, rx] = mpsc.channel<number>(1);
      yield* tx.send(0);
      const late = spawn(tx.sendTimeout(1, 5));
      const next = spawn(tx.send(2));
      yield* sleep(10);
      const lateErr = yield* (function* () {
        try {
          yield* late;
          return null;
        } catch (e) {
          return e;
        }
      })();
      const got = [yield* rx.recv(), yield* rx.recv()];
      yield* next;
      return { lateErr, got };
    }, paused);
    expect(out.got).toEqual([0, 2]);
  });
});

describe("mpsc parity: recvMany", () => {
  it("waits for one, then takes up to limit; END when closed and drained; frees the slots", async () => {
    const out = await run(function* () {
      const [tx, rx] = mpsc.channel<number>(4);
      const buf: number[] = [];
      const h = spawn(rx.recvMany(buf, 3));
      yield* settle();
      expect(h.isFinished()).toBe(false);
      for (let i = 0; i < 4; i++) yield* tx.send(i);
      const first = yield* h;
      expect(tx.capacity).toBe(3); // three slots freed at once
      tx.close();
      const second = yield* rx.recvMany(buf, 3);
      const third = yield* rx.recvMany(buf, 3);
      return { first, second, third, buf };
    });
    expect(out).toEqual({ first: 3, second: 1, third: END, buf: [0, 1, 2, 3] });
  });

  it("unbounded recvMany, and argument errors", async () => {
    const [tx, rx] = mpsc.unbounded<string>();
    tx.send("a");
    tx.send("b");
    tx.close();
    const buf: string[] = [];
    expect(await run(rx.recvMany(buf, 10))).toBe(2);
    expect(await run(rx.recvMany(buf, 10))).toBe(END);
    expect(() => rx.recvMany(buf, 0)).toThrow(/limit must be an integer from 1.*got 0/);
    expect(() => rx.recvMany("x" as never, 1)).toThrow(/buffer must be an array/);
  });

  it("model check: recvMany batches deliver every message once, in order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer(), { maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 9 }),
        async (msgs, cap, limit) => {
          const got = await run(function* () {
            const [tx, rx] = mpsc.channel<number>(cap);
            spawn(function* () {
              using t = tx;
              for (const m of msgs) yield* t.send(m);
            });
            const all: number[] = [];
            for (;;) {
              const before = all.length;
              const n = yield* rx.recvMany(all, limit);
              if (n === END) break;
              expect(n).toBe(all.length - before);
              expect(n).toBeLessThanOrEqual(limit);
            }
            return all;
          });
          expect(got).toEqual(msgs);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("mpsc parity: reserveMany", () => {
  it("waits for n slots in FIFO order; unused permits return their slots", async () => {
    const out = await run(function* () {
      const [tx, rx] = mpsc.channel<string>(3);
      yield* tx.send("x");
      const many = spawn(tx.reserveMany(3));
      yield* settle();
      expect(many.isFinished()).toBe(false);
      const later = spawn(tx.send("later")); // queued behind the reserveMany
      yield* rx.recv(); // one slot free -> 3 for the reserveMany
      const permits = yield* many;
      expect(permits.length).toBe(3);
      permits.send("a");
      const p = permits[Symbol.iterator]().next();
      if (p.done !== true) p.value.send("b");
      permits.release(); // one unused slot goes to the queued send
      yield* later;
      const got: string[] = [];
      for (let m = rx.tryRecv(); typeof m === "string"; m = rx.tryRecv()) got.push(m);
      return got;
    });
    expect(out).toEqual(["a", "b", "later"]);
  });

  it("a cancelled reserveMany hands the slots it collected to the next waiter", async () => {
    const out = await run(function* () {
      const [tx, rx] = mpsc.channel<number>(2);
      yield* tx.send(1);
      yield* tx.send(2);
      const many = spawn(tx.reserveMany(2));
      const single = spawn(tx.send(3));
      yield* settle();
      yield* rx.recv(); // slot 1 goes to the reserveMany (it needs 2)
      many.abort();
      yield* settle();
      yield* single; // got the slot the reserveMany gave back
      return [yield* rx.recv(), yield* rx.recv()];
    });
    expect(out).toEqual([2, 3]);
  });

  it("rejects n above the capacity", () => {
    const [tx] = mpsc.channel<number>(2);
    expect(() => tx.reserveMany(3)).toThrow(/at most the channel's capacity 2; got 3/);
    expect(() => tx.reserveMany(0)).toThrow(/n must be an integer from 1/);
  });
});

describe("mpsc parity: WeakSender, sameChannel", () => {
  it("a weak sender does not keep the channel open; upgrade works while a strong one lives", async () => {
    const out = await run(function* () {
      const [tx, rx] = mpsc.channel<number>(4);
      const weak = tx.downgrade();
      expect(weak.sameChannel(tx)).toBe(true);
      expect(rx.sameChannel(weak)).toBe(true);
      const strong = weak.upgrade()!;
      tx.close();
      yield* strong.send(1);
      strong.close();
      expect(weak.upgrade()).toBeUndefined();
      return [yield* rx.recv(), yield* rx.recv()];
    });
    expect(out).toEqual([1, END]);
    const [a] = mpsc.unbounded<number>();
    const [b] = mpsc.unbounded<number>();
    expect(a.sameChannel(b)).toBe(false);
    expect(a.downgrade().upgrade()!.sameChannel(a)).toBe(true);
  });
});
