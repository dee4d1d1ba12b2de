import { describe, expect, it } from "vitest";
import { COLUMNS, RowTable } from "../../src/console/rows.js";
import type { TaskSample } from "../../src/console/source.js";

const col = (name: (typeof COLUMNS)[number]) => COLUMNS.indexOf(name);
const task = (id: number, awaits: string, extra: Partial<TaskSample> = {}): TaskSample => ({
  id,
  name: `t${id}`,
  state: "idle",
  awaits,
  ...extra,
});

describe("RowTable", () => {
  it("returns new and changed rows, and the ids that went away", () => {
    const t = new RowTable();
    expect(t.update([task(1, "a"), task(2, "b")]).changed).toHaveLength(2);
    const { changed, gone } = t.update([task(1, "a"), task(3, "c", { totalPollCount: 4 })]);
    expect(changed.map((r) => r[col("id")])).toEqual([3]);
    expect(changed[0]![col("polls")]).toBe(4);
    expect(gone).toEqual([2]);
    expect(
      t.update([task(1, "a", { totalPollCount: 1 }), task(3, "c", { totalPollCount: 4 })]).changed,
    ).toHaveLength(1);
  });

  it("leaves the countdown out of a timer's description, so a sleeping task's row does not change every update", () => {
    const t = new RowTable();
    const [first] = t.update([task(1, "sleep (due in 900 ms)")]).changed;
    expect(first![col("awaits")]).toBe("sleep");
    expect(t.update([task(1, "sleep (due in 401 ms)")]).changed).toEqual([]);
    const [timeout] = t.update([task(1, "timeout (due in 20 ms) of Receiver.recv()")]).changed;
    expect(timeout![col("awaits")]).toBe("timeout of Receiver.recv()");
  });

  it("does not resend an idle task whose idle time alone grew, but gives a new page the fresh value", () => {
    const t = new RowTable();
    t.update([task(1, "x", { totalPollCount: 3, totalIdleDurationMs: 10 })]);
    expect(t.update([task(1, "x", { totalPollCount: 3, totalIdleDurationMs: 510 })]).changed).toEqual([]);
    expect(t.all()[0]![col("idleMs")]).toBe(510);
    // Polled meanwhile: sent again.
    expect(t.update([task(1, "x", { totalPollCount: 4, totalIdleDurationMs: 700 })]).changed).toHaveLength(1);
    // Not idle: every change is sent.
    const busy = { state: "scheduled", totalPollCount: 4 } as const;
    t.update([task(1, "x", { ...busy, totalIdleDurationMs: 700 })]);
    expect(t.update([task(1, "x", { ...busy, totalIdleDurationMs: 800 })]).changed).toHaveLength(1);
  });

  it("interns spawn sites, announcing each new one once", () => {
    const t = new RowTable();
    t.update([task(1, "", { spawnSite: "/app/a.ts:1:1" }), task(2, "", { spawnSite: "/app/a.ts:1:1" })]);
    expect(t.newSites).toEqual([[1, "/app/a.ts:1:1"]]);
    t.update([task(3, "", { spawnSite: "/app/a.ts:1:1" })]);
    expect(t.newSites).toEqual([]);
    expect(t.sites).toEqual(["", "/app/a.ts:1:1"]);
  });
});
