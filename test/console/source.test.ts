// The console's source: full instrumentation passes through; a runtime without it (instrument
// "polls": blocking detection only, or false) still gives rows, and slow-poll lints when it
// measures polls.
import { afterEach, describe, expect, it } from "vitest";
import { sourceOf } from "../../src/console/source.js";
import { Runtime } from "../../src/runtime/index.js";
import { CancellationToken } from "../../src/task/index.js";
import { sleep } from "../../src/time/index.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A runtime whose main waits until the test ends. */
function started(options: ConstructorParameters<typeof Runtime>[0]): Runtime {
  const rt = new Runtime({ onOrphans: false, onSlowPoll: () => {}, ...options });
  const stop = new CancellationToken();
  const running = rt.run(function* () {
    yield* stop.cancelled();
  });
  cleanups.push(async () => {
    stop.cancel();
    await running;
    await rt.shutdown();
  });
  return rt;
}

function* blocker() {
  const end = performance.now() + 30;
  while (performance.now() < end) {
    // one slow poll
  }
  yield* sleep(100_000);
}

const settle = () => new Promise((r) => setTimeout(r, 50));

describe("sourceOf", () => {
  it("passes full instrumentation through", async () => {
    const rt = started({ instrument: true, slowPollMs: 10 });
    const source = sourceOf(rt);
    expect(source.mode).toBe("full");
    const h = rt.spawn(blocker(), { name: "blocker" });
    await settle();
    const row = source.tasks().find((t) => t.id === h.id)!;
    expect(row.name).toBe("blocker");
    expect(row.totalPollCount).toBe(1);
    expect(row.pollDurations?.count).toBe(1);
    expect(source.lints().some((l) => l.kind === "slow-poll" && l.taskIds.includes(h.id))).toBe(true);
    h.abort();
  });

  it("derives rows and slow-poll lints on a runtime with blocking detection only", async () => {
    const rt = started({ instrument: "polls", slowPollMs: 10 });
    const source = sourceOf(rt);
    expect(source.mode).toBe("derived");
    const h = rt.spawn(blocker(), { name: "blocker" });
    await settle();
    const row = source.tasks().find((t) => t.id === h.id)!;
    expect(row).toMatchObject({ name: "blocker", state: "idle" });
    expect(row.awaits).toMatch(/sleep/);
    expect(row.totalPollCount).toBeUndefined();
    const lint = source.lints().find((l) => l.taskIds.includes(h.id));
    expect(lint).toMatchObject({ kind: "slow-poll", severity: "warning" });
    expect(lint!.site).toMatch(/source\.test\.ts/);
    expect(source.dump()).toMatch(new RegExp(`task #${h.id} "blocker" awaits sleep`));
    // close() gives the runtime its reporter back.
    source.close();
    const again = rt.spawn(blocker(), { name: "again" });
    await settle();
    expect(source.lints().some((l) => l.taskIds.includes(again.id))).toBe(false);
    h.abort();
    again.abort();
  });

  it("says so when the runtime measures nothing", () => {
    const source = sourceOf(started({ instrument: false }));
    expect(source.mode).toBe("off");
    expect(source.lints()).toEqual([]);
    expect(source.tasks().map((t) => t.id)).toEqual([1]);
  });
});
