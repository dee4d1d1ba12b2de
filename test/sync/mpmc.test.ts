/**
 * mpmc: unit tests for the work queue, and a property test in the style of properties.test.ts:
 * random interleavings of producers and several consumers with cancellations and aborts; no
 * message lost or received twice.
 */
import fc from "fast-check";
import { describe, expect, expectTypeOf, it } from "vitest";
import { asyncFn, EMPTY, END, type End, type Future, type Output, select } from "../../src/future/index.js";
import { Runtime, run } from "../../src/runtime/index.js";
import { mpmc, mpsc, Notify, SendError } from "../../src/sync/index.js";
import { type JoinError, type JoinHandle, scope, spawn, yieldNow } from "../../src/task/index.js";
import { cancellable, joinAll, Kicks, maybeCancelled, settle, Token } from "./helpers.js";

const worker = asyncFn(function* (name: string, rx: mpmc.Receiver<number>, got: string[]) {
  for (let v = yield* rx.recv(); v !== END; v = yield* rx.recv()) {
    got.push(`${name}:${v}`);
    yield* yieldNow();
  }
});

describe("mpmc", () => {
  it("several workers drain one queue; each message goes to exactly one; the end reaches all", async () => {
    const got: string[] = [];
    await run(function* () {
      const [tx, rx] = mpmc.channel<number>(4);
      yield* scope(function* (s) {
        for (let i = 0; i < 3; i++) s.spawn(worker(`w${i}`, rx.clone(), got));
        for (let i = 0; i < 30; i++) yield* tx.send(i);
        tx.close();
      });
    });
    const values = got.map((g) => Number(g.split(":")[1])).sort((a, b) => a - b);
    expect(values).toEqual([...Array(30).keys()]);
    expect(new Set(got.map((g) => g.split(":")[0])).size).toBe(3); // the work was shared
  });

  it("hands off to waiting receivers in arrival order (fair FIFO)", async () => {
    const order: string[] = [];
    await run(function* () {
      const [tx, rx] = mpmc.unbounded<number>();
      const waiter = asyncFn(function* (name: string) {
        const v = yield* rx.recv();
        order.push(`${name}:${String(v)}`);
      });
      const a = spawn(waiter("a"));
      yield* settle(3);
      const b = spawn(waiter("b"));
      yield* settle(3);
      const c = spawn(waiter("c"));
      yield* settle(3);
      tx.send(1);
      tx.send(2);
      tx.send(3);
      yield* a;
      yield* b;
      yield* c;
    });
    expect(order.sort()).toEqual(["a:1", "b:2", "c:3"]);
  });

  it("a receiver cancelled after being handed a message passes it on", async () => {
    const out = await run(function* () {
      const [tx, rx] = mpmc.unbounded<string>();
      const token = new Token();
      const first = spawn(cancellable(rx.recv(), token));
      yield* settle(2);
      const second = spawn(rx.clone().recv());
      yield* settle(2);
      tx.send("job"); // handed to `first`, which has not run yet
      token.cancel(); // ... and is dropped before it reads it
      const r1 = yield* first;
      const r2 = yield* second;
      return [r1.ok, r2];
    });
    expect(out).toEqual([false, "job"]);

    // With nobody else waiting, the message goes back to the front of the queue.
    const back = await run(function* () {
      const [tx, rx] = mpmc.unbounded<string>();
      const r = yield* select({ msg: rx.recv(), now: immediatelyAfterSend(tx) });
      expect(r.key).toBe("now");
      return rx.tryRecv();
    });
    expect(back).toBe("x");
  });

  it("bounded send waits for room; close fails queued sends with their value; buffered messages drain", async () => {
    await run(function* () {
      const [tx, rx] = mpmc.channel<number>(1);
      expect(tx.trySend(1)).toBe(true);
      expect(tx.trySend(2)).toBe(false);
      const blocked = spawn(tx.send(2));
      yield* settle(2);
      expect(blocked.isFinished()).toBe(false);
      expect(yield* rx.recv()).toBe(1); // frees a slot: the queued send completes
      yield* blocked;
      const late = spawn(tx.clone().send(3));
      yield* settle(2);
      rx.close();
      try {
        yield* late;
        expect.unreachable();
      } catch (e) {
        expect(((e as JoinError).cause as SendError<number>).value).toBe(3);
      }
      expect(() => tx.trySend(4)).toThrow(SendError);
      expect(yield* rx.recv()).toBe(2);
      expect(yield* rx.recv()).toBe(END);
    });
  });

  it("a granted send handed straight to a waiting receiver frees its slot for the next sender", async () => {
    const got = await run(function* () {
      const [tx, rx] = mpmc.channel<string>(1);
      expect(tx.trySend("a")).toBe(true);
      const b = spawn(tx.send("b")); // full: queued
      const c = spawn(tx.clone().send("c")); // queued behind b
      const other = new Notify();
      const bystander = spawn(other.notified());
      yield* settle(3);
      const out: unknown[] = [rx.tryRecv()]; // "a": the slot is granted to b (woken)
      const r = spawn(rx.recv()); // queued
      other.notifyOne(); // wakes the bystander, which pushes b behind r in the run queue
      out.push(yield* r); // r waited first, so b handed its value straight to r
      yield* b;
      yield* c; // without the fix: c waits forever for a slot nobody frees (a deadlock)
      yield* bystander;
      out.push(yield* rx.recv());
      return out;
    });
    expect(got).toEqual(["a", "b", "c"]);
  });

  it("disposing a receiver clone releases that handle only; the last one closes the channel", async () => {
    await run(function* () {
      const [tx, rx] = mpmc.unbounded<number>();
      {
        using mine = rx.clone();
        tx.send(1);
        expect(yield* mine.recv()).toBe(1);
      }
      expect(tx.isClosed()).toBe(false); // the original handle is still open
      tx.send(2);
      expect(yield* rx.recv()).toBe(2);
      const done = rx.clone();
      done[Symbol.dispose]();
      expect(() => done.recv()).toThrow(/released/);
      rx[Symbol.dispose](); // the last receiver handle
      expect(tx.isClosed()).toBe(true);
      expect(() => tx.send(3)).toThrow(SendError);
    });
  });

  it("a shared mpsc receiver's error points to mpmc, and a scope makes it fail the program", async () => {
    const drain = asyncFn(function* (rx: mpsc.Receiver<number>) {
      while ((yield* rx.recv()) !== undefined);
    });
    await expect(
      run(function* () {
        const [tx, rx] = mpsc.channel<number>(4);
        yield* scope(function* (s) {
          s.spawn(drain(rx));
          s.spawn(drain(rx));
        });
        tx.close();
      }),
    ).rejects.toThrow(/use mpmc.channel\(capacity\)/);
  });

  it("types, and bad input named with the fix", () => {
    const [tx, rx] = mpmc.channel<number>(2);
    expectTypeOf<Output<ReturnType<typeof rx.recv>>>().toEqualTypeOf<number | End>();
    expectTypeOf(tx.send(1)).toMatchTypeOf<Future<void>>();
    expect(() => mpmc.channel(0)).toThrow(/mpmc.channel\(capacity\) must be an integer from 1.*got 0/);
  });

  it("carries undefined like any value; END and EMPTY say closed and empty", async () => {
    await run(function* () {
      const [tx, rx] = mpmc.unbounded<number | undefined>();
      expect(rx.tryRecv()).toBe(EMPTY);
      tx.send(undefined);
      tx.send(1);
      expect(yield* rx.recv()).toBeUndefined();
      tx.close();
      expect(rx.tryRecv()).toBe(1);
      expect(rx.tryRecv()).toBe(END);
      expect(yield* rx.recv()).toBe(END);
    });
  });
});

/** Resolves right after sending "x": `select` then drops the recv that was handed it. */
function immediatelyAfterSend(tx: mpmc.UnboundedSender<string>): Future<void> {
  return asyncFn(function* () {
    yield* yieldNow();
    tx.send("x");
  })();
}

// --- property test ---

const kick = fc.option(fc.nat(15), { nil: null, freq: 3 });
const step = fc.record({ pre: fc.nat(2), cancelAfter: fc.option(fc.nat(3), { nil: null }), kick });
const senderArb = fc.record({
  messages: fc.array(step, { maxLength: 6 }),
  abortAfter: fc.option(fc.nat(15), { nil: null }),
});
const receiverArb = fc.record({
  steps: fc.array(step, { minLength: 1, maxLength: 4 }),
  abortAfter: fc.option(fc.nat(20), { nil: null }),
});

describe("mpmc under random interleavings", () => {
  it("loses and duplicates nothing across several cancelled and aborted receivers", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }),
        fc.array(senderArb, { minLength: 1, maxLength: 3 }),
        fc.array(receiverArb, { minLength: 1, maxLength: 4 }),
        async (capacity, senders, receivers) => {
          const sent = new Set<string>();
          const received: string[] = [];
          const rt = new Runtime();
          try {
            await rt.run(function* () {
              const [tx, rx] = capacity === null ? mpmc.unbounded<string>() : mpmc.channel<string>(capacity);
              const tasks: JoinHandle<unknown>[] = [];
              const kicks = new Kicks();
              const producers: JoinHandle<unknown>[] = [];
              const handles = senders.map(() => tx.clone());
              senders.forEach((script, sender) => {
                const mine = handles[sender]!;
                const h = spawn(function* () {
                  try {
                    for (let seq = 0; seq < script.messages.length; seq++) {
                      const m = script.messages[seq]!;
                      yield* settle(m.pre);
                      const msg = `${sender}:${seq}`;
                      if (mine instanceof mpmc.Sender) {
                        const r = yield* maybeCancelled(mine.send(msg), m.cancelAfter, tasks, kicks);
                        if (!r.ok) continue;
                      } else {
                        (mine as mpmc.UnboundedSender<string>).send(msg);
                      }
                      sent.add(msg);
                      kicks.kick(m.kick);
                    }
                  } finally {
                    mine.close();
                  }
                });
                producers.push(h);
                kicks.add(() => h.abort());
                if (script.abortAfter !== null) {
                  const after = script.abortAfter;
                  tasks.push(
                    spawn(function* () {
                      yield* settle(after);
                      h.abort();
                    }),
                  );
                }
              });
              tx.close();
              const consumers: JoinHandle<unknown>[] = [];
              for (const script of receivers) {
                const mine = rx.clone();
                const h = spawn(function* () {
                  for (let i = 0; i < 500; i++) {
                    const st = script.steps[i % script.steps.length]!;
                    yield* settle(st.pre);
                    const r = yield* maybeCancelled(mine.recv(), st.cancelAfter, tasks, kicks);
                    if (!r.ok) continue;
                    if (r.value === END) return;
                    received.push(r.value);
                    kicks.kick(st.kick);
                  }
                });
                consumers.push(h);
                kicks.add(() => h.abort());
                if (script.abortAfter !== null) {
                  const after = script.abortAfter;
                  tasks.push(
                    spawn(function* () {
                      yield* settle(after);
                      h.abort();
                    }),
                  );
                }
              }
              // A worker nobody aborts, starting late: whatever aborted workers left behind is
              // still in the queue (and a bounded sender must not wait forever for them).
              const sweeper = spawn(function* () {
                yield* settle(30);
                for (let v = yield* rx.recv(); v !== END; v = yield* rx.recv()) received.push(v);
              });
              yield* joinAll(producers);
              for (const h of handles) h.close();
              yield* joinAll(consumers);
              yield* joinAll(tasks);
              yield* sweeper;
            });
            expect(rt.metrics().tasksAlive).toBe(0);
          } finally {
            await rt.shutdown();
          }
          expect(new Set(received).size).toBe(received.length); // no duplicate
          expect(new Set(received)).toEqual(sent); // nothing lost
        },
      ),
      { numRuns: 300 },
    );
  });
});
