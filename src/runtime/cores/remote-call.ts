import { FutureBase } from "../../future/future.js";
import { type Context, PENDING, type Poll } from "../../future/poll.js";
import { Parked } from "../../task/parked.js";

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
  /** The awaiting task, counted as a wake source of its runtime while the call runs. */
  private readonly parked = new Parked();

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
    this.parked.wake();
  }

  /** The remote task's output, or what it threw. */
  poll(cx: Context): Poll<unknown> {
    const state = this.state;
    if (state === RUNNING) {
      this.parked.park(cx.waker);
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
      this.parked.unpark();
      return true;
    }
    if (!this.abortSent) {
      this.abortSent = true;
      this.sink.abort(this);
    }
    this.parked.park(cx.waker);
    return false;
  }

  /** Dropped without waiting (a synchronous owner): abort, and do not wait for the cleanup. */
  override cancel(): void {
    this.parked.unpark();
    if (this.state === RUNNING && !this.abortSent) {
      this.abortSent = true;
      this.sink.abort(this);
    }
  }

  override describe(): string {
    return `${this.label} (running on ${this.sink.label})`;
  }
}
