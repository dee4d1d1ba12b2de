/**
 * Adversarial: full instrumentation (`instrument: true`) under random programs. The per-task
 * records claim exact counts whatever the sampling: the polls of every task add up to the
 * runtime's poll counter, and their wakes to the runtime's wake counters; every task ends "done";
 * a bounded shutdown that abandons tasks leaves their records consistent too.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asyncFn, pending, type Suspend } from "../../src/future/index.js";
import { Runtime, type TaskMetrics } from "../../src/runtime/index.js";
import { type JoinHandle, spawn, yieldNow } from "../../src/task/index.js";
import { sleep } from "../../src/time/index.js";

type Op =
  | { kind: "yield" }
  | { kind: "sleep"; ms: number }
  | { kind: "spawn"; ops: Op[] }
  | { kind: "abortLast" };

const opArb: fc.Arbitrary<Op> = fc.letrec<{ op: Op }>((tie) => ({
  op: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant<Op>({ kind: "yield" }),
    fc.integer({ min: 0, max: 2 }).map<Op>((ms) => ({ kind: "sleep", ms })),
    fc.constant<Op>({ kind: "abortLast" }),
    fc.array(tie("op"), { maxLength: 4 }).map<Op>((ops) => ({ kind: "spawn", ops })),
  ),
})).op;

/** A task that runs its ops; its children's completions wake it (join), sleeps and yields too. */
const program = asyncFn(function* (ops: Op[]): Generator<Suspend, void> {
  const children: JoinHandle<void>[] = [];
  for (const op of ops) {
    if (op.kind === "yield") yield* yieldNow();
    else if (op.kind === "sleep") yield* sleep(op.ms);
    else if (op.kind === "spawn") children.push(spawn(program(op.ops)));
    else children.at(-1)?.abort();
  }
  for (const c of children) {
    try {
      yield* c;
    } catch {
      // aborted by an abortLast: expected
    }
  }
});

function sums(rows: TaskMetrics[]) {
  let polls = 0;
  let wakes = 0;
  let selfWakes = 0;
  for (const r of rows) {
    polls += r.totalPollCount;
    wakes += r.wakes;
    selfWakes += r.selfWakes;
  }
  return { polls, wakes, selfWakes };
}

describe("full instrumentation under random programs", () => {
  it("counts every poll and wake exactly, whatever the sampling", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { maxLength: 8 }),
        fc.constantFrom(1, 2, 8, 32, 1024),
        async (ops, pollSampling) => {
          const rt = new Runtime({ instrument: true, pollSampling, clock: "paused", onOrphans: false });
          await rt.run(function* () {
            yield* spawn(program(ops), { name: "root" });
          });
          await rt.shutdown();
          const rows = rt.taskMetrics();
          const m = rt.metrics();
          expect(rows.length).toBe(m.tasksSpawned); // under 1,000: every task is still in the table
          expect(rows.every((r) => r.state === "done")).toBe(true);
          const s = sums(rows);
          expect(s.polls).toBe(m.polls);
          expect(s.selfWakes).toBe(m.selfWakes);
          expect(s.wakes).toBe(m.wakesInside + m.wakesOutside + m.selfWakes);
          for (const r of rows) {
            expect(r.totalFastPollCount + r.totalSlowPollCount).toBe(r.totalPollCount);
            expect(r.measuredPollCount).toBeLessThanOrEqual(r.totalPollCount);
            expect(r.pollDurations.counts.reduce((a, b) => a + b, 0)).toBe(r.measuredPollCount);
            expect(r.totalPollDurationMs).toBeGreaterThanOrEqual(0);
          }
          expect(rt.lints().filter((l) => l.kind !== "slow-poll")).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("a bounded shutdown that abandons tasks leaves them done in the table", async () => {
    const rt = new Runtime({ instrument: true, onOrphans: false });
    const stubborn = asyncFn(function* (): Generator<Suspend, void> {
      try {
        yield* pending();
      } finally {
        yield* sleep(60_000); // cleanup that never ends: the shutdown gives up on it
      }
    });
    const spawned: number[] = [];
    await rt.run(function* () {
      for (let i = 0; i < 5; i++) spawned.push(rt.spawn(stubborn(), { name: `stubborn-${i}` }).id);
      yield* sleep(1);
    });
    const report = await rt.shutdown({ timeout: 5 });
    expect(report.timedOut).toBe(true);
    const rows = rt.taskMetrics().filter((r) => spawned.includes(r.id));
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.state === "done" && r.totalPollCount >= 1)).toBe(true);
    expect(rt.lints()).toEqual([]);
  });
});
