import { describe, expect, it } from "vitest";
import { fromPromise, pending } from "../../src/future/index.js";
import { DeadlockError, run } from "../../src/runtime/index.js";
import { spawn, yieldNow } from "../../src/task/index.js";
import { Trigger } from "../helpers.js";

describe("DeadlockError", () => {
  it("names each waiting task and what it awaits", async () => {
    const log: string[] = [];
    const err = await run(function* () {
      const consumer = spawn(
        function* () {
          try {
            yield* new Trigger<number>();
          } finally {
            log.push("consumer cleaned up");
          }
        },
        { name: "consumer" },
      );
      yield* consumer;
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlockError);
    const d = err as DeadlockError;
    expect(d.tasks.map((t) => [t.label, t.awaits])).toEqual([
      ['#1 "main"', 'JoinHandle(task #2 "consumer")'],
      ['#2 "consumer"', "Trigger"],
    ]);
    expect(d.message).toMatch(/task #2 "consumer" awaits Trigger/);
    // Every task was cancelled, so its finally ran, before run() rejected.
    expect(log).toEqual(["consumer cleaned up"]);
  });

  it("with thousands of stuck tasks: a message naming the first 20, every task in .tasks", async () => {
    const err = await run(function* () {
      const handles = [];
      for (let i = 0; i < 3_000; i++) handles.push(spawn(new Trigger<number>(), { name: `stuck${i}` }));
      for (const h of handles) yield* h;
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlockError);
    const d = err as DeadlockError;
    expect(d.tasks).toHaveLength(3_001);
    expect(d.message).toMatch(/… and 2981 more \(all of them in DeadlockError\.tasks\)/);
    expect(d.message.length).toBeLessThan(5_000);
    // Past 2,000 live tasks no dump is taken: the report comes at once.
    expect(d.dump).toBeUndefined();
  });

  it("is not declared while a pending promise can still wake a task", async () => {
    const out = await run(function* () {
      return yield* fromPromise(() => new Promise<string>((r) => setTimeout(() => r("late"), 20)));
    });
    expect(out).toBe("late");
  });

  it("is not declared while a Node handle created during run() can still wake a task", async () => {
    const t = new Trigger<string>();
    const out = await run(function* () {
      setTimeout(() => t.fire("woken by a foreign timer"), 30);
      return yield* t;
    });
    expect(out).toBe("woken by a foreign timer");
  });

  it("is declared once the foreign handle is gone without waking anyone", async () => {
    const err = await run(function* () {
      setTimeout(() => {}, 5);
      yield* pending();
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlockError);
  });

  it("a task that only yields is never a deadlock", async () => {
    await run(function* () {
      for (let i = 0; i < 1000; i++) yield* yieldNow();
    });
  });
});
