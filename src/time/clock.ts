/**
 * Paused-clock control: `advance(ms)`, `pause()`, `resume()`.
 *
 * A runtime made with `clock: "paused"` (or whose clock was stopped with `pause()`) advances time
 * by itself whenever no task can run (see `driver.ts`): a test awaiting a one-hour timeout
 * finishes at once. `advance` is for tests that need to stop time at a chosen point and look
 * around ("after 5 ms nothing has fired yet").
 *
 * `advance` differs from Tokio's on purpose. Tokio's jumps the clock to the target in one step
 * and returns without waiting: every timer due by then completes "at the same time", in any
 * order, and has not run yet when `advance` returns. pollux's moves the clock through every
 * deadline up to the target in order and lets the tasks each timer wakes run before moving on, as
 * if that time had really passed. Why: a woken task reads `Instant.now()` equal to its own
 * deadline (not the target), timers fire in deadline order on every run, and when `advance`
 * returns everything due has run, so a test can assert right after it without extra yields.
 * Tokio's behaviour is the special case of no timer between now and the target.
 */
import { outsideRuntime } from "../future/current.js";
import { FutureBase } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { currentRuntime } from "../runtime/runtime.js";
import { currentDriver, driverOf, type TimeDriver } from "./driver.js";
import { checkDuration } from "./duration.js";

const INIT = 0;
const WAITING = 1;
const DONE = 2;

/**
 * The future returned by {@link advance}: completes once the paused clock has moved and the
 * runtime is idle at the new time. Cost: one small object.
 *
 * @example
 * yield* advance(1_000);
 */
export class Advance extends FutureBase<void> {
  private state = INIT;

  /** @internal use {@link advance}. */
  constructor(
    private readonly driver: TimeDriver,
    private readonly ms: number,
  ) {
    super();
  }

  poll(cx: Context): Poll<void> {
    if (this.state === INIT) {
      this.driver.startAdvance(this, this.ms, cx.waker);
      this.state = WAITING;
      return PENDING;
    }
    if (this.state === WAITING && this.driver.advancing(this, cx.waker)) return PENDING;
    this.state = DONE;
    return undefined;
  }

  override cancel(): void {
    if (this.state === WAITING) this.driver.cancelAdvance(this);
    this.state = DONE;
  }

  override describe(): string {
    return `advance(${this.ms} ms) of the paused clock`;
  }
}

/**
 * Move a paused clock forward by `ms` milliseconds and wait until every timer due by then has
 * fired and the tasks it woke have run (until the runtime is idle at the new time). `advance(0)`
 * just waits for the runtime to be idle. Other tasks never see time jump past a deadline: unlike
 * Tokio's `advance`, which jumps in one step and does not wait (see the file header for why).
 *
 * Only on a runtime created with `clock: "paused"`; throws otherwise, and outside a runtime.
 * One `advance` at a time per runtime.
 *
 * Cost: one small object; the runtime turns Node's event loop once per deadline passed.
 *
 * @example
 * await run(function* () {
 *   const fired: number[] = [];
 *   spawn(function* () { yield* sleep(10); fired.push(10); });
 *   yield* advance(5);
 *   assert.deepEqual(fired, []);      // not yet
 *   yield* advance(5);
 *   assert.deepEqual(fired, [10]);    // exactly at 10 ms
 * }, { clock: "paused" });
 */
export function advance(ms: number): Advance {
  const driver = currentDriver("advance()");
  if (!driver.paused) {
    throw new Error(
      "advance() moves a paused clock, but this runtime uses the real clock. Create it with " +
        '{ clock: "paused" }: run(main, { clock: "paused" }) or new Runtime({ clock: "paused" }), or call pause() first.',
    );
  }
  return new Advance(driver, checkDuration(ms, "advance()"));
}

/**
 * Stop the current runtime's clock where it is (Tokio's `time::pause`): from now on it behaves as
 * a runtime created with `clock: "paused"`: time moves only when no task can run (to the next
 * deadline) or by {@link advance}. Use it in a test that starts with real time (a server coming
 * up) and then wants instant, deterministic timeouts. Throws if the clock is already paused, and
 * outside a runtime.
 *
 * Cost: O(1); the runtime's Node timer is released.
 *
 * @example
 * await run(function* () {
 *   yield* startServer();   // real time
 *   pause();
 *   yield* sleep(60_000);   // returns at once, the clock reads 60 s later
 * });
 */
export function pause(): void {
  const rt = currentRuntime();
  if (rt === null) throw outsideRuntime("pause()");
  driverOf(rt).pause();
}

/**
 * Let a paused clock run with real time again (Tokio's `time::resume`), continuing from where it
 * stands: time advanced while paused is kept, so `Instant.now()` never goes backwards. Works on a
 * runtime created with `clock: "paused"` too. Throws if the clock is not paused, during an
 * {@link advance}, and outside a runtime.
 *
 * Cost: O(1); re-arms the runtime's Node timer if timers are pending.
 *
 * @example
 * pause();
 * yield* advance(5_000);
 * resume(); // real time again, 5 s ahead of the real clock
 */
export function resume(): void {
  const rt = currentRuntime();
  if (rt === null) throw outsideRuntime("resume()");
  driverOf(rt).resume();
}
