/**
 * Fixed-memory latency histograms, HdrHistogram-style: log-linear buckets over microseconds.
 *
 * Values below 16 µs get one bucket per microsecond; above, every power of two is split into four
 * buckets, so a bucket's width is at most 25% of its lower bound (the relative error of a
 * percentile read from it). 104 buckets cover 0 µs to ~67 s; longer values land in the last one.
 * Recording is a `Math.clz32`, a shift and an increment: no allocation, no branch on the value's size
 * beyond the small-value case.
 */

/** Linear buckets below this many microseconds. */
const LINEAR = 16;
/** Sub-buckets per power of two above `LINEAR`. */
const SUB_BITS = 2;
/** Powers of two covered above LINEAR: 2^4 µs .. 2^26 µs (~67 s). */
const OCTAVES = 22;
export const BUCKETS = LINEAR + (OCTAVES << SUB_BITS);

/** The bucket of a duration in microseconds (a non-negative number, fractions dropped). */
export function bucketOf(us: number): number {
  const v = us >= 0x3fffffff ? 0x3fffffff : us | 0;
  if (v < LINEAR) return v < 0 ? 0 : v;
  const octave = 31 - Math.clz32(v); // ≥ 4
  const sub = (v >>> (octave - SUB_BITS)) & ((1 << SUB_BITS) - 1);
  const b = LINEAR + ((octave - 4) << SUB_BITS) + sub;
  return b < BUCKETS ? b : BUCKETS - 1;
}

/** The lower bound of bucket `b`, in microseconds. */
export function bucketLowerUs(b: number): number {
  if (b < LINEAR) return b;
  const i = b - LINEAR;
  const octave = (i >>> SUB_BITS) + 4;
  const sub = i & ((1 << SUB_BITS) - 1);
  return (1 << octave) + sub * (1 << (octave - SUB_BITS));
}

/** A histogram as plain data (JSON-safe), from `runtime.metrics()` and `runtime.taskMetrics()`. */
export interface HistogramSnapshot {
  /** Number of values recorded. */
  readonly count: number;
  /** Lower bound of each bucket, in microseconds (ascending; the last bucket is open-ended). */
  readonly lowerBoundsUs: readonly number[];
  /** Values per bucket, parallel to `lowerBoundsUs`. */
  readonly counts: readonly number[];
}

/** Recording side of a histogram. One per runtime per measure. */
export class Histogram {
  readonly counts = new Float64Array(BUCKETS);
  count = 0;

  recordUs(us: number): void {
    this.counts[bucketOf(us)]!++;
    this.count++;
  }

  snapshot(): HistogramSnapshot {
    return snapshotOf(this.counts, this.count);
  }
}

let lowerBounds: number[] | null = null;

/** Every bucket's lower bound, computed once. */
export function lowerBoundsUs(): readonly number[] {
  if (lowerBounds === null) lowerBounds = Array.from({ length: BUCKETS }, (_, b) => bucketLowerUs(b));
  return lowerBounds;
}

/** A snapshot of bucket counts, with the shared lower bounds. */
export function snapshotOf(counts: ArrayLike<number>, count: number): HistogramSnapshot {
  return { count, lowerBoundsUs: lowerBoundsUs(), counts: Array.from(counts) };
}

/**
 * The value at quantile `q` (0..1) of a snapshot, in microseconds: the lower bound of the bucket
 * holding it (so a percentile is never over-stated). `undefined` for an empty histogram.
 */
export function quantileUs(h: HistogramSnapshot, q: number): number | undefined {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be between 0 and 1; got ${q}.`);
  if (h.count === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * h.count));
  let seen = 0;
  for (let b = 0; b < h.counts.length; b++) {
    seen += h.counts[b]!;
    if (seen >= rank) return h.lowerBoundsUs[b]!;
  }
  return h.lowerBoundsUs[h.lowerBoundsUs.length - 1]!;
}
