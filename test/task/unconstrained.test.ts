import { describe, expect, it } from "vitest";
import { END, pending } from "../../src/future/index.js";
import { Runtime } from "../../src/runtime/index.js";
import { mpsc } from "../../src/sync/index.js";
import { spawn, unconstrained, yieldNow } from "../../src/task/index.js";
import { AlwaysReady } from "../helpers.js";

/** Receives `n` ready messages; records how many ticks another task made meanwhile. */
function* consume(rx: mpsc.UnboundedReceiver<number>, n: number, ticks: { n: number }) {
  const start = ticks.n;
  for (let i = 0; i < n; i++) {
    const m = yield* rx.recv();
    if (m === END) throw new Error("closed");
  }
  return ticks.n - start;
}

function* ticker(ticks: { n: number }) {
  for (;;) {
    ticks.n++;
    yield* yieldNow();
  }
}

async function measure(wrap: boolean) {
  const rt = new Runtime({ onOrphans: false });
  const out = await rt.run(function* () {
    const [tx, rx] = mpsc.unbounded<number>();
    for (let i = 0; i < 1_000; i++) tx.send(i);
    const ticks = { n: 0 };
    spawn(ticker(ticks));
    yield* yieldNow(); // the ticker is running
    const before = rt.metrics().budgetYields;
    const interleaved = wrap
      ? yield* unconstrained(consume(rx, 1_000, ticks))
      : yield* consume(rx, 1_000, ticks);
    return { interleaved, budgetYields: rt.metrics().budgetYields - before };
  });
  await rt.shutdown();
  return out;
}

describe("unconstrained", () => {
  it("a normal task yields every 128 ready receives: another task runs in between", async () => {
    const normal = await measure(false);
    expect(normal.budgetYields).toBeGreaterThanOrEqual(7); // 1000 / 128
    expect(normal.interleaved).toBeGreaterThanOrEqual(7);
  });

  it("inside unconstrained the same loop never yields: nothing else runs until it is done", async () => {
    const free = await measure(true);
    expect(free.budgetYields).toBe(0);
    expect(free.interleaved).toBe(0);
  });

  it("the rest of the task keeps its own budget: it is restored after the wrapper", async () => {
    const rt = new Runtime({ budget: 4 });
    const yields = await rt.run(function* () {
      yield* unconstrained(
        (function* () {
          for (let i = 0; i < 100; i++) yield* new AlwaysReady();
        })(),
      );
      const before = rt.metrics().budgetYields;
      for (let i = 0; i < 10; i++) yield* new AlwaysReady();
      return rt.metrics().budgetYields - before;
    });
    expect(yields).toBeGreaterThanOrEqual(2); // 10 units with a budget of 4
    await rt.shutdown();
  });

  it("yieldNow() inside still yields, and cancelling the wrapper cancels the inner future", async () => {
    const log: string[] = [];
    const rt = new Runtime();
    await rt.run(function* () {
      const h = spawn(
        unconstrained(
          (function* () {
            try {
              yield* yieldNow();
              log.push("resumed after yieldNow");
              yield* pending();
            } finally {
              yield* yieldNow(); // async cleanup through the wrapper
              log.push("cleaned");
            }
          })(),
        ),
      );
      for (let i = 0; i < 3; i++) yield* yieldNow();
      h.abort();
      try {
        yield* h;
      } catch {}
    });
    expect(log).toEqual(["resumed after yieldNow", "cleaned"]);
    await rt.shutdown();
  });

  it("describes itself in deadlock reports", async () => {
    const rt = new Runtime({ onOrphans: false });
    const err = await rt.run(unconstrained(pending())).catch((e: unknown) => e);
    expect(String(err)).toMatch(/unconstrained\(pending/);
    await rt.shutdown();
  });
});
