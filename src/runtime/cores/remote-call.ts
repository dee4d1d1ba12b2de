/**
 * `RemoteCall`: the calling side of a task that runs on a worker runtime.
 *
 * The `JoinHandle` of `spawnOn` is a real local task running `remoteTask(call)`, a generator that
 * awaits the call. The call itself is the leaf future it awaits: while the remote task runs it
 * counts as a wake source of the local runtime (so a task waiting on it is never reported as a
 * deadlock), and the port callback that delivers the reply wakes the local task directly.
 *
 * Why a generator and not just the leaf future: an abort must reach the remote task and wait for
 * its cleanup. A leaf future's `cancel()` is synchronous, so on its own the local handle would
 * report "cancelled" while the remote `finally` still runs. Cancelling a generator runs its
 * `finally`, which may `yield*`: `remoteTask`'s sends the abort and awaits the remote task's end,
 * so the handle reports cancelled only once the remote cleanup (async parts included) is done.
 */
import { type AmbientRuntime, current } from "../../future/current.js";
import { type Async, FutureBase } from "../../future/future.js";
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
export class RemoteCall extends FutureBase<void> {
  state = RUNNING;
  value: unknown = undefined;
  /** The transfer list sent with the call, kept to re-send it alone if its batch fails to clone. */
  transfer: readonly unknown[] | undefined = undefined;
  /** The call carries a task placed on a runtime (it counts in that runtime's published load). */
  placed = false;
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

  /** Ready (with nothing) once the remote task has ended, however it ended. */
  poll(cx: Context): Poll<void> {
    if (this.state !== RUNNING) return undefined;
    if (this.waker === null) {
      const rt = current.runtime;
      this.rt = rt;
      if (rt !== null) rt.sources++;
    }
    this.waker = cx.waker;
    return PENDING;
  }

  private release(): AmbientRuntime | null {
    this.waker = null;
    const rt = this.rt;
    this.rt = null;
    if (rt !== null) rt.sources--;
    return rt;
  }

  override cancel(): void {
    if (this.waker !== null) this.release();
  }

  override describe(): string {
    return `${this.label} (running on ${this.sink.label})`;
  }
}

/**
 * The body of a `spawnOn` task on the calling runtime: the remote task's outcome, as if it had
 * run here. Aborting it aborts the remote task and waits for the remote cleanup (see above).
 */
export function* remoteTask(call: RemoteCall): Async<unknown> {
  try {
    yield* call;
  } finally {
    if (call.state === RUNNING) {
      call.sink.abort(call);
      yield* call;
    }
  }
  if (call.state === DONE_OK) return call.value;
  if (call.state === DONE_ERR) throw call.value;
  throw new Error(
    `${call.label}: the task was cancelled on ${call.sink.label} (its runtime is shutting down), ` +
      "not by this handle, so it has no result.",
  );
}
