/**
 * Property tests: random interleavings of producers, consumers, lock holders, cancellations (a
 * future dropped the way `select`/`timeout` drop it) and task aborts. Each run checks the
 * guarantees users rely on: no message lost or duplicated, FIFO per sender, capacity never
 * exceeded, mutual exclusion, every waiter eventually served (the run finishes: a stuck waiter
 * would make `run` reject with a DeadlockError), and no task left waiting at the end.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { END, type Suspend } from "../../src/future/index.js";
import { Runtime } from "../../src/runtime/index.js";
import { Mutex, mpsc, RwLock, Semaphore, SendError } from "../../src/sync/index.js";
import { type JoinHandle, spawn } from "../../src/task/index.js";
import { joinAll, Kicks, maybeCancelled, settle } from "./helpers.js";

function* aborter(handle: JoinHandle<unknown>, after: number) {
  yield* settle(after);
  handle.abort();
}

/** Spawn `body`; if `abortAfter` is set, also abort it after that many yields. Kicks may abort it too. */
function spawnActor(
  body: () => Generator<Suspend, void, unknown>,
  abortAfter: number | null,
  tasks: JoinHandle<unknown>[],
  kicks: Kicks,
): void {
  const h = spawn(body);
  tasks.push(h);
  kicks.add(() => h.abort());
  if (abortAfter !== null) tasks.push(spawn(aborter(h, abortAfter)));
}

async function runChecked<T>(main: () => Generator<Suspend, T, unknown>): Promise<T> {
  const rt = new Runtime();
  try {
    const out = await rt.run(main);
    expect(rt.metrics().tasksAlive).toBe(0); // nothing left waiting
    return out;
  } finally {
    await rt.shutdown();
  }
}

const kick = fc.option(fc.nat(15), { nil: null, freq: 3 });

const op = fc.record({
  pre: fc.nat(2),
  cancelAfter: fc.option(fc.nat(3), { nil: null }),
  reserve: fc.boolean(),
  /** Reserve several slots at once (reserveMany), send with one, give the rest back. */
  many: fc.boolean(),
  kick,
});

const senderArb = fc.record({
  messages: fc.array(op, { maxLength: 6 }),
  abortAfter: fc.option(fc.nat(15), { nil: null }),
});

const receiverArb = fc.record({
  steps: fc.array(
    fc.record({
      pre: fc.nat(2),
      cancelAfter: fc.option(fc.nat(3), { nil: null }),
      batch: fc.boolean(),
      kick,
    }),
    {
      minLength: 1,
      maxLength: 5,
    },
  ),
  closeAfter: fc.option(fc.nat(8), { nil: null }),
});

interface Msg {
  sender: number;
  seq: number;
}

describe("mpsc.channel under random interleavings", () => {
  it("loses and duplicates nothing, keeps each sender's order, never exceeds capacity", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(senderArb, { minLength: 1, maxLength: 4 }),
        receiverArb,
        async (capacity, senders, receiver) => {
          const sent = new Set<string>();
          const received: Msg[] = [];
          await runChecked(function* () {
            const [tx, rx] = mpsc.channel<Msg>(capacity);
            const tasks: JoinHandle<unknown>[] = [];
            const kicks = new Kicks();
            const checkCapacity = () => expect(rx.length).toBeLessThanOrEqual(capacity);
            // A task aborted before its first poll never runs its `finally`, so each sender handle
            // is also closed by main once the producers are done (close is idempotent), the way
            // dropping an aborted Rust task drops the Sender it owned.
            const handles = senders.map(() => tx.clone());
            const producers: JoinHandle<unknown>[] = [];
            senders.forEach((script, sender) => {
              const mine = handles[sender]!;
              function* producer() {
                try {
                  for (let seq = 0; seq < script.messages.length; seq++) {
                    const m = script.messages[seq]!;
                    yield* settle(m.pre);
                    const msg = { sender, seq };
                    if (m.many) {
                      const n = Math.min(2, capacity);
                      const r = yield* maybeCancelled(mine.reserveMany(n), m.cancelAfter, tasks, kicks);
                      if (!r.ok) continue;
                      using permits = r.value;
                      yield* settle(1); // an abort here must release every slot
                      permits.send(msg);
                    } else if (m.reserve) {
                      const r = yield* maybeCancelled(mine.reserve(), m.cancelAfter, tasks, kicks);
                      if (!r.ok) continue;
                      using permit = r.value;
                      yield* settle(1); // an abort here must release the slot
                      permit.send(msg);
                    } else {
                      const r = yield* maybeCancelled(mine.send(msg), m.cancelAfter, tasks, kicks);
                      if (!r.ok) continue;
                    }
                    sent.add(`${sender}:${seq}`);
                    checkCapacity();
                    kicks.kick(m.kick);
                  }
                } catch (e) {
                  if (!(e instanceof SendError)) throw e; // the receiver closed the channel
                } finally {
                  mine.close();
                }
              }
              spawnActor(producer, script.abortAfter, producers, kicks);
            });
            tx.close();
            const consumer = spawn(function* () {
              let closed = false;
              for (let i = 0; ; i++) {
                // Cancelled receives retry; a bounded number of them means the receiver got stuck.
                if (i > 2000)
                  throw new Error(
                    `receiver still looping: ${rx.length} buffered, ${received.length} received`,
                  );
                const step = receiver.steps[i % receiver.steps.length]!;
                yield* settle(step.pre);
                if (!closed && receiver.closeAfter !== null && received.length >= receiver.closeAfter) {
                  rx.close();
                  closed = true;
                }
                if (step.batch) {
                  const batch: Msg[] = [];
                  const r = yield* maybeCancelled(rx.recvMany(batch, 2), step.cancelAfter, tasks, kicks);
                  if (!r.ok) continue;
                  if (r.value === END) break;
                  expect(batch.length).toBe(r.value);
                  received.push(...batch);
                  checkCapacity();
                  kicks.kick(step.kick);
                  continue;
                }
                const r = yield* maybeCancelled(rx.recv(), step.cancelAfter, tasks, kicks);
                if (!r.ok) continue;
                if (r.value === END) break;
                received.push(r.value);
                checkCapacity();
                // The slot just freed was granted to the first waiting sender: maybe drop it now.
                kicks.kick(step.kick);
              }
            });
            yield* joinAll(producers);
            for (const h of handles) h.close();
            yield* consumer;
            yield* joinAll(tasks);
            expect(tx.capacity).toBe(capacity); // drained: every slot is free again, none leaked
          });
          const keys = received.map((m) => `${m.sender}:${m.seq}`);
          expect(new Set(keys).size).toBe(keys.length); // no duplicate
          expect(new Set(keys)).toEqual(sent); // nothing lost, nothing unsent delivered
          for (let s = 0; s < senders.length; s++) {
            const seqs = received.filter((m) => m.sender === s).map((m) => m.seq);
            expect(seqs).toEqual([...seqs].sort((a, b) => a - b)); // FIFO per sender
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

const holderArb = fc.record({
  n: fc.integer({ min: 0, max: 4 }),
  pre: fc.nat(3),
  hold: fc.nat(3),
  cancelAfter: fc.option(fc.nat(4), { nil: null }),
  abortAfter: fc.option(fc.nat(12), { nil: null }),
  kick,
});

describe("Semaphore under random interleavings", () => {
  it("never hands out more permits than exist, serves every waiter, and leaks nothing", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(holderArb, { minLength: 1, maxLength: 8 }),
        async (total, holders) => {
          let served = 0;
          await runChecked(function* () {
            const sem = new Semaphore(total);
            let held = 0;
            const tasks: JoinHandle<unknown>[] = [];
            const kicks = new Kicks();
            for (const h of holders) {
              const n = Math.min(h.n, total);
              spawnActor(
                function* () {
                  yield* settle(h.pre);
                  const r = yield* maybeCancelled(sem.acquire(n), h.cancelAfter, tasks, kicks);
                  if (!r.ok) return;
                  using permit = r.value;
                  held += n;
                  try {
                    expect(held).toBeLessThanOrEqual(total);
                    yield* settle(h.hold);
                    served++;
                  } finally {
                    held -= n;
                  }
                  permit.release();
                  kicks.kick(h.kick); // maybe drop the waiter just granted these permits
                },
                h.abortAfter,
                tasks,
                kicks,
              );
            }
            yield* joinAll(tasks);
            expect(held).toBe(0);
            expect(sem.availablePermits).toBe(total);
          });
          // Holders nobody cancelled or aborted were all served.
          const untouched = holders.filter((h) => h.cancelAfter === null && h.abortAfter === null).length;
          if (holders.every((h) => h.kick === null)) expect(served).toBeGreaterThanOrEqual(untouched);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("Mutex and RwLock under random interleavings", () => {
  it("Mutex: one holder at a time, every waiter served, the lock free at the end", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(holderArb, { minLength: 1, maxLength: 8 }), async (holders) => {
        let done = 0;
        await runChecked(function* () {
          const m = new Mutex(0);
          let inside = 0;
          const tasks: JoinHandle<unknown>[] = [];
          const kicks = new Kicks();
          for (const h of holders) {
            spawnActor(
              function* () {
                yield* settle(h.pre);
                const r = yield* maybeCancelled(m.lock(), h.cancelAfter, tasks, kicks);
                if (!r.ok) return;
                using guard = r.value;
                inside++;
                try {
                  expect(inside).toBe(1);
                  yield* settle(h.hold);
                  guard.value++;
                } finally {
                  inside--;
                }
                guard.release();
                kicks.kick(h.kick); // maybe drop the waiter the lock was just handed to
              },
              h.abortAfter,
              tasks,
              kicks,
            );
          }
          yield* joinAll(tasks);
          expect(m.isLocked()).toBe(false);
          done = m.tryLock()!.value;
        });
        expect(done).toBeLessThanOrEqual(holders.length);
      }),
      { numRuns: 200 },
    );
  });

  it("RwLock: readers or one writer, never both; every waiter served; free at the end", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.boolean(), holderArb), { minLength: 1, maxLength: 8 }),
        async (holders) => {
          await runChecked(function* () {
            const lock = new RwLock(0);
            let readers = 0;
            let writers = 0;
            const tasks: JoinHandle<unknown>[] = [];
            const kicks = new Kicks();
            for (const [write, h] of holders) {
              spawnActor(
                function* () {
                  yield* settle(h.pre);
                  if (write) {
                    const r = yield* maybeCancelled(lock.write(), h.cancelAfter, tasks, kicks);
                    if (!r.ok) return;
                    using w = r.value;
                    writers++;
                    try {
                      expect(writers).toBe(1);
                      expect(readers).toBe(0);
                      yield* settle(h.hold);
                    } finally {
                      writers--;
                    }
                    w.release();
                  } else {
                    const r = yield* maybeCancelled(lock.read(), h.cancelAfter, tasks, kicks);
                    if (!r.ok) return;
                    using g = r.value;
                    readers++;
                    try {
                      expect(writers).toBe(0);
                      yield* settle(h.hold);
                    } finally {
                      readers--;
                    }
                    g.release();
                  }
                  kicks.kick(h.kick);
                },
                h.abortAfter,
                tasks,
                kicks,
              );
            }
            yield* joinAll(tasks);
            expect(lock.tryWrite()).toBeDefined();
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
