import { afterEach, describe, expect, it } from "vitest";
import {
  type Async,
  asyncFn,
  type Context,
  FutureBase,
  joinAll,
  PENDING,
  type Poll,
} from "../../src/future/index.js";
import { quantileUs, Runtime, type TaskMetrics } from "../../src/runtime/index.js";
import { FuturesUnordered } from "../../src/stream/index.js";
import { mpsc } from "../../src/sync/index.js";
import { growthSampling } from "../../src/task/growth-watch.js";
import { JoinSet, spawn, yieldNow } from "../../src/task/index.js";
import { sleep } from "../../src/time/index.js";

const THIS_FILE = /instrumentation\.test\.ts:(\d+):\d+$/;

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin: a poll that blocks the event loop
  }
}

function byName(rt: Runtime, name: string): TaskMetrics {
  const row = rt.taskMetrics().find((t) => t.name === name);
  if (row === undefined) throw new Error(`no task named ${name}`);
  return row;
}

const napThen = asyncFn(function* (i: number): Async<number> {
  yield* sleep(1);
  return i;
});

/** A loaded machine preempts: only polls over 200 ms count as slow here, except where tested. */
function quiet(): Runtime {
  return new Runtime({ instrument: true, slowPollMs: 200, onSlowPoll: () => {}, onOrphans: false });
}

describe("instrument: true — per-task metrics", () => {
  it("counts exactly: a task woken 3 times has 3 wakes, 4 polls, 3 idles", async () => {
    const rt = quiet();
    await rt.run(function* () {
      const [tx, rx] = mpsc.unbounded<number>();
      const h = spawn(
        function* () {
          let sum = 0;
          for (let i = 0; i < 3; i++) sum += (yield* rx.recv()) as number;
          return sum;
        },
        { name: "receiver" },
      );
      for (let i = 1; i <= 3; i++) {
        yield* sleep(1); // the receiver goes idle before each send
        tx.send(i);
      }
      expect(yield* h).toBe(6);
    });
    const r = byName(rt, "receiver");
    expect(r.state).toBe("done");
    expect(r.totalPollCount).toBe(4);
    expect(r.wakes).toBe(3);
    expect(r.selfWakes).toBe(0);
    expect(r.totalScheduledCount).toBe(3);
    expect(r.totalIdledCount).toBe(3);
    expect(r.totalShortDelayCount + r.totalLongDelayCount).toBe(3);
    expect(r.totalFastPollCount + r.totalSlowPollCount).toBe(4);
    expect(r.pollDurations.count).toBe(4);
    expect(r.pollDurations.counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(r.firstPollDelayMs).toBeGreaterThanOrEqual(0);
    expect(r.totalIdleDurationMs).toBeGreaterThan(0);
    expect(r.lostWakerPolls).toBe(0);
  });

  it("counts self-wakes as wakes: yieldNow 5 times is 5 self-wakes and 6 polls", async () => {
    const rt = quiet();
    await rt.run(function* () {
      yield* spawn(
        function* () {
          for (let i = 0; i < 5; i++) yield* yieldNow();
        },
        { name: "yielder" },
      );
    });
    const y = byName(rt, "yielder");
    expect(y).toMatchObject({
      totalPollCount: 6,
      wakes: 5,
      selfWakes: 5,
      totalScheduledCount: 5,
      totalIdledCount: 0,
    });
  });

  it("records the parent, the spawn site of the spawn call, and the state of live tasks", async () => {
    const rt = quiet();
    let parentId = 0;
    let spawnLine = 0;
    await rt.run(function* () {
      const parent = spawn(
        function* () {
          const child = spawn(sleep(50), { name: "child" });
          spawnLine = Number(/:(\d+):\d+\)?$/.exec(new Error().stack!.split("\n")[1]!)![1]) - 1;
          yield* sleep(1);
          const live = byName(rt, "child");
          expect(live.state).toBe("idle");
          expect(live.awaits).toMatch(/sleep/);
          child.abort();
          try {
            yield* child;
          } catch {
            // JoinError: cancelled, as asked
          }
        },
        { name: "parent" },
      );
      parentId = parent.id;
      yield* parent;
    });
    const child = byName(rt, "child");
    expect(child.parentId).toBe(parentId);
    expect(byName(rt, "parent").parentId).toBe(1); // main
    const site = child.spawnSite ?? "";
    expect(Number(THIS_FILE.exec(site)?.[1])).toBe(spawnLine);
    expect(child.state).toBe("done");
  });

  it("measures scheduled delay: a task woken while another blocks waits at least that long", async () => {
    const rt = quiet();
    await rt.run(function* () {
      const [tx, rx] = mpsc.unbounded<number>();
      const waiter = spawn(rx.recv(), { name: "waiter" });
      yield* sleep(1);
      tx.send(1); // wakes the waiter; it is polled only after this poll ends
      busy(30);
      yield* waiter;
    });
    const w = byName(rt, "waiter");
    expect(w.totalScheduledCount).toBe(1);
    expect(w.totalScheduledDurationMs).toBeGreaterThanOrEqual(29);
    expect(w.totalLongDelayCount).toBe(1);
    const m = rt.metrics();
    expect(m.scheduledDelays?.count).toBe(m.polls);
    expect(quantileUs(m.scheduledDelays!, 1)).toBeGreaterThanOrEqual(16_000);
  });

  it("keeps runtime histograms with one sample per poll", async () => {
    const rt = quiet();
    await rt.run(function* () {
      yield* joinAll([1, 2, 3].map((i) => spawn(sleep(i))));
    });
    const m = rt.metrics();
    expect(m.pollDurations?.count).toBe(m.polls);
    expect(m.pollDurations?.counts.reduce((a, b) => a + b, 0)).toBe(m.polls);
    expect(new Runtime({ instrument: false }).metrics().pollDurations).toBeUndefined();
  });

  it("works on a paused clock: counts stay exact", async () => {
    const rt = new Runtime({ instrument: true, clock: "paused", onOrphans: false });
    await rt.run(function* () {
      yield* spawn(
        function* () {
          yield* sleep(10_000);
          yield* sleep(10_000);
        },
        { name: "sleeper" },
      );
    });
    expect(byName(rt, "sleeper")).toMatchObject({ totalPollCount: 3, wakes: 2, totalIdledCount: 2 });
  });

  it("needs instrument: true, and says so", () => {
    const rt = new Runtime({ instrument: "polls" });
    expect(() => rt.taskMetrics()).toThrow(
      /needs full instrumentation: .*instrument: true.*instrument: "polls"/,
    );
    expect(() => rt.lints()).toThrow(/instrument: true/);
  });
});

describe("runtime.intervals(ms)", () => {
  it("yields windows with the polls done during each", async () => {
    const rt = quiet();
    await rt.run(function* () {
      const windows = rt.intervals(20);
      const first = yield* windows.next();
      expect(first.durationMs).toBeGreaterThanOrEqual(19);
      for (let i = 0; i < 10; i++) yield* yieldNow();
      const second = yield* windows.next();
      // 10 yields, the poll that awaited the window, and the poll the window's wake caused.
      expect(second.polls).toBeGreaterThanOrEqual(11);
      expect(second.selfWakes).toBeGreaterThanOrEqual(10);
      expect(second.pollDurations.count).toBe(second.polls);
      windows.cancel();
    });
    expect(rt.metrics().pendingSources).toBe(0);
  });

  it("rejects a bad window length", () => {
    expect(() => quiet().intervals(0)).toThrow(
      /intervals\(ms\) needs a window length in milliseconds > 0; got 0/,
    );
  });
});

describe("runtime.lints()", () => {
  afterEach(() => {
    growthSampling.sampleEveryMs = 900;
  });

  it("is silent on a correct program", async () => {
    const rt = quiet();
    await rt.run(function* () {
      const [tx, rx] = mpsc.channel<number>(4);
      const consumer = spawn(function* () {
        let n = 0;
        for (let v = yield* rx.recv(); v !== Symbol.for("never"); v = yield* rx.recv()) {
          if (typeof v !== "number") break;
          n += v;
        }
        return n;
      });
      for (let i = 0; i < 500; i++) yield* tx.send(i);
      tx.close();
      yield* consumer;
      const set = new JoinSet<number>();
      for (let i = 0; i < 20; i++) set.spawn(napThen(i));
      yield* set.joinAll();
    });
    expect(rt.lints()).toEqual([]);
  });

  it("slow poll: names the task, its spawn site and the fix", async () => {
    const rt = new Runtime({ instrument: true, slowPollMs: 5, onSlowPoll: () => {}, onOrphans: false });
    await rt.run(function* () {
      yield* spawn(
        function* () {
          busy(15);
          yield* yieldNow();
        },
        { name: "blocker" },
      );
    });
    const [lint, ...rest] = rt.lints();
    expect(rest).toEqual([]);
    expect(lint).toMatchObject({ kind: "slow-poll", severity: "warning" });
    expect(lint!.site).toMatch(THIS_FILE);
    expect(lint!.message).toMatch(
      /task #2 "blocker" spawned at .*instrumentation\.test\.ts.*blocked the event loop/,
    );
    expect(lint!.message).toMatch(/spawnBlocking/);
  });

  it("never yielded: one poll of a second or more is an error", async () => {
    const rt = quiet();
    await rt.run(function* () {
      yield* spawn(
        function* () {
          busy(1010);
        },
        { name: "hog" },
      );
    });
    const lints = rt.lints();
    expect(lints.map((l) => l.kind)).toEqual(["never-yielded"]);
    expect(lints[0]!.severity).toBe("error");
    expect(lints[0]!.message).toMatch(/"hog".*ran 1\d{3} ms in one poll/);
  });

  it("self-wake loop: a task busy-waiting with yieldNow", async () => {
    const rt = quiet();
    await rt.run(function* () {
      let flag = false;
      const poller = spawn(
        function* () {
          while (!flag) yield* yieldNow();
        },
        { name: "poller" },
      );
      yield* sleep(20);
      flag = true;
      yield* poller;
    });
    const lints = rt.lints();
    expect(lints.map((l) => l.kind)).toEqual(["self-wake-loop"]);
    expect(lints[0]!.message).toMatch(/"poller".*woke itself \d+ times out of \d+ wakes/);
  });

  it("lost waker: a future that returns PENDING without storing cx.waker", async () => {
    class Forgetful extends FutureBase<void> {
      poll(_cx: Context): Poll<void> {
        return PENDING;
      }
    }
    const rt = quiet();
    await rt.run(function* () {
      const lost = spawn(new Forgetful(), { name: "lost" });
      yield* sleep(5);
      const lints = rt.lints();
      expect(lints.map((l) => l.kind)).toEqual(["lost-waker"]);
      expect(lints[0]!.taskIds).toEqual([lost.id]);
      expect(lints[0]!.message).toMatch(/"lost".*can never wake/);
      lost.abort();
    });
    expect(rt.lints()).toEqual([]); // aborted: no longer waiting
  });

  it("spawn per tiny job: thousands of one-poll tasks", async () => {
    const rt = quiet();
    const tiny = asyncFn(function* (i: number): Async<number> {
      return i * 2;
    });
    await rt.run(function* () {
      const handles = [];
      for (let i = 0; i < 2000; i++) handles.push(spawn(tiny(i)));
      yield* joinAll(handles);
    });
    const lints = rt.lints();
    expect(lints.map((l) => l.kind)).toEqual(["spawn-per-tiny-job"]);
    expect(lints[0]!.message).toMatch(/\d{4} of 2000 tasks spawned at .*instrumentation\.test\.ts.*joinAll/);
  });

  it("unbounded growth: a channel whose consumer falls behind", async () => {
    growthSampling.sampleEveryMs = 5;
    const rt = quiet();
    await rt.run(function* () {
      const [tx, rx] = mpsc.unbounded<number>(); // created here
      const kept = new FuturesUnordered<number>(); // bounded by us: not reported
      let seen: string[] = [];
      for (let round = 0; round < 6; round++) {
        for (let i = 0; i < 500; i++) tx.send(i);
        yield* sleep(6);
        seen = rt.lints().map((l) => l.kind);
      }
      expect(seen).toEqual(["unbounded-growth"]);
      const [lint] = rt.lints();
      expect(lint!.site).toMatch(THIS_FILE);
      expect(lint!.message).toMatch(/mpsc\.unbounded\(\) channel created at .* keeps growing: .*3000 items/);
      rx.close();
      kept.isEmpty();
    });
  });
});
