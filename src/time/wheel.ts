/**
 * The hierarchical timing wheel: where pending timers wait for their deadline.
 *
 * Time is counted in whole milliseconds ("ticks"). `elapsed` is the tick the wheel has processed
 * up to. There are 6 levels of 64 slots; a slot of level L spans 64^L ms, so level 0 holds the
 * next 64 ms one slot per millisecond, level 1 the next 4 s in 64 ms slots, ... level 5 about
 * 2.18 years in 12.4-day slots:
 *
 *   level 0 |1 ms|1 ms|...   64 ms
 *   level 1 |64 ms|...       4.1 s
 *   level 2 |4.1 s|...       4.4 min
 *   level 3                  4.7 h
 *   level 4                  12.4 days
 *   level 5                  2.18 years
 *
 * A timer goes to the level of the highest 6-bit digit (base 64) in which its deadline differs
 * from `elapsed`, and to the slot given by that digit of the deadline. So a timer due within the
 * current 64 ms block sits in level 0 at its exact millisecond; one due next minute sits in a
 * coarser slot. When time reaches the start of a coarse slot, its timers "cascade": each is
 * re-inserted relative to the new `elapsed`, landing in a finer level, until it reaches level 0 and
 * fires. A timer cascades at most 5 times in its life, usually 0 or 1 times.
 *
 * Costs: insert and remove are O(1) (a doubly-linked list per slot, threaded through the timer
 * objects themselves, so registering a timer allocates nothing). Finding the next deadline is O(1)
 * too: each level keeps a 64-bit occupancy bitmap (two 32-bit words), and the first occupied slot
 * at or after the current one is a mask and a count-leading-zeros. Node's own timers
 * (lib/internal/timers.js) keep one list per distinct duration plus a priority queue of lists;
 * with many distinct durations that queue, and one Node `Timeout` object per timer, dominate.
 *
 * Invariants that make this work: every timer in the wheel has `tick > elapsed`; in level L > 0 a
 * timer's slot is after the slot `elapsed` is in (the wheel processes a slot when `elapsed` reaches
 * its start, before moving past it). The lowest non-empty level therefore always holds the next
 * expiration. The top level is a ring: a deadline up to 2^36 ms ahead may wrap around to a slot
 * before the current one, meaning "next lap". Processing a slot early is harmless: a timer is fired
 * only if its own tick has been reached, otherwise it is re-inserted.
 */
import type { TimerEntry } from "./entry.js";

const LEVELS = 6;
const SLOTS = 64;
/** `TimerEntry.slot` of a timer that is not in the wheel (never registered, or removed). */
export const UNREGISTERED = -1;
/** `TimerEntry.slot` of a timer whose deadline was reached. */
export const FIRED = -2;

/** Milliseconds spanned by one slot of each level: 64^L; and its inverse (exact: powers of two). */
const SLOT_SPAN = [1, 64, 4096, 262_144, 16_777_216, 1_073_741_824];
const INV_SLOT_SPAN = SLOT_SPAN.map((s) => 1 / s);
/** Level for the index of the highest differing bit (bits 0..29 handled here; 30..35 are level 5). */
const LEVEL_OF_BIT = new Uint8Array(32);
for (let b = 0; b < 32; b++) LEVEL_OF_BIT[b] = Math.min(LEVELS - 1, Math.floor(b / 6));

const TWO_30 = 1_073_741_824;
const INV_2_30 = 1 / TWO_30;
/** The wheel's span: 64^6 − 1 ms ahead of `elapsed`. */
const SPAN = 2 ** 36 - 1;

/** Index of the lowest set bit of a non-zero 32-bit integer. */
function ctz(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Level of a timer due at `tick` while the wheel is at `elapsed` (tick > elapsed). */
function levelFor(elapsed: number, tick: number): number {
  // Ticks exceed 32 bits after 49 days of uptime, so compare the high part (2^30 and up) apart.
  // (Multiplying by a power of two is exact, and cheaper than dividing.)
  if (Math.floor(elapsed * INV_2_30) !== Math.floor(tick * INV_2_30)) return LEVELS - 1;
  // `|` and `^` use the low 32 bits; masking to 30 bits keeps only the part not compared above.
  const low = ((elapsed ^ tick) & (TWO_30 - 1)) | (SLOTS - 1);
  return LEVEL_OF_BIT[31 - Math.clz32(low)]!;
}

/** The timing wheel. Owned by a `TimeDriver`; entries are `TimerEntry` objects (Sleep, Timeout). */
export class Wheel {
  /** The tick processed up to: every timer in the wheel is due after it. */
  elapsed: number;
  /** Timers in the wheel. */
  size = 0;
  /**
   * First and last timer of each slot (index level * 64 + slot). Built element by element so V8
   * keeps them "packed" (an array made by `new Array(n)` stays "holey", slower to index).
   */
  private readonly heads: (TimerEntry<unknown> | null)[] = emptySlots();
  private readonly tails: (TimerEntry<unknown> | null)[] = emptySlots();
  /** Occupancy bitmaps: words 2L (slots 0-31) and 2L+1 (slots 32-63) of level L. */
  private readonly occupied = new Int32Array(LEVELS * 2);
  /** Slot index of the last `nextExpiration()` result (an out-parameter, to avoid allocating). */
  private expIndex = -1;

  constructor(
    elapsed: number,
    /** Told what a waker threw while its timer fired; the wheel carries on with the next timer. */
    private readonly onWakerError: (error: unknown) => void = rethrowLater,
  ) {
    this.elapsed = elapsed;
  }

  /** Add a timer. Requires `entry.tick > elapsed` and that the entry is not in the wheel. */
  insert(entry: TimerEntry<unknown>): void {
    this.link(entry);
    this.size++;
  }

  /** Take a timer out before its deadline. Requires that it is in the wheel. */
  remove(entry: TimerEntry<unknown>): void {
    this.unlink(entry, entry.slot);
    entry.slot = UNREGISTERED;
    this.size--;
  }

  /**
   * The tick at which the wheel must next be processed, or Infinity when it is empty. For a timer
   * in level 0 that is its deadline; for a coarser one, the start of its slot (where it cascades).
   */
  nextExpiration(): number {
    if (this.size === 0) return Number.POSITIVE_INFINITY;
    const occ = this.occupied;
    const elapsed = this.elapsed;
    for (let level = 0; level < LEVELS; level++) {
      const lo = occ[2 * level]!;
      const hi = occ[2 * level + 1]!;
      if (lo === 0 && hi === 0) continue;
      const span = SLOT_SPAN[level]!;
      const levelSpan = span * SLOTS;
      const levelStart = elapsed - (elapsed % levelSpan);
      // The slot `elapsed` is in never holds a timer (see the invariants above): search after it.
      const now = (elapsed * INV_SLOT_SPAN[level]!) & (SLOTS - 1);
      let slot = now === SLOTS - 1 ? -1 : firstFrom(lo, hi, now + 1);
      let start = levelStart;
      if (slot < 0) {
        // Only in the top level: a deadline in the next lap of the ring.
        slot = firstFrom(lo, hi, 0);
        start += levelSpan;
      }
      this.expIndex = level * SLOTS + slot;
      const at = start + slot * span;
      return at > elapsed ? at : elapsed;
    }
    return Number.POSITIVE_INFINITY;
  }

  /**
   * Process every slot due at or before tick `now` (an integer), in deadline order: timers whose
   * deadline is reached fire (their waker is woken), the others cascade to finer levels. Returns
   * the number of timers fired. Wakers run synchronously; a waker that cancels other timers is fine.
   */
  advance(now: number): number {
    let fired = 0;
    while (this.size > 0) {
      const at = this.nextExpiration();
      if (at > now) break;
      this.elapsed = at;
      fired += this.processSlot(this.expIndex);
    }
    if (now > this.elapsed) this.elapsed = now;
    return fired;
  }

  private processSlot(index: number): number {
    const heads = this.heads;
    const elapsed = this.elapsed;
    let fired = 0;
    // Take timers one at a time from the head, so a waker that removes a timer of this same
    // slot (a select dropping its other branch) finds the list consistent.
    for (let entry = heads[index]!; entry !== null; entry = heads[index]!) {
      this.unlink(entry, index);
      if (entry.tick <= elapsed) {
        entry.slot = FIRED;
        this.size--;
        fired++;
        const waker = entry.waker;
        if (waker !== null) {
          entry.waker = null;
          // A waker is user code when a hand-written future registered a timer: what it throws
          // must not skip the rest of the slot (other tasks' timers) or leave the wheel inconsistent.
          try {
            waker.wake();
          } catch (error) {
            this.onWakerError(error);
          }
        }
      } else {
        this.link(entry);
      }
    }
    return fired;
  }

  /** Append to the slot its tick belongs to (FIFO: equal deadlines fire in registration order). */
  private link(entry: TimerEntry<unknown>): void {
    const elapsed = this.elapsed;
    // Deadlines are clamped to the wheel's span from the clock, but the wheel may lag the clock a
    // little: a timer beyond the span is placed at the span's end and re-placed from there, so a
    // slot never receives back a timer it is processing.
    const tick = entry.tick - elapsed > SPAN ? elapsed + SPAN : entry.tick;
    const level = levelFor(elapsed, tick);
    // `&` takes the low 32 bits of the (positive) quotient: its low 6 bits are the slot.
    const slot = (tick * INV_SLOT_SPAN[level]!) & (SLOTS - 1);
    const index = level * SLOTS + slot;
    entry.slot = index;
    entry.nextTimer = null;
    const tail = this.tails[index]!;
    entry.prevTimer = tail;
    if (tail === null) {
      this.heads[index] = entry;
      this.occupied[2 * level + (slot >> 5)]! |= 1 << (slot & 31);
    } else {
      tail.nextTimer = entry;
    }
    this.tails[index] = entry;
  }

  private unlink(entry: TimerEntry<unknown>, index: number): void {
    const prev = entry.prevTimer;
    const next = entry.nextTimer;
    if (prev === null) this.heads[index] = next;
    else prev.nextTimer = next;
    if (next === null) this.tails[index] = prev;
    else next.prevTimer = prev;
    entry.prevTimer = null;
    entry.nextTimer = null;
    if (this.heads[index] === null) {
      const level = index >> 6;
      const slot = index & (SLOTS - 1);
      this.occupied[2 * level + (slot >> 5)]! &= ~(1 << (slot & 31));
    }
  }
}

/** Default `onWakerError`: surface the error as an uncaught exception, after the wheel is consistent. */
function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

function emptySlots(): (TimerEntry<unknown> | null)[] {
  const a: (TimerEntry<unknown> | null)[] = [];
  for (let i = 0; i < LEVELS * SLOTS; i++) a.push(null);
  return a;
}

/** First set bit at index >= `from` in the 64-bit map (lo: bits 0-31, hi: 32-63), or -1. */
function firstFrom(lo: number, hi: number, from: number): number {
  if (from < 32) {
    const m = lo & (-1 << from);
    if (m !== 0) return ctz(m);
    return hi !== 0 ? 32 + ctz(hi) : -1;
  }
  const m = hi & (-1 << (from - 32));
  return m !== 0 ? 32 + ctz(m) : -1;
}
