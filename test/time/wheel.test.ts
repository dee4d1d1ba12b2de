// The timing wheel on its own: deadline order across levels, cascading, O(1) removal, and a
// model-based property test against a plain sorted list.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PENDING, type Poll } from "../../src/future/poll.js";
import type { TimeDriver } from "../../src/time/driver.js";
import { TimerEntry } from "../../src/time/entry.js";
import { FIRED, UNREGISTERED, Wheel } from "../../src/time/wheel.js";

class Entry extends TimerEntry<void> {
  constructor(
    tick: number,
    readonly log: Entry[],
  ) {
    super(null as unknown as TimeDriver, tick);
    this.waker = { wake: () => log.push(this) };
  }
  poll(): Poll<void> {
    return PENDING;
  }
}

function add(wheel: Wheel, log: Entry[], tick: number): Entry {
  const e = new Entry(tick, log);
  wheel.insert(e);
  return e;
}

describe("timing wheel", () => {
  it("fires timers of every level in deadline order, each exactly at its tick", () => {
    const start = 1_000_003; // not aligned to any slot boundary
    const wheel = new Wheel(start);
    const log: Entry[] = [];
    const delays = [5 * 3_600_000, 65, 1, 5_000, 63, 64, 4_096, 300_000, 20 * 86_400_000, 400 * 86_400_000];
    for (const d of delays) add(wheel, log, start + d);
    expect(wheel.size).toBe(delays.length);
    const firedAt: number[] = [];
    // Step the wheel from expiration to expiration, as the paused clock does.
    while (wheel.size > 0) {
      const next = wheel.nextExpiration();
      const before = log.length;
      wheel.advance(next);
      for (let i = before; i < log.length; i++) firedAt.push(next - start);
    }
    const sorted = [...delays].sort((a, b) => a - b);
    expect(log.map((e) => e.tick - start)).toEqual(sorted);
    expect(firedAt).toEqual(sorted);
    for (const e of log) expect(e.slot).toBe(FIRED);
  });

  it("fires everything due in one advance, in order, and keeps later timers", () => {
    const wheel = new Wheel(0);
    const log: Entry[] = [];
    for (const t of [70, 10, 5000, 10, 64, 3]) add(wheel, log, t);
    expect(wheel.advance(100)).toBe(5);
    expect(log.map((e) => e.tick)).toEqual([3, 10, 10, 64, 70]);
    expect(wheel.size).toBe(1);
    expect(wheel.elapsed).toBe(100);
    expect(wheel.advance(4_999)).toBe(0);
    expect(wheel.advance(5_000)).toBe(1);
  });

  it("fires timers with the same deadline in registration order", () => {
    const wheel = new Wheel(0);
    const log: Entry[] = [];
    const a = add(wheel, log, 42);
    const b = add(wheel, log, 42);
    const c = add(wheel, log, 42);
    wheel.advance(42);
    // (Compare identities: futures are iterable, so deep equality would try to iterate them.)
    expect(log.map((e) => [a, b, c].indexOf(e))).toEqual([0, 1, 2]);
  });

  it("removes a timer from anywhere in its slot, clearing the slot when it empties", () => {
    const wheel = new Wheel(0);
    const log: Entry[] = [];
    const es = [add(wheel, log, 7), add(wheel, log, 7), add(wheel, log, 7), add(wheel, log, 9)];
    wheel.remove(es[1]!);
    wheel.remove(es[0]!);
    expect(es[0]!.slot).toBe(UNREGISTERED);
    expect(wheel.nextExpiration()).toBe(7);
    wheel.remove(es[2]!);
    expect(wheel.nextExpiration()).toBe(9);
    wheel.remove(es[3]!);
    expect(wheel.size).toBe(0);
    expect(wheel.nextExpiration()).toBe(Number.POSITIVE_INFINITY);
    wheel.advance(100);
    expect(log.length).toBe(0);
  });

  it("handles clock values beyond 32 bits and deadlines that wrap the top level", () => {
    const start = 2 ** 36 - 5; // just before a top-level lap boundary
    const wheel = new Wheel(start);
    const log: Entry[] = [];
    add(wheel, log, start + 2 ** 36 - 1); // next lap, same top-level slot
    add(wheel, log, start + 10); // crosses the lap boundary
    add(wheel, log, 2 ** 40 + 3); // beyond 32 bits
    let steps = 0;
    while (wheel.size > 0 && steps++ < 100) wheel.advance(wheel.nextExpiration());
    expect(wheel.size).toBe(0);
    expect(log.map((e) => e.tick)).toEqual([start + 10, start + 2 ** 36 - 1, 2 ** 40 + 3]);
  });

  it("matches a sorted-list model under random inserts, removals and advances", () => {
    // Models the driver: the clock runs ahead of the wheel (`clock` >= elapsed) and timers are
    // registered relative to the clock, as sleeps are.
    const op = fc.oneof(
      fc.record({ kind: fc.constant("insert" as const), delay: fc.integer({ min: 1, max: 2 ** 36 - 1 }) }),
      fc.record({ kind: fc.constant("insertNear" as const), delay: fc.integer({ min: 1, max: 200 }) }),
      fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant("clock" as const), by: fc.integer({ min: 0, max: 100_000 }) }),
      fc.record({ kind: fc.constant("advance" as const) }),
      fc.record({ kind: fc.constant("toNext" as const) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.array(op, { maxLength: 200 }), (start, ops) => {
        const wheel = new Wheel(start);
        const log: Entry[] = [];
        const live: Entry[] = []; // in registration order
        let clock = start;
        const advanceTo = (t: number) => {
          const before = log.length;
          wheel.advance(t);
          const fired = log.slice(before);
          // Exactly the due timers fire, none early, by deadline then registration order.
          const due = live.filter((e) => e.tick <= t).sort((a, b) => a.tick - b.tick);
          expect(fired.map((e) => live.indexOf(e))).toEqual(due.map((e) => live.indexOf(e)));
          for (const e of fired) live.splice(live.indexOf(e), 1);
        };
        for (const o of ops) {
          if (o.kind === "insert" || o.kind === "insertNear") {
            live.push(add(wheel, log, clock + o.delay));
          } else if (o.kind === "remove") {
            if (live.length === 0) continue;
            const [e] = live.splice(o.pick % live.length, 1);
            wheel.remove(e!);
          } else if (o.kind === "clock") {
            clock += o.by;
          } else if (o.kind === "advance") {
            advanceTo(clock);
          } else if (wheel.size > 0) {
            const next = wheel.nextExpiration();
            // The next expiration is never after the earliest deadline.
            expect(next).toBeLessThanOrEqual(Math.min(...live.map((e) => e.tick)));
            expect(next).toBeGreaterThanOrEqual(wheel.elapsed);
            if (next > clock) clock = next;
            advanceTo(clock);
          }
          expect(wheel.size).toBe(live.length);
        }
        // Drain: everything left fires, in order.
        let guard = 0;
        while (wheel.size > 0 && guard++ < 1_000) {
          clock = Math.max(clock, wheel.nextExpiration());
          advanceTo(clock);
        }
        expect(live.length).toBe(0);
      }),
      { numRuns: 500 },
    );
  });
});
