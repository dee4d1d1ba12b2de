/**
 * Shared tools of the adversarial suite: ledgers that prove cleanup ran exactly once, misbehaving
 * leaf futures, a seeded PRNG, and checks of a runtime's registrations after it settled.
 */
import { expect } from "vitest";
import { type Context, FutureBase, PENDING, type Poll, type Waker } from "../../src/future/index.js";
import type { Runtime } from "../../src/runtime/index.js";

/**
 * Counts resources handed out with `using` and proves each is disposed exactly once. A second
 * dispose of the same resource is recorded as an error (never thrown: a throw inside a dispose
 * would change the control flow under test).
 */
export class DisposeLedger {
  created = 0;
  disposed = 0;
  readonly errors: string[] = [];
  private readonly live = new Set<number>();

  acquire(label = "resource"): Disposable {
    const id = this.created++;
    this.live.add(id);
    return {
      [Symbol.dispose]: () => {
        if (!this.live.delete(id)) this.errors.push(`${label} #${id} disposed twice`);
        else this.disposed++;
      },
    };
  }

  get outstanding(): number {
    return this.live.size;
  }

  /** Every resource handed out was disposed exactly once. */
  expectBalanced(): void {
    expect(this.errors).toEqual([]);
    expect(this.outstanding).toBe(0);
    expect(this.disposed).toBe(this.created);
  }
}

/**
 * Accounts for `try`/`finally` blocks. `enter()` at the top of the `try`; `normalExit(id)` as the
 * last statement of the `try` (and in a `catch` that handles the error); `finallyStart(id)` as the
 * first statement of the `finally` and `finallyEnd(id)` as its last.
 *
 * The documented rule (docs/guide.md, "Cancellation"): a `finally` entered because of a
 * cancellation (the `try` neither finished nor threw) runs to completion, awaits included; a
 * `finally` entered normally may be cut at its next await by a cancellation. So: every entered
 * `try` starts its `finally` exactly once; a `finally` entered by cancellation always ends; none
 * ends twice.
 */
export class FinallyLedger {
  private next = 0;
  private readonly normal = new Set<number>();
  private readonly started = new Set<number>();
  private readonly ended = new Set<number>();
  readonly errors: string[] = [];

  enter(): number {
    return this.next++;
  }
  normalExit(id: number): void {
    this.normal.add(id);
  }
  finallyStart(id: number): void {
    if (this.started.has(id)) this.errors.push(`finally #${id} started twice`);
    this.started.add(id);
  }
  finallyEnd(id: number): void {
    if (!this.started.has(id)) this.errors.push(`finally #${id} ended without starting`);
    if (this.ended.has(id)) this.errors.push(`finally #${id} ended twice`);
    this.ended.add(id);
  }

  get entered(): number {
    return this.next;
  }
  get cancelledEntries(): number {
    return this.next - this.normal.size;
  }

  expectSound(): void {
    const missing: string[] = [];
    for (let id = 0; id < this.next; id++) {
      if (!this.started.has(id)) missing.push(`finally #${id} never started`);
      else if (!this.normal.has(id) && !this.ended.has(id))
        missing.push(`finally #${id}, entered by a cancellation, was cut before its end`);
    }
    expect([...this.errors, ...missing]).toEqual([]);
  }
}

/** Mulberry32: a tiny seeded PRNG, for reproducible `Math.random` in tests. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** After `shutdown()`: no task alive, no registration left behind. */
export function expectQuiet(rt: Runtime): void {
  const m = rt.metrics();
  expect({
    tasksAlive: m.tasksAlive,
    pendingSources: m.pendingSources,
    timersPending: m.timersPending,
    queueDepth: m.queueDepth,
  }).toEqual({ tasksAlive: 0, pendingSources: 0, timersPending: 0, queueDepth: 0 });
  expect(m.tasksCompleted + m.tasksCancelled + m.tasksFailed).toBe(m.tasksSpawned);
}

/** Returns PENDING and forgets the waker: a lost wake-up, the classic leaf-future bug. */
export class LostWaker extends FutureBase<never> {
  polls = 0;
  cancelled = 0;
  poll(): Poll<never> {
    this.polls++;
    return PENDING;
  }
  override cancel(): void {
    this.cancelled++;
  }
  override describe(): string {
    return "LostWaker (returns PENDING, never stores the waker)";
  }
}

/** Keeps the last waker it was polled with, and lets the test call it at any later time. */
export class WakerThief extends FutureBase<string> {
  waker: Waker | null = null;
  done = false;
  poll(cx: Context): Poll<string> {
    this.waker = cx.waker;
    return this.done ? "done" : PENDING;
  }
  finish(): void {
    this.done = true;
    this.waker?.wake();
  }
}

/** Resolve after `n` macrotask turns of Node's event loop. */
export async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}
