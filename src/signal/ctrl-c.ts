/**
 * `ctrlC()`: a future ready at the next SIGINT (Tokio's `tokio::signal::ctrl_c`).
 *
 * Like Tokio's, it registers when first polled, not when created, so only a Ctrl-C that arrives
 * after the first poll completes it. It wraps a `SignalListener` made at that first poll and closes
 * it when the future completes or is cancelled, so an abandoned `ctrlC()` leaves neither a
 * registration nor a Node listener behind.
 */
import { FutureBase } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { END } from "../stream/poll-next.js";
import { SignalListener } from "./listener.js";

/**
 * The future of {@link ctrlC}.
 *
 * Cancel safety: cancelling it unregisters; a Ctrl-C that arrives afterwards is not seen by it.
 *
 * @example
 * const stop: CtrlC = ctrlC();
 */
export class CtrlC extends FutureBase<void> {
  private listener: SignalListener | null = null;
  private done = false;

  poll(cx: Context): Poll<void> {
    if (this.done) throw new Error("ctrlC() future polled after it completed; call ctrlC() again.");
    let l = this.listener;
    if (l === null) l = this.listener = new SignalListener("SIGINT");
    const out = l.pollNext(cx);
    if (out === PENDING) return PENDING;
    this.listener = null;
    this.done = true;
    l.close();
    if (out === END) throw new Error("ctrlC(): the SIGINT listener was closed");
    return undefined;
  }

  override cancel(): void {
    const l = this.listener;
    if (l === null) return;
    this.listener = null;
    l.stopWaiting();
    l.close();
  }

  override describe(): string {
    return "ctrlC()";
  }
}

/**
 * A future that completes at the next Ctrl-C (SIGINT) after it is first polled. While it waits,
 * Node's default exit on Ctrl-C is off, and it keeps the process alive.
 *
 * When to use: a server that runs until interrupted; with `select`, to stop a long job cleanly.
 * Under `runMain` you usually need nothing: the first Ctrl-C already cancels `main`.
 *
 * Cost: one small future and, while it waits, one `SignalListener`.
 *
 * Cancel safety: cancelling it removes its registration and, when it was the last, Node's listener.
 *
 * @example
 * const r = yield* select({ done: job(), stop: ctrlC() });
 * if (r.key === "stop") console.log("interrupted");
 */
export function ctrlC(): CtrlC {
  return new CtrlC();
}
