/**
 * Adversarial: random programs on a paused clock. fast-check generates a handful of tasks, each a
 * random tree of steps: sleeps, yields, budget spending, bounded and unbounded channel traffic
 * (each wait bounded by `timeout` or `select` against a sleep), watch updates, a Mutex and a
 * Semaphore held across awaits, `join` of sub-programs, `timeout`/`select` around whole blocks
 * (cancelling them mid-way), spawned children (awaited or detached), aborts of random tasks
 * (self included) at random points, planned failures, and `try`/`finally` blocks whose `finally`
 * itself awaits. Every wait is bounded, so every program terminates.
 *
 * After `run` settles and the runtime shuts down, the invariants users rely on:
 * - no task alive, no registration left (`pendingSources`, `timersPending`), no task queued;
 * - every `using` resource disposed exactly once; every `finally` started exactly once per entered
 *   `try`, and every `finally` entered because of a cancellation ran to its end (the documented
 *   rule lets a cancellation cut only a `finally` that was entered normally);
 * - mutual exclusion held, every permit returned, the lock free;
 * - every message whose send completed was received exactly once (by a task or the final drain),
 *   nothing else was received, and each sender's messages arrived in order;
 * - the only errors anywhere are the planned ones;
 * - the same program with the same seed gives the same trace on a second run (paused clock).
 */
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  asyncFn,
  EMPTY,
  END,
  type Future,
  join,
  type Suspend,
  select,
  tryJoin,
} from "../../src/future/index.js";
import { Runtime } from "../../src/runtime/index.js";
import { Mutex, mpsc, RwLock, Semaphore, watch } from "../../src/sync/index.js";
import {
  CANCELLED,
  CancellationToken,
  consumeBudget,
  JoinError,
  type JoinHandle,
  JoinSet,
  spawn,
  yieldNow,
} from "../../src/task/index.js";
import { Elapsed, Instant, sleep, timeout } from "../../src/time/index.js";
import { DisposeLedger, expectQuiet, FinallyLedger, prng } from "./helpers.js";

afterEach(() => {
  vi.restoreAllMocks();
});

type Leaf =
  | { k: "sleep"; ms: number }
  | { k: "yield" }
  | { k: "budget"; n: number }
  | { k: "send"; bounded: boolean; wait: number }
  | { k: "recv"; bounded: boolean; wait: number; sel: boolean }
  | { k: "watchSend" }
  | { k: "watchChanged"; wait: number }
  | { k: "lock"; wait: number; hold: number }
  | { k: "permit"; wait: number; hold: number; n: number }
  | { k: "abort"; target: number }
  | { k: "abortOutside"; target: number }
  | { k: "rw"; write: boolean; wait: number; hold: number }
  | { k: "cancelToken" }
  | { k: "fail" };

type Cleanup = { k: "sleep"; ms: number } | { k: "yield" };

type Step =
  | Leaf
  | { k: "try"; body: Step[]; cleanup: Cleanup[] }
  | { k: "join"; a: Step[]; b: Step[] }
  | { k: "tryJoin"; a: Step[]; b: Step[] }
  | { k: "joinSet"; a: Step[]; b: Step[] }
  | { k: "tokenBlock"; body: Step[] }
  | { k: "spawn"; body: Step[]; awaited: boolean }
  | { k: "timeoutBlock"; ms: number; body: Step[] }
  | { k: "selectBlock"; ms: number; body: Step[] };

const wait = fc.integer({ min: 0, max: 12 });

const leafArb: fc.Arbitrary<Leaf> = fc.oneof(
  fc.record({ k: fc.constant("sleep" as const), ms: fc.integer({ min: 0, max: 20 }) }),
  fc.constant({ k: "yield" as const }),
  fc.record({ k: fc.constant("budget" as const), n: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ k: fc.constant("send" as const), bounded: fc.boolean(), wait }),
  fc.record({ k: fc.constant("recv" as const), bounded: fc.boolean(), wait, sel: fc.boolean() }),
  fc.constant({ k: "watchSend" as const }),
  fc.record({ k: fc.constant("watchChanged" as const), wait }),
  fc.record({ k: fc.constant("lock" as const), wait, hold: fc.integer({ min: 0, max: 8 }) }),
  fc.record({
    k: fc.constant("permit" as const),
    wait,
    hold: fc.integer({ min: 0, max: 8 }),
    n: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({ k: fc.constant("abort" as const), target: fc.nat(30) }),
  fc.record({ k: fc.constant("abortOutside" as const), target: fc.nat(30) }),
  fc.record({
    k: fc.constant("rw" as const),
    write: fc.boolean(),
    wait,
    hold: fc.integer({ min: 0, max: 8 }),
  }),
  fc.constant({ k: "cancelToken" as const }),
  fc.constant({ k: "fail" as const }),
);

const cleanupArb: fc.Arbitrary<Cleanup[]> = fc.array(
  fc.oneof(
    fc.record({ k: fc.constant("sleep" as const), ms: fc.integer({ min: 0, max: 6 }) }),
    fc.constant({ k: "yield" as const }),
  ),
  { maxLength: 2 },
);

const stepsArb: fc.Memo<Step[]> = fc.memo((n) => {
  if (n <= 1) return fc.array(leafArb, { maxLength: 4 });
  const inner = stepsArb(n - 1);
  const compound: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ k: fc.constant("try" as const), body: inner, cleanup: cleanupArb }),
    fc.record({ k: fc.constant("join" as const), a: inner, b: inner }),
    fc.record({ k: fc.constant("tryJoin" as const), a: inner, b: inner }),
    fc.record({ k: fc.constant("joinSet" as const), a: inner, b: inner }),
    fc.record({ k: fc.constant("tokenBlock" as const), body: inner }),
    fc.record({ k: fc.constant("spawn" as const), body: inner, awaited: fc.boolean() }),
    fc.record({ k: fc.constant("timeoutBlock" as const), ms: fc.integer({ min: 0, max: 25 }), body: inner }),
    fc.record({ k: fc.constant("selectBlock" as const), ms: fc.integer({ min: 0, max: 25 }), body: inner }),
  );
  return fc.array(fc.oneof({ weight: 3, arbitrary: leafArb }, { weight: 2, arbitrary: compound }), {
    maxLength: 4,
  });
});

const programArb = fc.record({
  tasks: fc.array(stepsArb(3), { minLength: 1, maxLength: 5 }),
  capacity: fc.integer({ min: 1, max: 3 }),
  permits: fc.integer({ min: 1, max: 3 }),
  budget: fc.constantFrom(1, 2, 128),
  eventInterval: fc.constantFrom(1, 3, 61),
  // 0: the drain yields to Node every `eventInterval` polls whatever the time; 1 (the default):
  // only once it has run 1 ms of real time, which makes how far detached tasks get between main's
  // completion and the shutdown depend on real time (see determinism.test.ts).
  yieldAfterMs: fc.constantFrom(0, 1),
  seed: fc.integer(),
});

type Program = typeof programArb extends fc.Arbitrary<infer P> ? P : never;

class Planned extends Error {
  constructor() {
    super("planned failure");
  }
}

interface Msg {
  bounded: boolean;
  ctx: number;
  seq: number;
  id: number;
}

interface Ctx {
  id: number;
  /** A `finally` of this context was entered by a cancellation: none of its code may run again. */
  dead: boolean;
  /** The planned failure that escaped this context's task, if it is a task's root context. */
  failure: Planned | null;
  seq: number;
  wrx: ReturnType<typeof watch<number>>[1];
  lastSeen: number;
}

interface Outcome {
  trace: string[];
  counters: Record<string, number>;
}

/** Run `program` once on a fresh paused-clock runtime and check every invariant. */
async function execute(
  program: Program,
  helpers: "asyncFn" | "plain" = "asyncFn",
  clock: "paused" | "real" = "paused",
): Promise<Outcome> {
  const random = prng(program.seed);
  vi.spyOn(Math, "random").mockImplementation(random);
  const ledger = new FinallyLedger();
  const disposals = new DisposeLedger();
  const trace: string[] = [];
  const violations: string[] = [];
  const unexpected: unknown[] = [];
  const reported: unknown[] = [];
  const rt = new Runtime({
    clock,
    budget: program.budget,
    eventInterval: program.eventInterval,
    yieldAfterMs: program.yieldAfterMs,
    onTaskError: (e) => reported.push(e),
  });

  const [btx, brx] = mpsc.channel<Msg>(program.capacity);
  const [utx, urx] = mpsc.unbounded<Msg>();
  const [wtx, wrx0] = watch(0);
  const brxLock = new Mutex(0);
  const urxLock = new Mutex(0);
  const mutex = new Mutex(0);
  const sem = new Semaphore(program.permits);
  const rw = new RwLock(0);
  const token = new CancellationToken();
  let readers = 0;
  let writers = 0;
  /** Planned failures: escaped a task body; seen by an awaiter; reported through onTaskError. */
  const escaped = new Set<Planned>();
  const observed = new Set<Planned>();
  const lostToKnownBug = new Set<Planned>();
  const handles: JoinHandle<unknown>[] = [];
  const sentOk = new Set<number>();
  const received: Msg[] = [];
  let nextMsg = 0;
  let nextCtx = 0;
  let watchVersion = 0;
  let inLock = 0;
  let permitsHeld = 0;
  let t0 = 0;

  const now = () => Instant.now().ms - t0;
  const note = (ctx: Ctx, what: string) => trace.push(`${now()} c${ctx.id} ${what}`);
  const newCtx = (): Ctx => ({
    id: nextCtx++,
    dead: false,
    failure: null,
    seq: 0,
    wrx: wrx0.clone(),
    lastSeen: 0,
  });

  /** Await `fut` with a limit; false when it elapsed. */
  function* within<T>(ms: number, fut: Generator<Suspend, T> | Future<T>) {
    try {
      return { ok: true as const, value: yield* timeout(ms, fut) };
    } catch (e) {
      if (e instanceof Elapsed) return { ok: false as const };
      throw e;
    }
  }

  function* execBody(steps: Step[], ctx: Ctx): Generator<Suspend, void> {
    for (const s of steps) {
      if (ctx.dead) violations.push(`c${ctx.id} ran a step after it was cancelled`);
      yield* step(s, ctx);
    }
  }

  function* stepBody(s: Step, ctx: Ctx): Generator<Suspend, void> {
    switch (s.k) {
      case "sleep":
        yield* sleep(s.ms);
        note(ctx, `slept ${s.ms}`);
        return;
      case "yield":
        yield* yieldNow();
        return;
      case "budget":
        for (let i = 0; i < s.n; i++) yield* consumeBudget();
        note(ctx, "budget spent");
        return;
      case "send": {
        const msg = { bounded: s.bounded, ctx: ctx.id, seq: ctx.seq++, id: nextMsg++ };
        if (!s.bounded) {
          utx.send(msg);
          sentOk.add(msg.id);
          note(ctx, `usent ${msg.id}`);
          return;
        }
        const r = yield* within(s.wait, btx.send(msg));
        if (r.ok) sentOk.add(msg.id);
        if (brx.length > program.capacity) violations.push(`capacity exceeded: ${brx.length}`);
        note(ctx, r.ok ? `sent ${msg.id}` : `send ${msg.id} timed out`);
        return;
      }
      case "recv": {
        // One receiver at a time: the channel is single-consumer.
        const lock = yield* within(s.wait, (s.bounded ? brxLock : urxLock).lock());
        if (!lock.ok) {
          note(ctx, "recv lock timed out");
          return;
        }
        using _guard = lock.value;
        const rx = s.bounded ? brx : urx;
        let got: Msg | undefined;
        if (s.sel) {
          const r = yield* select({ m: rx.recv(), t: sleep(s.wait) });
          if (r.key === "m" && r.value !== END) got = r.value;
        } else {
          const r = yield* within(s.wait, rx.recv());
          if (r.ok && r.value !== END) got = r.value;
        }
        if (got !== undefined) received.push(got);
        note(ctx, got === undefined ? "recv timed out" : `recv ${got.id}`);
        return;
      }
      case "watchSend":
        wtx.send(++watchVersion);
        note(ctx, `watch ${watchVersion}`);
        return;
      case "watchChanged": {
        const r = yield* within(s.wait, ctx.wrx.changed());
        if (r.ok) {
          const v = ctx.wrx.borrowAndUpdate();
          if (v <= ctx.lastSeen) violations.push(`watch went back or repeated: ${ctx.lastSeen} -> ${v}`);
          ctx.lastSeen = v;
        }
        note(ctx, r.ok ? `changed ${ctx.lastSeen}` : "changed timed out");
        return;
      }
      case "lock": {
        const r = yield* within(s.wait, mutex.lock());
        if (!r.ok) {
          note(ctx, "lock timed out");
          return;
        }
        using _g = r.value;
        if (++inLock !== 1) violations.push(`${inLock} holders of the mutex`);
        try {
          note(ctx, "locked");
          yield* sleep(s.hold);
        } finally {
          inLock--;
        }
        return;
      }
      case "permit": {
        const n = Math.min(s.n, program.permits);
        const r = yield* within(s.wait, sem.acquire(n));
        if (!r.ok) {
          note(ctx, "acquire timed out");
          return;
        }
        using _p = r.value;
        permitsHeld += n;
        if (permitsHeld > program.permits) violations.push(`${permitsHeld} permits held`);
        try {
          note(ctx, `acquired ${n}`);
          yield* sleep(s.hold);
        } finally {
          permitsHeld -= n;
        }
        return;
      }
      case "abort": {
        const h = handles[s.target % handles.length]!;
        note(ctx, `abort #${h.id}`);
        h.abort();
        return;
      }
      case "abortOutside": {
        const h = handles[s.target % handles.length]!;
        note(ctx, `abort #${h.id} from outside`);
        setImmediate(() => h.abort());
        return;
      }
      case "rw": {
        const r = s.write ? yield* within(s.wait, rw.write()) : yield* within(s.wait, rw.read());
        if (!r.ok) {
          note(ctx, "rw timed out");
          return;
        }
        using _g = r.value;
        if (s.write) writers++;
        else readers++;
        if (writers > 1 || (writers === 1 && readers > 0))
          violations.push(`rwlock: ${writers} writers, ${readers} readers`);
        try {
          note(ctx, s.write ? "write-locked" : "read-locked");
          yield* sleep(s.hold);
        } finally {
          if (s.write) writers--;
          else readers--;
        }
        return;
      }
      case "cancelToken":
        note(ctx, "cancel token");
        token.cancel();
        return;
      case "fail":
        note(ctx, "fail");
        throw new Planned();
      case "try": {
        using _r = disposals.acquire();
        const id = ledger.enter();
        let normal = false;
        try {
          yield* exec(s.body, ctx);
          normal = true;
        } catch (e) {
          normal = true;
          throw e;
        } finally {
          if (normal) {
            if (ctx.dead) violations.push(`c${ctx.id}: a try finished normally after a cancellation`);
            ledger.normalExit(id);
          } else {
            // Entered by a cancellation: nothing after this try may run in this context.
            ctx.dead = true;
          }
          ledger.finallyStart(id);
          for (const c of s.cleanup) {
            if (c.k === "sleep") yield* sleep(c.ms);
            else yield* yieldNow();
          }
          note(ctx, `finally ${id}`);
          ledger.finallyEnd(id);
        }
        return;
      }
      case "join":
        yield* join(exec(s.a, newCtx()), exec(s.b, newCtx()));
        return;
      case "tryJoin":
        yield* tryJoin(exec(s.a, newCtx()), exec(s.b, newCtx()));
        return;
      case "joinSet": {
        using set = new JoinSet<void>();
        set.spawn(taskBody(s.a, newCtx()));
        set.spawn(taskBody(s.b, newCtx()));
        try {
          yield* set.joinNext();
          note(ctx, "joined one");
        } catch (e) {
          if (!(e instanceof JoinError && (e.cancelled || e.cause instanceof Planned))) throw e;
          if (e.cause instanceof Planned) observed.add(e.cause);
          note(ctx, "joined one (failed)");
        }
        return; // the set's scope ends: the other task is aborted
      }
      case "tokenBlock": {
        const r = yield* token.runUntilCancelled(exec(s.body, newCtx()));
        note(ctx, token.isCancelled && r === CANCELLED ? "token block stopped" : "token block done");
        return;
      }
      case "spawn": {
        const child = newCtx();
        const h = spawn(taskBody(s.body, child));
        handles.push(h);
        note(ctx, `spawned #${h.id} as c${child.id}`);
        if (s.awaited) yield* awaitTask(h, child);
        return;
      }
      case "timeoutBlock": {
        const r = yield* within(s.ms, exec(s.body, newCtx()));
        note(ctx, r.ok ? "block done" : "block timed out");
        return;
      }
      case "selectBlock": {
        const r = yield* select({ body: exec(s.body, newCtx()), t: sleep(s.ms) });
        note(ctx, `select ${r.key}`);
        return;
      }
    }
  }

  function* taskBodyGen(steps: Step[], ctx: Ctx): Generator<Suspend, void> {
    using _task = disposals.acquire();
    try {
      yield* exec(steps, ctx);
    } catch (e) {
      if (e instanceof Planned) {
        escaped.add(e);
        ctx.failure = e;
      }
      throw e;
    }
  }

  // Helpers as async fns (each its own frame on the task's trampoline), or as plain generators
  // delegated to with V8's native `yield*` (see cancellation.test.ts for why that differs).
  const wrap = <A extends unknown[]>(body: (...args: A) => Generator<Suspend, void>) =>
    helpers === "asyncFn" ? asyncFn(body) : body;
  const exec = wrap(execBody);
  const step = wrap(stepBody);
  const taskBody = wrap(taskBodyGen);

  /** Await a task; a cancellation or a planned failure is fine, anything else is recorded. */
  function* awaitTask(h: JoinHandle<unknown>, child: Ctx): Generator<Suspend, void> {
    let settled = false;
    try {
      yield* h;
      settled = true;
    } catch (e) {
      settled = true;
      if (!(e instanceof JoinError && (e.cancelled || e.cause instanceof Planned))) unexpected.push(e);
      else if (e.cause instanceof Planned) observed.add(e.cause);
    } finally {
      // Cancelled while the child had already failed: the known lost-failure bug
      // (unobserved-failures.test.ts) swallows that failure; excuse it here so the other
      // invariants keep being checked, and count it.
      if (!settled && h.isFinished() && child.failure !== null) lostToKnownBug.add(child.failure);
    }
  }

  const out = await rt.run(function* () {
    t0 = Instant.now().ms;
    const top: [JoinHandle<unknown>, Ctx][] = [];
    for (const [i, steps] of program.tasks.entries()) {
      const ctx = newCtx();
      const h = spawn(taskBody(steps, ctx), { name: `t${i}` });
      handles.push(h);
      top.push([h, ctx]);
    }
    for (const [h, ctx] of top) yield* awaitTask(h, ctx);
    trace.push("main done");
    return "main done";
  });
  await rt.shutdown();
  vi.restoreAllMocks();

  expect(out).toBe("main done");
  expectQuiet(rt);
  expect(unexpected).toEqual([]);
  expect(reported.filter((e) => !(e instanceof Planned))).toEqual([]);
  // Failures: each reported at most once, and every failure that escaped a task and that nobody
  // saw is reported.
  const reportedSet = new Set(reported as Planned[]);
  expect(reportedSet.size).toBe(reported.length);
  // (Not checked here: a failure reported and then seen by a late awaiter. That happens, see the
  // it.fails in unobserved-failures.test.ts.)
  expect(
    [...escaped].filter((e) => !observed.has(e) && !reportedSet.has(e) && !lostToKnownBug.has(e)),
  ).toEqual([]);
  expect(rw.tryWrite()).toBeDefined();
  expect(violations).toEqual([]);
  ledger.expectSound();
  disposals.expectBalanced();
  expect(mutex.isLocked()).toBe(false);
  expect(brxLock.isLocked() || urxLock.isLocked()).toBe(false);
  expect(sem.availablePermits).toBe(program.permits);
  for (let m = brx.tryRecv(); m !== EMPTY && m !== END; m = brx.tryRecv()) received.push(m);
  for (let m = urx.tryRecv(); m !== EMPTY && m !== END; m = urx.tryRecv()) received.push(m);
  const ids = received.map((m) => m.id);
  expect(new Set(ids).size).toBe(ids.length); // nothing duplicated
  expect(new Set(ids)).toEqual(sentOk); // nothing lost, nothing unsent delivered
  const lastSeq = new Map<string, number>();
  for (const m of received) {
    // FIFO per sender, per channel (a context sends sequentially). The drain appends the bounded
    // channel's rest before the unbounded one's, so order is compared within each channel only.
    const key = `${m.ctx}:${m.bounded}`;
    const prev = lastSeq.get(key) ?? -1;
    if (m.seq < prev) violations.push(`ctx ${m.ctx}: seq ${m.seq} after ${prev}`);
    lastSeq.set(key, m.seq);
  }
  expect(violations).toEqual([]);
  const m = rt.metrics();
  return {
    trace,
    counters: {
      spawned: m.tasksSpawned,
      completed: m.tasksCompleted,
      cancelled: m.tasksCancelled,
      failed: m.tasksFailed,
      polls: m.polls,
      timersRegistered: m.timersRegistered,
      timersFired: m.timersFired,
    },
  };
}

describe("random programs on a paused clock", () => {
  it("keep every invariant, and replay identically from the same seed", async () => {
    await fc.assert(
      fc.asyncProperty(programArb, async (program) => {
        const first = await execute(program);
        const second = await execute(program);
        // An abort from a Node callback lands between drains; with a time slice measured in real
        // time (yieldAfterMs 1) where the drains split depends on the machine, so it is external
        // input, not replayable.
        const outside = JSON.stringify(program.tasks).includes("abortOutside");
        if (program.yieldAfterMs === 1 && outside) return;
        if (program.yieldAfterMs === 0) {
          expect(second.trace).toEqual(first.trace);
          expect(second.counters).toEqual(first.counters);
        } else {
          // Up to main's completion the schedule never depends on real time.
          const upToMain = (t: string[]) => t.slice(0, t.indexOf("main done") + 1);
          expect(upToMain(second.trace)).toEqual(upToMain(first.trace));
        }
      }),
      { numRuns: 150 },
    );
  });

  it("keep every invariant on the real clock too (timer driver, Node timer arming)", async () => {
    await fc.assert(
      fc.asyncProperty(programArb, async (program) => {
        await execute(program, "asyncFn", "real");
      }),
      { numRuns: 60 },
    );
  });

  // KNOWN LIMITATION (see cancellation.test.ts and the guide): written with plain generator helpers (`yield* helper()`, which
  // the guide says "still works, at V8's cost"), a cancellation that reaches a helper's `finally`
  // that awaits resumes the calling generators normally once that `finally` ends: code after the
  // cancelled call runs (steps of a cancelled context, a second `finally` "entered normally").
  it.fails("keep every invariant with plain generator helpers too", async () => {
    await fc.assert(
      fc.asyncProperty(programArb, async (program) => {
        await execute(program, "plain");
      }),
      { numRuns: 300, seed: 7, endOnFailure: true },
    );
  });
});
