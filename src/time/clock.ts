/**
 * Paused-clock control: `advance(ms)`.
 *
 * A runtime made with `clock: "paused"` already advances time by itself whenever no task can run
 * (see `driver.ts`): a test awaiting a one-hour timeout finishes at once. `advance` is for tests
 * that need to stop time at a chosen point and look around ("after 5 ms nothing has fired yet").
 * It does not jump: it moves the clock through every deadline up to the target in order, letting
 * the tasks each timer wakes run before moving on, exactly as if that time had really passed.
 */
import { FutureBase } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { currentDriver, type TimeDriver } from "./driver.js";
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
 * just waits for the runtime to be idle. Other tasks never see time jump past a deadline.
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
        '{ clock: "paused" }: run(main, { clock: "paused" }) or new Runtime({ clock: "paused" }).',
    );
  }
  return new Advance(driver, checkDuration(ms, "advance()"));
}
