/**
 * chunks-timeout: the batching writer's pipeline. 1,000,000 numbers flow from a source through
 * "batch by size (100) or time (5 ms after a batch's first item)" into a sink that sums each batch.
 *
 * Contenders:
 * - native: the source is an async generator; the batcher is an async generator written the way
 *   one writes it with async iterators: while a batch is open, each `next()` races a timer promise
 *   made once per batch (`Promise.race`), and `for await` drains the batches;
 * - pollux: `fromIterable(source()).chunksTimeout(100, 5)` drained with `next()`; the adapter arms
 *   its timer only when the source would make it wait, which this busy source never does.
 */
import { type Async, run } from "pollux";
import { END, fromIterable } from "pollux/stream";
import { sumBelow, timed } from "../lib/timed.js";
import type { Workload } from "../workload.js";

const ITEMS = 1_000_000;
const MAX = 100;
const MS = 5;
const EXPECTED = sumBelow(ITEMS);

function* source(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

// --- native ---

async function* nativeSource(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
}

const TIMEOUT = Symbol("timeout");

async function* nativeChunksTimeout<T>(src: AsyncIterable<T>, max: number, ms: number): AsyncGenerator<T[]> {
  const it = src[Symbol.asyncIterator]();
  let buf: T[] = [];
  let timer: Promise<typeof TIMEOUT> | null = null;
  let clear: NodeJS.Timeout | undefined;
  let pending: Promise<IteratorResult<T>> | null = null;
  for (;;) {
    pending ??= it.next();
    const r = timer === null ? await pending : await Promise.race([pending, timer]);
    if (r === TIMEOUT) {
      timer = null;
      const out = buf;
      buf = [];
      yield out;
      continue;
    }
    pending = null;
    if (r.done === true) {
      clearTimeout(clear);
      if (buf.length > 0) yield buf;
      return;
    }
    if (buf.length === 0) {
      timer = new Promise((resolve) => {
        clear = setTimeout(resolve, ms, TIMEOUT);
      });
    }
    buf.push(r.value);
    if (buf.length === max) {
      clearTimeout(clear);
      timer = null;
      const out = buf;
      buf = [];
      yield out;
    }
  }
}

async function nativeMain(): Promise<number> {
  let sum = 0;
  for await (const batch of nativeChunksTimeout(nativeSource(ITEMS), MAX, MS)) {
    for (let i = 0; i < batch.length; i++) sum += batch[i]!;
  }
  return sum;
}

// --- pollux ---

function* polluxMain(): Async<number> {
  const batches = fromIterable(source(ITEMS)).chunksTimeout(MAX, MS);
  let sum = 0;
  for (let batch = yield* batches.next(); batch !== END; batch = yield* batches.next()) {
    for (let i = 0; i < batch.length; i++) sum += batch[i]!;
  }
  return sum;
}

export default {
  name: "chunks-timeout",
  description: "1,000,000 items batched by size (100) or time (5 ms), each batch summed",
  target: "≤ 1.0× native",
  samples: 5,
  contenders: {
    native: () => timed(nativeMain, EXPECTED),
    pollux: () => timed(() => run(polluxMain()), EXPECTED),
  },
} satisfies Workload;
