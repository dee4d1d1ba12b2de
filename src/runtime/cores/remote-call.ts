/**
 * `RemoteCall`: the calling side of a task that runs on a worker runtime, and the root future of
 * the local task whose `JoinHandle` `spawnOn` returns.
 *
 * While the remote task runs, the call counts as a wake source of the local runtime (so a task
 * waiting on it is never reported as a deadlock), and the port callback that delivers the reply
 * wakes the local task directly. Its output is the remote task's: the value, or the rebuilt error
 * thrown.
 *
 * An abort must reach the remote task and wait for its cleanup: a plain `cancel()` is
 * synchronous, so the local handle would report "cancelled" while the remote `finally` still ran.
 * The call implements the async cancellation of the Future contract instead (`pollCancel`): it
 * sends the abort once and stays pending until the remote task has ended, so the handle reports
 * cancelled only once the remote cleanup, async parts included, is done. A root future rather
 * than a generator: no generator object and frame per remote task.
 */
import { type AmbientRuntime, current } from "../../future/current.js";
import { FutureBase } from "../../future/future.js";
import { type Context, PENDING, type Poll, type Waker } from "../../future/poll.js";

/** Call states. */
export const RUNNING = 0;
export const DONE_OK = 1;
export const DONE_ERR = 2;
export const DONE_CANCELLED = 3;

/** What a call needs of the thread it was sent to. */
export interface CallSink {
  abort(call: RemoteCall): void;
  /** `worker runtime 1`, for messages. */
  readonly label: string;
}

/** One task (or one metrics request) in flight on another runtime. */
export class RemoteCall extends FutureBase<unknown> {
  state = RUNNING;
  value: unknown = undefined;
  /** The transfer list sent with the call, kept to re-send it alone if its batch fails to clone. */
  transfer: readonly unknown[] | undefined = undefined;
  /** The call carries a task placed on a runtime (it counts in that runtime's published load). */
  placed = false;
  private abortSent = false;
  private waker: Waker | null = null;
  private rt: AmbientRuntime | null = null;

  constructor(
    readonly id: number,
    readonly sink: CallSink,
    readonly label: string,
  ) {
    super();
  }

  /** The reply arrived (or the worker died): record it and wake the awaiting task. */
  settle(state: number, value: unknown): void {
    if (this.state !== RUNNING) return;
    this.state = state;
    this.value = value;
    const waker = this.waker;
    if (waker === null) return;
    const rt = this.release();
    if (rt !== null) rt.wakeGuarded(waker);
    else waker.wake();
  }

  /** The remote task's output, or what it threw. */
  poll(cx: Context): Poll<unknown> {
    const state = this.state;
    if (state === RUNNING) {
      this.park(cx);
      return PENDING;
    }
    if (state === DONE_OK) return this.value;
    if (state === DONE_ERR) throw this.value;
    throw new Error(
      `${this.label}: the task was cancelled on ${this.sink.label} (its runtime is shutting down), ` +
        "not by this handle, so it has no result.",
    );
  }

  /** Abort the remote task; done once it has ended there (its `finally` blocks have run). */
  pollCancel(cx: Context): boolean {
    if (this.state !== RUNNING) {
      if (this.waker !== null) this.release();
      return true;
    }
    if (!this.abortSent) {
      this.abortSent = true;
      this.sink.abort(this);
    }
    this.park(cx);
    return false;
  }

  private park(cx: Context): void {
    if (this.waker === null) {
      const rt = current.runtime;
      this.rt = rt;
      if (rt !== null) rt.sources++;
    }
    this.waker = cx.waker;
  }

  private release(): AmbientRuntime | null {
    this.waker = null;
    const rt = this.rt;
    this.rt = null;
    if (rt !== null) rt.sources--;
    return rt;
  }

  /** Dropped without waiting (a synchronous owner): abort, and do not wait for the cleanup. */
  override cancel(): void {
    if (this.waker !== null) this.release();
    if (this.state === RUNNING && !this.abortSent) {
      this.abortSent = true;
      this.sink.abort(this);
    }
  }

  override describe(): string {
    return `${this.label} (running on ${this.sink.label})`;
  }
}
