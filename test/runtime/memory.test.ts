import { afterEach, describe, expect, it } from "vitest";
import { asyncFn, fromPromise, join, pending } from "../../src/future/index.js";
import { Runtime, type SiteMemory } from "../../src/runtime/index.js";
import { sleep } from "../../src/time/index.js";

const MB = 1 << 20;

/** The line of the caller in this file, read from a stack trace (as the spawn site is). */
function lineHere(): number {
  const frame = new Error().stack!.split("\n")[2]!;
  return Number(/memory\.test\.ts:(\d+):\d+/.exec(frame)![1]);
}

/** A task that holds a 1 MB buffer across an await: the "big future". */
function* holdBuffer() {
  const buffer = new ArrayBuffer(MB);
  yield* pending<void>();
  return buffer.byteLength;
}

/** A task that holds nothing of its own across an await. */
function* idle() {
  yield* pending<void>();
}

/** Two tasks of this function share one buffer: it belongs to neither. */
function* holdShared(shared: ArrayBuffer) {
  yield* pending<void>();
  return shared.byteLength;
}

let runtimes: Runtime[] = [];

function runtime(instrument = true): Runtime {
  const rt = new Runtime({ instrument, onOrphans: false });
  runtimes.push(rt);
  return rt;
}

afterEach(async () => {
  for (const rt of runtimes) await rt.shutdown();
  runtimes = [];
});

/** Until every live task has had its first poll (and so allocated what it holds). */
async function settled(rt: Runtime): Promise<void> {
  while (rt.metrics().polls < rt.metrics().tasksSpawned) await new Promise((r) => setImmediate(r));
}

function siteOf(sites: SiteMemory[], fn: string): SiteMemory {
  const found = sites.find((s) => s.function === fn);
  expect(found, `a site for ${fn} in ${JSON.stringify(sites)}`).toBeDefined();
  return found!;
}

describe("runtime.memory()", () => {
  it("reports tasks holding a 1 MB buffer at ≥ 1 MB each, under their spawn site, above small tasks", async () => {
    const rt = runtime();
    let bigLine = 0;
    for (let i = 0; i < 3; i++) [bigLine] = [lineHere(), rt.spawn(holdBuffer(), { name: `big${i}` })];
    let smallLine = 0;
    for (let i = 0; i < 5; i++) [smallLine] = [lineHere(), rt.spawn(idle(), { name: `small${i}` })];
    await settled(rt);

    const report = await rt.memory();

    expect(report.tasks).toBe(8);
    expect(report.sites.map((s) => [s.function, s.tasks])).toEqual([
      ["holdBuffer", 3],
      ["idle", 5],
    ]);
    const [big, small] = report.sites as [SiteMemory, SiteMemory];
    expect(big.site).toMatch(new RegExp(`memory\\.test\\.ts:${bigLine}:\\d+$`));
    expect(small.site).toMatch(new RegExp(`memory\\.test\\.ts:${smallLine}:\\d+$`));
    // Each task retains its own buffer and no other's: the sum is 3 MB plus small change (the
    // tasks are chained in the runtime's live list, which must not credit one with the next).
    expect(big.bytes).toBeGreaterThanOrEqual(3 * MB);
    expect(big.bytes).toBeLessThan(3 * MB + 3 * 16_384);
    expect(big.bytesPerTask).toBeGreaterThanOrEqual(MB);
    expect(big.largestTask.bytes).toBeGreaterThanOrEqual(MB);
    expect(big.largestTask.name).toMatch(/^big\d$/);
    expect(small.bytesPerTask).toBeGreaterThan(0);
    expect(small.bytesPerTask).toBeLessThan(16_384);
    expect(report.taskBytes).toBe(big.bytes + small.bytes);
    expect(report.heapBytes).toBeGreaterThan(report.taskBytes);
  });

  it("keeps two task functions spawned from one line apart", async () => {
    const rt = runtime();
    let line = 0;
    for (const body of [holdBuffer, idle, idle]) [line] = [lineHere(), rt.spawn<unknown>(body())];
    await settled(rt);
    const { sites } = await rt.memory();
    expect(sites.map((s) => [s.function, s.tasks])).toEqual([
      ["holdBuffer", 1],
      ["idle", 2],
    ]);
    for (const s of sites) expect(s.site).toMatch(new RegExp(`memory\\.test\\.ts:${line}:\\d+$`));
  });

  it("counts a 100,000-element array kept across an await", async () => {
    const rt = runtime();
    function* holdArray() {
      const values = new Array<number>(100_000).fill(0.5);
      yield* pending<void>();
      return values.length;
    }
    rt.spawn(holdArray());
    rt.spawn(holdArray());
    await settled(rt);
    const report = await rt.memory();
    const site = siteOf(report.sites, "holdArray");
    expect(site.tasks).toBe(2);
    // 8 bytes per double, unboxed.
    expect(site.bytesPerTask).toBeGreaterThanOrEqual(800_000);
  });

  it("counts an object shared by two tasks under neither", async () => {
    const rt = runtime();
    const shared = new ArrayBuffer(MB);
    rt.spawn(holdShared(shared));
    rt.spawn(holdShared(shared));
    await settled(rt);
    const site = siteOf((await rt.memory()).sites, "holdShared");
    expect(site.tasks).toBe(2);
    expect(site.bytes).toBeLessThan(MB);
  });

  it("counts a child task's memory under the child, not the parent awaiting its JoinHandle", async () => {
    const rt = runtime();
    function* parent() {
      const child = rt.spawn(holdBuffer());
      yield* child;
    }
    rt.spawn(parent());
    await settled(rt);
    const report = await rt.memory();
    expect(siteOf(report.sites, "holdBuffer").bytes).toBeGreaterThanOrEqual(MB);
    expect(siteOf(report.sites, "parent").bytes).toBeLessThan(MB);
    expect(report.sites[0]!.function).toBe("holdBuffer");
  });

  it("counts the futures of a join under the task, though the timer wheel holds their wakers", async () => {
    const rt = runtime();
    const part = asyncFn(function* part() {
      const buffer = new ArrayBuffer(MB);
      yield* sleep(1e9);
      return buffer.byteLength;
    });
    function* joined() {
      yield* join(part(), part());
    }
    rt.spawn(joined());
    await settled(rt);
    const site = siteOf((await rt.memory()).sites, "joined");
    expect(site.bytes).toBeGreaterThanOrEqual(2 * MB);
    expect(site.bytes).toBeLessThan(2 * MB + 16_384);
  });

  it("gives an empty list for a runtime with no live tasks", async () => {
    const rt = runtime();
    const report = await rt.memory();
    expect(report.sites).toEqual([]);
    expect(report.tasks).toBe(0);
    expect(report.taskBytes).toBe(0);
    expect(report.heapBytes).toBeGreaterThan(0);
  });

  it("without instrument, groups by task function (no spawn site)", async () => {
    const rt = runtime(false);
    rt.spawn(holdBuffer());
    rt.spawn(holdBuffer());
    rt.spawn(idle());
    await settled(rt);
    const report = await rt.memory();
    expect(report.sites.map((s) => [s.site, s.function, s.tasks])).toEqual([
      [undefined, "holdBuffer", 2],
      [undefined, "idle", 1],
    ]);
    expect(report.sites[0]!.definedAt).toMatch(/memory\.test\.ts:\d+:\d+$/);
    expect(report.sites[0]!.bytes).toBeGreaterThanOrEqual(2 * MB);
  });

  it("names a root future's class when the task is not an async fn", async () => {
    const rt = runtime(false);
    rt.spawn(pending<void>());
    await settled(rt);
    const report = await rt.memory();
    expect(report.sites.map((s) => [s.function, s.tasks])).toEqual([["Pending", 1]]);
  });

  it("can be awaited from inside a task: the snapshot waits until the poll is over", async () => {
    const rt = runtime();
    rt.spawn(holdBuffer());
    const report = await rt.run(function* measure() {
      return yield* fromPromise(() => rt.memory());
    });
    expect(report.tasks).toBe(2);
    expect(siteOf(report.sites, "holdBuffer").bytes).toBeGreaterThanOrEqual(MB);
    expect(siteOf(report.sites, "measure").tasks).toBe(1);
  });

  it("serializes overlapping calls", async () => {
    const rt = runtime();
    rt.spawn(holdBuffer());
    await settled(rt);
    const [a, b] = await Promise.all([rt.memory(), rt.memory()]);
    expect(a.tasks).toBe(1);
    expect(b.tasks).toBe(1);
    expect(b.sites[0]!.bytes).toBeGreaterThanOrEqual(MB);
  });
});
