/**
 * Per-item time limit on a stream (tokio-stream's `Timeout`).
 *
 * How: each item reads the clock once to note when the limit for the next item ends; the timer is
 * only moved to that deadline when the stream is about to wait, so a stream whose items are ready
 * at once never touches the timer wheel. After throwing `Elapsed` the limit is off until the next
 * item arrives, as in Tokio, so an idle stream reports once instead of once per period.
 */
import { describeFuture } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { currentDriver, type TimeDriver } from "../time/driver.js";
import { checkDuration } from "../time/duration.js";
import { Sleep } from "../time/sleep.js";
import { Elapsed } from "../time/timeout.js";
import { StreamBase } from "./base.js";
import { END, type End, type Stream } from "./poll-next.js";
import { adapters } from "./registry.js";

class TimeoutStream<T> extends StreamBase<T> {
  private driver: TimeDriver | null = null;
  private timer: Sleep | null = null;
  /** The tick by which the next item must arrive; -1: set it at the next wait. */
  private deadline = -1;
  /** False after an `Elapsed`, until the next item. */
  private limited = true;

  constructor(
    private readonly up: Stream<T>,
    private readonly ms: number,
  ) {
    super();
  }

  pollNext(cx: Context): Poll<T | End> {
    const item = this.up.pollNext(cx);
    if (item !== PENDING) {
      if (item === END) {
        this.timer?.cancel();
        return END;
      }
      this.limited = true;
      this.deadline = this.clock().deadlineIn(this.ms);
      return item;
    }
    if (!this.limited) return PENDING;
    const driver = this.clock();
    if (this.deadline < 0) this.deadline = driver.deadlineIn(this.ms);
    let t = this.timer;
    if (t === null) t = this.timer = new Sleep(driver, this.deadline);
    else if (t.tick !== this.deadline) t.moveTo(this.deadline);
    if (t.poll(cx) === PENDING) return PENDING;
    this.limited = false;
    this.deadline = -1;
    throw new Elapsed(this.ms, t.deadline);
  }

  private clock(): TimeDriver {
    let d = this.driver;
    if (d === null) d = this.driver = currentDriver("stream.timeout(ms)");
    return d;
  }

  override cancel(): void {
    this.timer?.cancel();
    this.up.cancel?.();
  }

  override describe(): string {
    return `${describeFuture(this.up)}.timeout(${this.ms} ms)`;
  }
}

adapters.timeout = (up, ms) => new TimeoutStream(up, checkDuration(ms, "stream.timeout(ms)"));
