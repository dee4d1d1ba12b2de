/**
 * The unbounded-growth lint's registry: collections that can grow without limit (an unbounded
 * channel's queue, a `JoinSet`, a `FuturesUnordered`), sampled over time by `runtime.lints()`.
 *
 * Collections are registered only while a fully instrumented runtime (`instrument: true`) exists:
 * otherwise creating one costs a single module-variable check. A registered collection is held
 * weakly (registration never keeps it alive) with where it was created (one stack capture each).
 * The registry is process-wide: a channel is not tied to one runtime.
 */

/** A collection that grew in every one of this many consecutive samples is reported. */
const RISES = 4;
/** ... when it also holds at least this many items. */
export const GROWTH_MIN_SIZE = 1000;
/**
 * Samples closer together than `sampleEveryMs` are skipped: a window is about a second. @internal
 * tests shorten it.
 */
export const growthSampling = { sampleEveryMs: 900 };

interface Watched {
  readonly ref: WeakRef<object>;
  readonly kind: string;
  readonly site: Error;
  readonly sizeOf: (collection: never) => number;
  /** The last RISES + 1 sizes, oldest first. */
  readonly samples: number[];
}

let enabled = 0;
let watched: Watched[] = [];
let lastSample = -Infinity;

/** A fully instrumented runtime started (+1) or closed (-1). */
export function enableGrowthWatch(delta: 1 | -1): void {
  enabled += delta;
  if (enabled === 0) watched = [];
}

/** True while collections should register (one variable read on collection creation). */
export function growthWatched(): boolean {
  return enabled > 0;
}

/** Register `collection`, whose size `sizeOf` reads without side effects. */
export function watchGrowth<C extends object>(
  collection: C,
  kind: string,
  sizeOf: (collection: C) => number,
): void {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 8;
  const site = new Error("created here");
  Error.stackTraceLimit = limit;
  watched.push({
    ref: new WeakRef(collection),
    kind,
    site,
    sizeOf: sizeOf as (c: never) => number,
    samples: [],
  });
}

/** A collection that kept growing across samples. */
export interface GrowthFinding {
  readonly kind: string;
  readonly site: Error;
  /** Sizes at the samples, oldest first. */
  readonly sizes: readonly number[];
}

/**
 * Take a sample of every registered collection (at most one per ~second; collected ones are
 * dropped) and return those that grew at each of the last samples and hold many items.
 */
export function sampleGrowth(now: number): GrowthFinding[] {
  if (now - lastSample >= growthSampling.sampleEveryMs) {
    lastSample = now;
    const kept: Watched[] = [];
    for (const w of watched) {
      const c = w.ref.deref();
      if (c === undefined) continue;
      w.samples.push(w.sizeOf(c as never));
      if (w.samples.length > RISES + 1) w.samples.shift();
      kept.push(w);
    }
    watched = kept;
  }
  const out: GrowthFinding[] = [];
  for (const w of watched) {
    const s = w.samples;
    if (s.length < RISES + 1 || s[s.length - 1]! < GROWTH_MIN_SIZE) continue;
    let rising = true;
    for (let i = 1; i < s.length; i++) if (s[i]! <= s[i - 1]!) rising = false;
    if (rising) out.push({ kind: w.kind, site: w.site, sizes: [...s] });
  }
  return out;
}
