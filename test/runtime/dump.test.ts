/**
 * `runtime.dump()`: what each live task awaits, where (the line of its `yield*`), its async fn
 * stack, and the parent → children tree; `DeadlockError` carries it.
 *
 * Await sites are asserted to the exact line: `lineOf(marker)` finds the line of this file that
 * carries the marker comment, so reformatting the file does not silently break the assertions.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { type Async, asyncFn, type Future } from "../../src/future/index.js";
import { inspectorSeam } from "../../src/future/inspect.js";
import { DeadlockError, Runtime, type RuntimeOptions, run, type TaskDump } from "../../src/runtime/index.js";
import { Mutex, mpsc, Notify, RwLock, Semaphore } from "../../src/sync/index.js";
import { interval, sleep } from "../../src/time/index.js";
import { Trigger } from "../helpers.js";

const FILE = fileURLToPath(import.meta.url);
const SOURCE = readFileSync(FILE, "utf8").split("\n");

/** 1-based line of this file holding `// @mark: name`. */
function lineOf(name: string): number {
  const i = SOURCE.findIndex((l) => l.includes(`// @mark: ${name}`) && !l.includes("lineOf("));
  if (i < 0) throw new Error(`no marker ${name}`);
  return i + 1;
}

/** `…/dump.test.ts:<line>:<column>` of a marked line. */
function site(name: string): RegExp {
  return new RegExp(`dump\\.test\\.ts:${lineOf(name)}:\\d+$`);
}

/** Let spawned tasks run until they suspend. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

const innermost = asyncFn(function* (rx: mpsc.Receiver<number>): Async<unknown> {
  return yield* rx.recv(); // @mark: recv
});

const middle = asyncFn(function* (rx: mpsc.Receiver<number>): Async<unknown> {
  const v = yield* innermost(rx); // @mark: middle
  return v;
});

function* consumer(rx: mpsc.Receiver<number>): Async<void> {
  yield* middle(rx); // @mark: consumer
}

function* holder(m: Mutex<number>): Async<void> {
  using _guard = yield* m.lock();
  yield* sleep(60_000); // @mark: holder-sleep
}

function* locker(m: Mutex<number>): Async<void> {
  yield* m.lock(); // @mark: lock
}

function* idleOn(n: Notify): Async<void> {
  yield* n.notified(); // @mark: notified
}

let rt: Runtime | null = null;
afterEach(async () => {
  await rt?.shutdown();
  rt = null;
});

function runtime(options: RuntimeOptions = {}): Runtime {
  // A real clock: a paused one would jump to the 60 s timers as soon as every task waits.
  rt = new Runtime(options);
  return rt;
}

describe("runtime.dump()", () => {
  it("names the awaited channel and its state, and the exact line of the yield*", async () => {
    const r = runtime();
    const [tx, rx] = mpsc.channel<number>(4);
    r.spawn(consumer(rx), { name: "consumer" });
    await settle();
    const [task] = r.dump().tasks;
    expect(task).toMatchObject({ id: 1, name: "consumer", label: '#1 "consumer"', state: "idle" });
    expect(task!.awaits.kind).toBe("mpsc Receiver.recv");
    expect(task!.awaits.description).toMatch(
      /^mpsc Receiver\.recv\(\) on channel #\d+ — 0 of 4 queued, 1 sender alive$/,
    );
    expect(task!.awaitSite).toMatch(site("recv"));
    expect(task!.awaitSite!.startsWith(FILE)).toBe(true);
    expect(task!.spawnSite).toMatch(/dump\.test\.ts:\d+:\d+$/);
    tx.close();
  });

  it("numbers channels per runtime: the same channel gets the same number, a new runtime starts at #1", async () => {
    const dumps: string[][] = [];
    for (let i = 0; i < 2; i++) {
      const r = new Runtime();
      const [txA, rxA] = mpsc.channel<number>(1);
      const [txB, rxB] = mpsc.channel<number>(1);
      txA.trySend(0); // A is full: both senders below wait
      r.spawn(consumer(rxB));
      r.spawn(function* () {
        yield* txA.send(1);
      });
      r.spawn(function* () {
        yield* txA.send(2);
      });
      await settle();
      dumps.push(r.dump().tasks.map((t) => t.awaits.description));
      txB.close();
      rxA.close();
      await r.shutdown();
    }
    expect(dumps[0]).toEqual([
      "mpsc Receiver.recv() on channel #1 — 0 of 1 queued, 1 sender alive",
      "mpsc Sender.send() on channel #2 — 1 of 1 queued, 2 senders waiting, 1 sender alive",
      "mpsc Sender.send() on channel #2 — 1 of 1 queued, 2 senders waiting, 1 sender alive",
    ]);
    expect(dumps[1]).toEqual(dumps[0]);
  });

  it("lists the whole async fn stack, innermost first", async () => {
    const r = runtime();
    const [tx, rx] = mpsc.channel<number>(1);
    r.spawn(consumer(rx));
    await settle();
    const { asyncStack } = r.dump().tasks[0]!;
    expect(asyncStack).toHaveLength(3);
    expect(asyncStack[0]).toMatch(site("recv"));
    expect(asyncStack[1]).toMatch(site("middle"));
    expect(asyncStack[2]).toMatch(site("consumer"));
    tx.close();
  });

  it("says which lock, who holds it, and which timer", async () => {
    const r = runtime();
    const m = new Mutex(0);
    r.spawn(holder(m), { name: "holder" });
    r.spawn(locker(m), { name: "locker" });
    r.spawn(idleOn(new Notify()), { name: "idle" });
    await settle();
    const [h, l, n] = r.dump().tasks;
    expect(h!.awaits.kind).toBe("sleep");
    expect(h!.awaits.description).toMatch(/^sleep \(due in \d+ ms\)$/);
    expect(h!.awaitSite).toMatch(site("holder-sleep"));
    expect(l!.awaits.kind).toBe("Mutex.lock");
    expect(l!.awaits.description).toMatch(
      /^Mutex\.lock\(\) on mutex #\d+ — held by task #1 "holder", 1 waiter$/,
    );
    expect(l!.awaitSite).toMatch(site("lock"));
    expect(n!.awaits.description).toMatch(/^Notify\.notified\(\) on notify #\d+ — 1 task waiting$/);
    expect(n!.awaitSite).toMatch(site("notified"));
  });

  it("says the state of semaphores, rwlocks, intervals and unbounded channels", async () => {
    const r = runtime();
    const sem = new Semaphore(1);
    const lock = new RwLock(0);
    const [utx, urx] = mpsc.unbounded<number>();
    r.spawn(function* () {
      using _p = yield* sem.acquire();
      using _g = yield* lock.read();
      yield* new Trigger<void>();
    });
    r.spawn(function* () {
      yield* sem.acquire(2);
    });
    r.spawn(function* () {
      yield* lock.write();
    });
    r.spawn(function* () {
      const iv = interval(60_000);
      yield* iv.tick(); // the first tick is immediate
      yield* iv.tick();
    });
    r.spawn(function* () {
      yield* urx.recv();
    });
    await settle();
    const d = r
      .dump()
      .tasks.slice(1)
      .map((t) => t.awaits.description);
    expect(d[0]).toMatch(
      /^Semaphore\.acquire\(2\) on semaphore #\d+ — 0 of 2 permits assigned, 0 free, 1 waiter$/,
    );
    expect(d[1]).toMatch(/^RwLock\.write\(\) on rwlock #\d+ — held by 1 reader, 1 waiter$/);
    expect(d[2]).toMatch(/^interval tick \(every 60000 ms, next due in \d+ ms\)$/);
    expect(d[3]).toMatch(/^mpsc UnboundedReceiver\.recv\(\) on channel #\d+ — 0 queued, 1 sender alive$/);
    utx.close();
  });

  it("keeps pollux's own frames in the stack (they are never the await site)", async () => {
    const r = runtime();
    const m = new Mutex(0);
    function* critical(): Async<void> {
      yield* new Trigger<void>(); // @mark: critical
    }
    r.spawn(function* () {
      yield* m.withLock(critical); // @mark: with-lock
    });
    await settle();
    const [t] = r.dump().tasks;
    // The innermost frame is the user's function run under the lock; Mutex.withLock's own frame
    // sits between it and the task's.
    expect(t!.awaitSite).toMatch(site("critical"));
    expect(t!.asyncStack).toHaveLength(3);
    expect(t!.asyncStack[0]).toMatch(site("critical"));
    expect(t!.asyncStack[1]).toMatch(/src\/sync\/mutex\.ts:\d+:\d+$/);
    expect(t!.asyncStack[2]).toMatch(site("with-lock"));
  });

  it("skips pollux's own frames for the await site", async () => {
    const r = runtime();
    const m = new Mutex(0);
    r.spawn(holder(m), { name: "holder" });
    r.spawn(function* () {
      yield* m.withLock((g) => g.value++); // @mark: waits-for-lock
    });
    await settle();
    const t = r.dump().tasks[1]!;
    expect(t.awaits.kind).toBe("Mutex.lock");
    // Innermost is Mutex.withLock's own frame, waiting for the lock: the site is the caller's line.
    expect(t.asyncStack[0]).toMatch(/src\/sync\/mutex\.ts:\d+:\d+$/);
    expect(t.awaitSite).toMatch(site("waits-for-lock"));
  });

  it("a plain generator delegated to with yield* is part of its caller's frame", async () => {
    const r = runtime();
    const [tx, rx] = mpsc.channel<number>(1);
    function* plainHelper(): Async<unknown> {
      return yield* rx.recv();
    }
    r.spawn(function* () {
      yield* plainHelper(); // @mark: plain-delegation
    });
    await settle();
    const [t] = r.dump().tasks;
    expect(t!.asyncStack).toHaveLength(1);
    expect(t!.awaitSite).toMatch(site("plain-delegation"));
    tx.close();
  });

  it("flat without recorded parents: every task is a root, in spawn order", async () => {
    const r = runtime();
    const [tx, rx] = mpsc.channel<number>(1);
    r.spawn(function* () {
      r.spawn(consumer(rx), { name: "child" });
      yield* new Trigger<void>();
    });
    await settle();
    const dump = r.dump();
    expect(dump.tasks.map((t) => [t.id, t.parentId, t.children])).toEqual([
      [1, undefined, []],
      [2, undefined, []],
    ]);
    const lines = String(dump).split("\n");
    expect(lines.filter((l) => l.startsWith("task "))).toEqual([
      "task #1 awaits Trigger",
      expect.stringMatching(/^task #2 "child" awaits mpsc Receiver\.recv\(\) on channel #\d+/),
    ]);
    tx.close();
  });

  // Full instrumentation records each task's parent: the task running when it was spawned.
  it("a tree: children under their parent, with parentId and children ids", async () => {
    const r = runtime({ instrument: true });
    const [tx, rx] = mpsc.channel<number>(1);
    r.spawn(
      function* () {
        r.spawn(
          function* () {
            r.spawn(consumer(rx), { name: "grandchild" });
            yield* new Trigger<void>();
          },
          { name: "child-a" },
        );
        r.spawn(idleOn(new Notify()), { name: "child-b" });
        yield* new Trigger<void>();
      },
      { name: "root" },
    );
    await settle();
    const dump = r.dump();
    expect(dump.tasks.map((t) => [t.id, t.parentId, t.children])).toEqual([
      [1, undefined, [2, 3]],
      [2, 1, [4]],
      [3, 1, []],
      [4, 2, []],
    ]);
    const heads = String(dump)
      .split("\n")
      .filter((l) => /^\s*task /.test(l))
      .map((l) => l.replace(/ awaits .*/, ""));
    expect(heads).toEqual([
      'task #1 "root"',
      '  task #2 "child-a"',
      '    task #4 "grandchild"',
      '  task #3 "child-b"',
    ]);
    // Each task's frames are indented under its own headline.
    expect(String(dump)).toMatch(new RegExp(`\\n {8}at .*dump\\.test\\.ts:${lineOf("recv")}:\\d+\\n`));
    tx.close();
  });

  it("a task polling a plain future (no generator): its kind, no await site", async () => {
    const r = runtime();
    r.spawn(new Trigger<number>(), { name: "plain" });
    await settle();
    const [t] = r.dump().tasks;
    expect(t!.awaits).toEqual({ kind: "Trigger", description: "Trigger" });
    expect(t!.awaitSite).toBeUndefined();
    expect(t!.asyncStack).toEqual([]);
  });

  it("the task calling dump() is running; a woken one is scheduled", async () => {
    const r = runtime();
    const trigger = new Trigger<void>();
    r.spawn(function* () {
      yield* trigger;
    });
    await settle();
    let dump: TaskDump | null = null;
    await r.run(function* () {
      trigger.fire(); // task #1 is now scheduled, behind this one
      dump = r.dump(); // @mark: dump-call
    });
    const tasks = (dump as TaskDump | null)!.tasks;
    expect(tasks.map((t) => [t.id, t.state])).toEqual([
      [1, "scheduled"],
      [2, "running"],
    ]);
    expect(tasks[1]!.awaits.kind).toBe("running");
    expect(tasks[1]!.awaitSite).toBeUndefined();
    expect(tasks[1]!.asyncStack[0]).toMatch(site("dump-call"));
    expect(String(dump)).toMatch(/task #2 "main" is running/);
  });

  it("dumps 10,000 tasks", async () => {
    const r = runtime();
    const senders: mpsc.Sender<number>[] = [];
    for (let i = 0; i < 10_000; i++) {
      const [tx, rx] = mpsc.channel<number>(1);
      senders.push(tx);
      r.spawn(consumer(rx));
    }
    // Queued behind the 10,000: once it ran, every one of them has been polled.
    await r.run(function* () {});
    const t0 = performance.now();
    const dump = r.dump();
    const ms = performance.now() - t0;
    // Timing is printed for the record (benchmarks, not tests, judge speed: bench/dump/run.ts).
    console.log(`dump of 10,000 tasks (3 frames each): ${Math.round(ms)} ms`);
    expect(dump.tasks).toHaveLength(10_000);
    expect(dump.tasks.every((t) => site("recv").test(t.awaitSite ?? ""))).toBe(true);
    for (const tx of senders) tx.close();
  });

  describe("without the inspector", () => {
    const create = inspectorSeam.create;
    afterEach(() => {
      inspectorSeam.create = create;
    });

    it("still lists every task and what it awaits; no await sites", async () => {
      inspectorSeam.create = () => {
        throw new Error("inspector unavailable");
      };
      const r = runtime();
      const [tx, rx] = mpsc.channel<number>(1);
      r.spawn(consumer(rx), { name: "consumer" });
      await settle();
      const dump = r.dump();
      expect(dump.tasks[0]).toMatchObject({ name: "consumer", awaitSite: undefined, asyncStack: [] });
      expect(dump.tasks[0]!.awaits.kind).toBe("mpsc Receiver.recv");
      expect(String(dump)).toMatch(/^task #1 "consumer" awaits mpsc Receiver\.recv\(\)/);
      tx.close();
    });
  });
});

describe("DeadlockError and the dump", () => {
  const blocked: (rx: mpsc.Receiver<number>) => Future<unknown> = innermost;

  it("the message shows each task's await site, and the error carries the dump", async () => {
    const err = await run(function* () {
      const [tx, rx] = mpsc.channel<number>(1);
      try {
        yield* blocked(rx);
      } finally {
        tx.close();
      }
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlockError);
    const d = err as DeadlockError;
    expect(d.message).toMatch(/^deadlock: a task is awaited but nothing can wake any task/);
    expect(d.message).toMatch(/task #1 "main" awaits mpsc Receiver\.recv\(\) on channel #\d+/);
    expect(d.message).toMatch(
      new RegExp(`at ${FILE.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:${lineOf("recv")}:\\d+`),
    );
    expect(d.dump?.tasks[0]?.awaitSite).toMatch(site("recv"));
    expect(d.tasks.map((t) => t.label)).toEqual(['#1 "main"']);
  });

  it("without the inspector: the same message, without sites", async () => {
    const create = inspectorSeam.create;
    inspectorSeam.create = () => {
      throw new Error("inspector unavailable");
    };
    try {
      const err = await run(function* () {
        yield* new Trigger<void>();
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeadlockError);
      expect((err as DeadlockError).message).toMatch(/\n {2}task #1 "main" awaits Trigger\n/);
      expect((err as DeadlockError).dump?.tasks[0]?.awaitSite).toBeUndefined();
    } finally {
      inspectorSeam.create = create;
    }
  });
});
