/**
 * The sync primitives' guarantees under pollux/test: `explore` (seeded schedules, with chaos:
 * yields inserted at ready await points, spurious wakes) and `exhaust` (every schedule of a small
 * program), next to the fast-check properties of properties.test.ts. A failure names the seed or
 * choices that replay it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Async, END } from "../../src/future/index.js";
import { Barrier, Mutex, mpsc, Notify, RwLock, Semaphore } from "../../src/sync/index.js";
import { type JoinHandle, spawn, yieldNow } from "../../src/task/index.js";
import { exhaust, explore, simulate } from "../../src/test/index.js";
import { sleep } from "../../src/time/index.js";

function* joinEach(hs: JoinHandle<unknown>[]): Async<void> {
  for (const h of hs) yield* h;
}

/** Three tasks each do two guarded read-modify-writes with an await inside; none is lost. */
function* mutexCounter(): Async<void> {
  const m = new Mutex({ n: 0, holders: 0 });
  const hs: JoinHandle<unknown>[] = [];
  for (let t = 0; t < 3; t++) {
    hs.push(
      spawn(function* () {
        for (let i = 0; i < 2; i++) {
          using g = yield* m.lock();
          g.value.holders++;
          if (g.value.holders !== 1) throw new Error("two holders of one Mutex");
          const v = g.value.n;
          yield* yieldNow();
          g.value.n = v + 1;
          g.value.holders--;
        }
      }),
    );
  }
  yield* joinEach(hs);
  using g = yield* m.lock();
  if (g.value.n !== 6) throw new Error(`lost update: ${g.value.n}`);
}

/** Five tasks through a Semaphore of 2: never more than 2 inside, everyone gets through. */
function* semaphoreBound(): Async<void> {
  const s = new Semaphore(2);
  let inside = 0;
  let done = 0;
  const hs: JoinHandle<unknown>[] = [];
  for (let t = 0; t < 5; t++) {
    hs.push(
      spawn(function* () {
        using _p = yield* s.acquire();
        inside++;
        if (inside > 2) throw new Error(`${inside} holders of a 2-permit semaphore`);
        yield* sleep(t % 2);
        yield* yieldNow();
        inside--;
        done++;
      }),
    );
  }
  yield* joinEach(hs);
  if (done !== 5 || s.availablePermits !== 2) throw new Error(`done ${done}, permits ${s.availablePermits}`);
}

/** Readers share, a writer is alone. */
function* rwlockExclusion(): Async<void> {
  const l = new RwLock(0);
  let readers = 0;
  let writers = 0;
  const hs: JoinHandle<unknown>[] = [];
  for (let t = 0; t < 4; t++) {
    hs.push(
      spawn(function* () {
        if (t % 2 === 0) {
          using _w = yield* l.write();
          writers++;
          if (writers !== 1 || readers !== 0)
            throw new Error(`writer with ${writers - 1} writers, ${readers} readers`);
          yield* yieldNow();
          writers--;
        } else {
          using _r = yield* l.read();
          readers++;
          if (writers !== 0) throw new Error("reader next to a writer");
          yield* yieldNow();
          readers--;
        }
      }),
    );
  }
  yield* joinEach(hs);
}

/** Two senders over a bounded channel: nothing lost or duplicated, FIFO per sender. */
function* mpscOrder(): Async<void> {
  const [tx, rx] = mpsc.channel<string>(1);
  const hs: JoinHandle<unknown>[] = [];
  for (const name of ["a", "b"]) {
    const mine = tx.clone();
    hs.push(
      spawn(function* () {
        for (let i = 0; i < 3; i++) yield* mine.send(`${name}${i}`);
        mine.close();
      }),
    );
  }
  tx.close();
  const got: string[] = [];
  for (let v = yield* rx.recv(); v !== END; v = yield* rx.recv()) got.push(v as string);
  yield* joinEach(hs);
  for (const name of ["a", "b"]) {
    const mine = got.filter((v) => v.startsWith(name)).join(",");
    if (mine !== `${name}0,${name}1,${name}2`) throw new Error(`sender ${name} delivered ${mine}`);
  }
}

/** A Notify permit is never lost between the check and the wait. */
function* notifyNoLostWakeup(): Async<void> {
  const n = new Notify();
  let ready = false;
  const waiter = spawn(function* () {
    while (!ready) yield* n.notified();
  });
  const setter = spawn(function* () {
    yield* yieldNow();
    ready = true;
    n.notifyOne();
  });
  yield* setter;
  yield* waiter;
}

/** Exactly one leader per Barrier generation. */
function* barrierLeader(): Async<void> {
  const b = new Barrier(3);
  let leaders = 0;
  const hs: JoinHandle<unknown>[] = [];
  for (let t = 0; t < 3; t++) {
    hs.push(
      spawn(function* () {
        yield* sleep(t);
        if ((yield* b.wait()).isLeader) leaders++;
      }),
    );
  }
  yield* joinEach(hs);
  if (leaders !== 1) throw new Error(`${leaders} leaders`);
}

const programs: [string, () => Async<void>][] = [
  ["Mutex: mutual exclusion, no lost update", mutexCounter],
  ["Semaphore: never more holders than permits", semaphoreBound],
  ["RwLock: a writer is alone", rwlockExclusion],
  ["mpsc: nothing lost, FIFO per sender", mpscOrder],
  ["Notify: no lost wake-up", notifyNoLostWakeup],
  ["Barrier: one leader", barrierLeader],
];

describe("sync primitives under explore (seeded schedules with chaos)", () => {
  for (const [title, program] of programs) {
    it(title, async () => {
      await expect(explore(program, { seeds: 300, chaos: true })).resolves.toEqual(
        expect.objectContaining({ seeds: 300 }),
      );
    });
  }
});

describe("sync primitives under exhaust (every schedule)", () => {
  it("Notify and Barrier programs: every schedule passes, and exhaust covers them all", async () => {
    for (const program of [notifyNoLostWakeup, barrierLeader]) {
      const r = await exhaust(program, { maxSchedules: 5_000 });
      expect(r.complete).toBe(true);
    }
  });

  it("mpsc and Mutex programs: the first 2,000 schedules pass", async () => {
    for (const program of [mpscOrder, mutexCounter]) {
      const r = await exhaust(program, { maxSchedules: 2_000 });
      expect(r.schedules).toBeGreaterThan(1);
    }
  });
});

describe("fast-check picks the seeds", () => {
  it("any seed, with or without chaos, keeps the Semaphore and mpsc guarantees", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 }), fc.boolean(), async (seed, chaos) => {
        await simulate(semaphoreBound, { seed, chaos });
        await simulate(mpscOrder, { seed, chaos });
      }),
      { numRuns: 100 },
    );
  });
});
