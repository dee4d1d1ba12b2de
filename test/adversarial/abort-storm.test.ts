/**
 * Adversarial: abort storms. Many tasks, each in a different state (waiting on a channel, a
 * sleep, a mutex, a full bounded channel, a Notify, inside an async `finally` entered by an
 * earlier abort, inside a `finally` entered normally, woken and about to finish, not yet polled),
 * aborted all at once, twice, from inside and outside the runtime, with `shutdown()` landing in
 * the middle. Every cleanup runs once, nothing stays alive or registered, and nothing is
 * reported as failed that did not fail.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asyncFn, EMPTY, pending, type Suspend } from "../../src/future/index.js";
import { Runtime } from "../../src/runtime/index.js";
import { Mutex, mpsc, Notify, oneshot, Semaphore } from "../../src/sync/index.js";
import { JoinError, type JoinHandle, spawn, yieldNow } from "../../src/task/index.js";
import { sleep } from "../../src/time/index.js";
import { DisposeLedger, expectQuiet, FinallyLedger, turns } from "./helpers.js";

const KINDS = [
  "oneshot",
  "sleep",
  "mutex",
  "full channel",
  "notify",
  "cancel-entered async finally",
  "normally-entered async finally",
  "woken, finishing this tick",
  "semaphore",
  "join handle",
] as const;
type Kind = (typeof KINDS)[number];

/** Shared resources that every waiting kind waits on; main holds or fills them. */
class World {
  readonly mutex = new Mutex(0);
  readonly sem = new Semaphore(1);
  readonly chan = mpsc.channel<number>(1);
  readonly notify = new Notify();
  readonly ledger = new FinallyLedger();
  readonly disposals = new DisposeLedger();
  readonly wakeNow: ((v: number) => void)[] = [];
  finished = 0;
}

const waiter = asyncFn(function* (w: World, kind: Kind, i: number): Generator<Suspend, number> {
  using _r = w.disposals.acquire(kind);
  const id = w.ledger.enter();
  let normal = false;
  try {
    switch (kind) {
      case "oneshot": {
        const [_tx, rx] = oneshot<number>();
        yield* rx;
        break;
      }
      case "sleep":
        yield* sleep(1 + ((i * 7919) % 1_000_000));
        break;
      case "mutex": {
        using _g = yield* w.mutex.lock();
        break;
      }
      case "full channel":
        yield* w.chan[0].send(i);
        break;
      case "notify":
        yield* w.notify.notified();
        break;
      case "cancel-entered async finally":
        yield* pending();
        break;
      case "normally-entered async finally":
        yield* yieldNow();
        break;
      case "woken, finishing this tick": {
        const [tx, rx] = oneshot<number>();
        w.wakeNow.push((v) => tx.send(v));
        yield* rx;
        break;
      }
      case "semaphore": {
        using _p = yield* w.sem.acquire();
        break;
      }
      case "join handle":
        yield* spawn(pending());
        break;
    }
    normal = true;
  } finally {
    if (normal) w.ledger.normalExit(id);
    w.ledger.finallyStart(id);
    // An async finally: entered by the abort it runs to its end; entered normally, the abort cuts
    // it here (the documented rule) and `using` still disposes.
    yield* sleep(kind === "normally-entered async finally" ? 1_000_000 : 3);
    w.ledger.finallyEnd(id);
  }
  w.finished++;
  return i;
});

async function storm(n: number, options: { outside: boolean }) {
  const errors: unknown[] = [];
  const rt = new Runtime({ clock: "paused", onTaskError: (e) => errors.push(e) });
  let w!: World;
  const outcomes = { ok: 0, cancelled: 0, other: [] as unknown[] };
  let handles: JoinHandle<number>[] = [];
  await rt.run(function* () {
    w = new World();
    using _held = yield* w.mutex.lock();
    using _permit = yield* w.sem.acquire();
    w.chan[0].trySend(-1); // full: senders queue
    handles = [];
    for (let i = 0; i < n; i++) handles.push(spawn(waiter(w, KINDS[i % KINDS.length]!, i)));
    yield* yieldNow(); // every task polled once: each is now waiting in its state
    for (let i = 0; i < n; i++)
      if (KINDS[i % KINDS.length] === "cancel-entered async finally") handles[i]!.abort();
    yield* yieldNow(); // those are now awaiting inside their finally
    for (const [k, wake] of w.wakeNow.entries()) wake(k); // woken: they would finish this tick
    // Spawned and aborted before their first poll: their body never runs.
    for (let i = 0; i < 100; i++) handles.push(spawn(waiter(w, "sleep", i)));
    if (options.outside) {
      // Aborted from a Node callback, outside any poll, while main waits.
      setImmediate(() => {
        for (const h of handles) h.abort();
      });
      yield* sleep(1);
    } else {
      for (const h of handles) h.abort();
      for (const h of handles) h.abort(); // double abort
    }
    for (const h of handles) {
      try {
        yield* h;
        outcomes.ok++;
      } catch (e) {
        if (e instanceof JoinError && e.cancelled && !e.cleanupFailed) outcomes.cancelled++;
        else outcomes.other.push(e);
      }
    }
  });
  await rt.shutdown();
  return { rt, w, errors, outcomes };
}

describe("an abort storm", () => {
  it("100,000 tasks in ten different states, aborted at once: every cleanup once, nothing left", async () => {
    const n = 100_000;
    const { rt, w, errors, outcomes } = await storm(n, { outside: false });
    expect(errors).toEqual([]);
    expect(outcomes.other).toEqual([]);
    // Only tasks whose wait was already over may finish; the rest are cancelled.
    expect(outcomes.ok + outcomes.cancelled).toBe(n + 100);
    expect(outcomes.ok).toBe(w.finished);
    w.ledger.expectSound();
    w.disposals.expectBalanced();
    expect(w.ledger.entered).toBe(n); // the 100 unpolled tasks never entered their body
    expect(w.mutex.isLocked()).toBe(false);
    expect(w.sem.availablePermits).toBe(1);
    expect(w.chan[1].tryRecv()).toBe(-1); // only main's message: no aborted sender's value got in
    expect(w.chan[1].tryRecv()).toBe(EMPTY);
    expect(rt.metrics().tasksFailed).toBe(0);
    expectQuiet(rt);
  });

  it("from a Node callback outside the runtime: the same guarantees", async () => {
    const n = 5_000;
    const { rt, w, errors, outcomes } = await storm(n, { outside: true });
    expect(errors).toEqual([]);
    expect(outcomes.other).toEqual([]);
    expect(outcomes.ok + outcomes.cancelled).toBe(n + 100);
    w.ledger.expectSound();
    w.disposals.expectBalanced();
    expect(w.mutex.isLocked()).toBe(false);
    expectQuiet(rt);
  });

  it("shutdown() in the middle of a storm: resolves once every async cleanup ran", async () => {
    const ledger = new FinallyLedger();
    const disposals = new DisposeLedger();
    const errors: unknown[] = [];
    const rt = new Runtime({ onTaskError: (e) => errors.push(e) });
    const body = asyncFn(function* (i: number): Generator<Suspend, void> {
      using _r = disposals.acquire();
      const id = ledger.enter();
      try {
        yield* sleep(1 + (i % 50));
        ledger.normalExit(id);
      } finally {
        ledger.finallyStart(id);
        yield* sleep(i % 7);
        yield* yieldNow();
        ledger.finallyEnd(id);
      }
    });
    const handles: JoinHandle<void>[] = [];
    for (let i = 0; i < 3_000; i++) handles.push(rt.spawn(body(i)));
    await turns(3);
    // Half aborted from a timer callback, then shutdown while their cleanups are in flight.
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        for (let i = 0; i < handles.length; i += 2) handles[i]!.abort();
        resolve();
      }, 2),
    );
    const first = rt.shutdown();
    const second = rt.shutdown();
    expect(second).toBe(first);
    for (const h of handles) h.abort(); // aborts after shutdown began: no-ops
    await first;
    expect(errors).toEqual([]);
    ledger.expectSound();
    disposals.expectBalanced();
    expectQuiet(rt);
    expect(handles.every((h) => h.isFinished())).toBe(true);
  });

  it("a task that calls shutdown() from its own body: everything, itself included, is cancelled", async () => {
    const ledger = new FinallyLedger();
    const rt = new Runtime({ clock: "paused" });
    const body = asyncFn(function* (): Generator<Suspend, void> {
      const id = ledger.enter();
      try {
        yield* sleep(100);
        ledger.normalExit(id);
      } finally {
        ledger.finallyStart(id);
        yield* sleep(1);
        ledger.finallyEnd(id);
      }
    });
    for (let i = 0; i < 100; i++) rt.spawn(body());
    let done: Promise<void> | null = null;
    const stopper = rt.spawn(function* () {
      yield* sleep(5);
      done = rt.shutdown();
      yield* sleep(1); // cancelled here
      return "not reached";
    });
    await turns(5);
    while (done === null) await turns(1);
    await done;
    expect(stopper.isFinished()).toBe(true);
    expect(ledger.entered).toBe(100);
    ledger.expectSound();
    expectQuiet(rt);
  });
});

describe("spawning while the runtime shuts down", () => {
  it("a cleanup that spawns and awaits a task during shutdown: the new task is cancelled, shutdown ends", async () => {
    const log: string[] = [];
    const rt = new Runtime({ clock: "paused" });
    rt.spawn(function* () {
      try {
        yield* pending();
      } finally {
        const helper = spawn(function* () {
          log.push("helper body ran"); // spawned during shutdown: aborted before its first poll
          yield* sleep(1);
        });
        try {
          yield* helper;
        } catch (e) {
          log.push(e instanceof JoinError && e.cancelled ? "helper cancelled" : `helper: ${String(e)}`);
        }
        yield* sleep(1);
        log.push("cleanup done");
      }
    });
    await turns(2);
    await rt.shutdown();
    expect(log).toEqual(["helper cancelled", "cleanup done"]);
    expectQuiet(rt);
    expect(() => rt.spawn(pending())).toThrow(/shut down/);
  });
});

describe("aborts at random moments (fast-check)", () => {
  const taskArb = fc.record({
    kind: fc.constantFrom(...KINDS.filter((k) => k !== "woken, finishing this tick")),
    abortAt: fc.option(fc.integer({ min: 0, max: 30 }), { nil: null }),
    outside: fc.boolean(),
  });

  it("every cleanup runs once and nothing is left, whenever the aborts and the shutdown land", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(taskArb, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 40 }),
        async (tasks, mainFor) => {
          const errors: unknown[] = [];
          const rt = new Runtime({ clock: "paused", onTaskError: (e) => errors.push(e) });
          let w!: World;
          await rt.run(function* () {
            w = new World();
            using _held = yield* w.mutex.lock();
            using _permit = yield* w.sem.acquire();
            w.chan[0].trySend(-1);
            const handles = tasks.map((t, i) => spawn(waiter(w, t.kind, i)));
            tasks.forEach((t, i) => {
              if (t.abortAt === null) return;
              spawn(function* () {
                yield* sleep(t.abortAt!);
                if (t.outside) setImmediate(() => handles[i]!.abort());
                else handles[i]!.abort();
              });
            });
            yield* sleep(mainFor); // then run() returns and the shutdown cancels the rest
          });
          await rt.shutdown();
          expect(errors).toEqual([]);
          w.ledger.expectSound();
          w.disposals.expectBalanced();
          expect(w.mutex.isLocked()).toBe(false);
          expect(w.sem.availablePermits).toBe(1);
          expectQuiet(rt);
        },
      ),
      { numRuns: 150 },
    );
  });
});
