/**
 * `throttle(ms)`: at most one item per period (tokio-stream's `Throttle`). After an item, the
 * wrapped stream is not polled until the period has passed, so a fast producer is slowed down
 * (backpressure) rather than having its items dropped. One timer, reused for every item.
 */
import { describeFuture } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { currentDriver } from "../time/driver.js";
import { checkDuration } from "../time/duration.js";
import { Sleep } from "../time/sleep.js";
import { StreamBase } from "./base.js";
import { END, type End, type Stream } from "./poll-next.js";
import { adapters } from "./registry.js";

class ThrottleStream<T> extends StreamBase<T> {
  private timer: Sleep | null = null;
  /** The tick before which the next item may not be taken; -1: no wait. */
  private deadline = -1;

  constructor(
    private readonly up: Stream<T>,
    private readonly ms: number,
  ) {
    super();
  }

  pollNext(cx: Context): Poll<T | End> {
    const deadline = this.deadline;
    if (deadline >= 0) {
      const t = this.timer!;
      if (t.tick !== deadline) t.moveTo(deadline);
      if (t.poll(cx) === PENDING) return PENDING;
      this.deadline = -1;
    }
    const item = this.up.pollNext(cx);
    if (item === PENDING) return PENDING;
    if (item === END) {
      this.timer?.cancel();
      return END;
    }
    if (this.ms > 0) {
      let t = this.timer;
      if (t === null) {
        const driver = currentDriver("stream.throttle(ms)");
        t = this.timer = new Sleep(driver, driver.deadlineIn(this.ms));
      }
      this.deadline = t.driver.deadlineIn(this.ms);
    }
    return item;
  }

  override cancel(): void {
    this.timer?.cancel();
    this.up.cancel?.();
  }

  override describe(): string {
    return `${describeFuture(this.up)}.throttle(${this.ms} ms)`;
  }
}

adapters.throttle = (up, ms) => new ThrottleStream(up, checkDuration(ms, "stream.throttle(ms)"));
