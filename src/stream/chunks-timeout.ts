/**
 * `chunksTimeout(max, ms)`: batches of up to `max` items, each yielded when full or `ms` after its
 * first item arrived (tokio-stream's `ChunksTimeout`).
 *
 * How: the first item of a batch reads the clock once to fix the batch's deadline. The timer is
 * moved to that deadline only when the wrapped stream returns PENDING with a partial batch in
 * hand, i.e. only when the adapter would otherwise wait; batches that fill at once (a busy
 * producer) never touch the timer wheel. A batch that fills takes its timer out of the wheel so
 * that it does not wake the task for nothing.
 */
import { describeFuture } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { currentDriver, type TimeDriver } from "../time/driver.js";
import { checkDuration } from "../time/duration.js";
import { Sleep } from "../time/sleep.js";
import { StreamBase } from "./base.js";
import { END, type End, type Stream } from "./poll-next.js";
import { adapters } from "./registry.js";

class ChunksTimeoutStream<T> extends StreamBase<T[]> {
  private buf: T[] = [];
  private ended = false;
  private driver: TimeDriver | null = null;
  private timer: Sleep | null = null;
  /** Deadline of the batch in `buf` (a tick of the runtime clock). */
  private deadline = 0;

  constructor(
    private readonly up: Stream<T>,
    private readonly max: number,
    private readonly ms: number,
  ) {
    super();
  }

  pollNext(cx: Context): Poll<T[] | End> {
    if (this.ended) return this.flush();
    const up = this.up;
    const max = this.max;
    let buf = this.buf;
    for (;;) {
      const item = up.pollNext(cx);
      if (item === PENDING) break;
      if (item === END) {
        this.ended = true;
        this.timer?.cancel();
        return this.flush();
      }
      if (buf.length === 0) {
        let d = this.driver;
        if (d === null) d = this.driver = currentDriver("chunksTimeout(max, ms)");
        this.deadline = d.deadlineIn(this.ms);
      }
      buf.push(item);
      if (buf.length === max) {
        this.buf = [];
        const t = this.timer;
        if (t !== null && t.slot >= 0) t.cancel();
        return buf;
      }
    }
    buf = this.buf;
    if (buf.length === 0) return PENDING;
    let t = this.timer;
    if (t === null) t = this.timer = new Sleep(this.driver!, this.deadline);
    else if (t.tick !== this.deadline) t.moveTo(this.deadline);
    if (t.poll(cx) === PENDING) return PENDING;
    this.buf = [];
    return buf;
  }

  private flush(): T[] | End {
    const buf = this.buf;
    if (buf.length === 0) return END;
    this.buf = [];
    return buf;
  }

  override cancel(): void {
    this.ended = true;
    this.buf = [];
    this.timer?.cancel();
    this.up.cancel?.();
  }

  override describe(): string {
    return `${describeFuture(this.up)}.chunksTimeout(${this.max}, ${this.ms} ms; ${this.buf.length} waiting)`;
  }
}

adapters.chunksTimeout = (up, max, ms) =>
  new ChunksTimeoutStream(up, max, checkDuration(ms, "chunksTimeout(max, ms): ms"));
