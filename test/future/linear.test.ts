// Combinators over many children cost O(woken children) per poll, O(n) in total: once the task's
// coop budget is spent they stop walking their ready list instead of visiting every woken child
// (each of which would fail its own budget check and queue itself again: O(n²) overall).
import { describe, expect, it } from "vitest";
import {
  type Context,
  END,
  type End,
  type Future,
  joinAll,
  PENDING,
  type Poll,
  type Suspend,
  tryJoinAll,
} from "../../src/future/index.js";
import { Runtime } from "../../src/runtime/index.js";
import { FuturesUnordered, fromIterable, merge, StreamBase } from "../../src/stream/index.js";
import { mpsc } from "../../src/sync/index.js";
import { sleep } from "../../src/time/index.js";

const N = 20_000;

/** Deadlines of 1 and 2 ms: thousands of children woken by one timer tick. */
function delays(): number[] {
  return Array.from({ length: N }, (_, i) => 1 + (i % 2));
}

async function budgetYieldsOf(main: () => Generator<Suspend, unknown, unknown>): Promise<number> {
  const rt = new Runtime({ clock: "paused" });
  await rt.run(main);
  const { budgetYields } = rt.metrics();
  await rt.shutdown();
  return budgetYields;
}

// Quadratic behaviour made ~N²/256 (1.5 million here) budget yields; linear makes a few per poll.
const LINEAR_BOUND = 2 * N;

describe("combinators stay linear when the coop budget runs out", () => {
  it("joinAll of many sleeps", async () => {
    const n = await budgetYieldsOf(function* () {
      yield* joinAll(delays().map((d) => sleep(d)));
    });
    expect(n).toBeLessThan(LINEAR_BOUND);
  });

  it("tryJoinAll of many sleeps", async () => {
    const n = await budgetYieldsOf(function* () {
      yield* tryJoinAll(delays().map((d) => sleep(d)));
    });
    expect(n).toBeLessThan(LINEAR_BOUND);
  });

  it("FuturesUnordered of many sleeps", async () => {
    let done = 0;
    const n = await budgetYieldsOf(function* () {
      const set = new FuturesUnordered<void>();
      for (const d of delays()) set.push(sleep(d));
      while (set.size > 0) {
        yield* set.next();
        done++;
      }
    });
    expect(done).toBe(N);
    expect(n).toBeLessThan(LINEAR_BOUND);
  });

  it("merge of many streams woken by timers, and bufferUnordered of many sleeps", async () => {
    let merged = 0;
    let unordered = 0;
    const n = await budgetYieldsOf(function* () {
      const streams = delays()
        .slice(0, 5_000)
        .map((d) =>
          fromIterable([sleep(d)])
            .buffered(1)
            .map(() => 1),
        );
      const all = merge(...streams);
      while ((yield* all.next()) !== END) merged++;
      const each = fromIterable(delays().map((d) => sleep(d)))
        .bufferUnordered(N)
        .map(() => 1);
      while ((yield* each.next()) !== END) unordered++;
    });
    expect([merged, unordered]).toEqual([5_000, N]);
    expect(n).toBeLessThan(LINEAR_BOUND);
  });

  it("forEachConcurrent over many sleeps, and chunksTimeout/zip/flatten over a budget-spending source", async () => {
    let handled = 0;
    let batched = 0;
    const n = await budgetYieldsOf(function* () {
      yield* fromIterable(delays()).forEachConcurrent(N, (d) => sleep(d));
      handled = N;
      const [tx, rx] = mpsc.unbounded<number>();
      for (let i = 0; i < N; i++) tx.send(i);
      tx.close();
      const fromChannel = new ChannelStream(rx);
      const pairs = fromChannel
        .zip(fromIterable(delays()))
        .map(([i]) => fromIterable([i]))
        .flatten();
      const batches = pairs.chunksTimeout(64, 5);
      for (let b = yield* batches.next(); b !== END; b = yield* batches.next()) batched += b.length;
    });
    expect([handled, batched]).toEqual([N, N]);
    expect(n).toBeGreaterThan(0); // the budget did run out
    expect(n).toBeLessThan(LINEAR_BOUND);
  });
});

/** A stream over an mpsc receiver: each item spends coop budget, like every channel read. */
class ChannelStream extends StreamBase<number> {
  private pending: Future<number | End> | null = null;
  constructor(private readonly rx: mpsc.UnboundedReceiver<number>) {
    super();
  }
  pollNext(cx: Context): Poll<number | End> {
    const f = this.pending ?? this.rx.recv();
    const out = f.poll(cx);
    this.pending = out === PENDING ? f : null;
    return out;
  }
}
