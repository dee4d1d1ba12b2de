/**
 * `signal(name)` → `SignalListener`: a stream of deliveries of one Unix signal (Tokio's
 * `tokio::signal::unix::Signal`).
 *
 * HOW: the listener subscribes to the shared registry when it is created (so a signal that arrives
 * before the first `recv()` is not lost, as in Tokio) and keeps one `notified` flag: deliveries
 * that arrive while nobody is receiving coalesce into one, exactly like Tokio. A task waiting in
 * `recv()` is registered through a `Readiness`, so it counts as a runtime wake source and is never
 * reported as deadlocked.
 */
import type { Context, Poll } from "../future/poll.js";
import { PENDING } from "../future/poll.js";
import { Readiness } from "../io/registration.js";
import {
  checkSignalName,
  type Subscriber,
  subscribe,
  unsubscribe,
  waitEnded,
  waitStarted,
} from "../runtime/signals.js";
import { END, type End } from "../stream/poll-next.js";
import { Next, StreamBase } from "../stream/stream.js";
import { pollProceed } from "../task/coop.js";

/**
 * Receives one Unix signal, as a stream: each item is the signal's name. Create it with
 * {@link signal}. While at least one listener (or `ctrlC()` future) for a signal is alive, Node's
 * default action for that signal (exit on SIGINT, SIGTERM, SIGHUP) is off; disposing the last one
 * restores it.
 *
 * When to use: graceful shutdown on SIGTERM, reloading configuration on SIGHUP.
 *
 * Cost: one small object and one `Set` entry; no Node listener beyond the first per signal.
 *
 * Cancel safety: `recv()` is cancel-safe: a cancelled `recv()` loses no delivery.
 *
 * @example
 * using term = signal("SIGTERM");
 * const r = yield* select({ stop: term.recv(), conn: listener.accept() });
 */
export class SignalListener extends StreamBase<NodeJS.Signals> implements Subscriber {
  private notified = false;
  private closed = false;
  private waiting = false;
  private readonly readiness = new Readiness();

  /** @internal use {@link signal}. */
  constructor(readonly name: NodeJS.Signals) {
    super();
    subscribe(name, this);
  }

  /** @internal registry callback. */
  notify(): void {
    this.notified = true;
    if (this.waiting) {
      this.waiting = false;
      waitEnded();
      this.readiness.wake();
    }
  }

  pollNext(cx: Context): Poll<NodeJS.Signals | End> {
    if (this.closed) return END;
    if (this.notified) {
      if (!pollProceed(cx)) return PENDING;
      this.notified = false;
      this.stopWaiting();
      return this.name;
    }
    if (!this.waiting) {
      this.waiting = true;
      waitStarted();
    }
    this.readiness.register(cx);
    return PENDING;
  }

  /**
   * A future of the next delivery of the signal (its name), or `END` once the listener was
   * disposed. Deliveries since the previous `recv()` (or since creation) complete it at once, and
   * several of them count as one.
   *
   * Cancel safety: cancel-safe; a cancelled `recv()` drops its registration and loses nothing.
   *
   * Cost: one small future per call.
   *
   * @example
   * using hup = signal("SIGHUP");
   * while ((yield* hup.recv()) !== END) config = yield* loadConfig();
   */
  recv(): SignalRecv {
    return new SignalRecv(this);
  }

  /** Same as {@link SignalListener.recv}; a cancelled `next()` also drops its registration. */
  override next(): SignalRecv {
    return new SignalRecv(this);
  }

  /** @internal a `recv()` future was cancelled while waiting. */
  stopWaiting(): void {
    if (this.waiting) {
      this.waiting = false;
      waitEnded();
    }
    this.readiness.clear();
  }

  /**
   * Stop listening: `recv()` yields `END` from now on, and once no listener for this signal
   * is left Node's default action is back. Idempotent; `using` calls it at scope exit.
   *
   * @example
   * const term = signal("SIGTERM");
   * try { yield* serve(term); } finally { term.close(); }
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    unsubscribe(this.name, this);
    // Wake a waiter so it sees the end rather than sleeping forever.
    if (this.waiting) {
      this.waiting = false;
      waitEnded();
      this.readiness.wake();
    }
  }

  /** Dropping the stream: same as {@link SignalListener.close}. */
  override cancel(): void {
    this.close();
  }

  override describe(): string {
    return `signal(${this.name})`;
  }
}

/**
 * The future of {@link SignalListener.recv}: the signal's name, or `END` after `close()`.
 *
 * Cancel safety: cancel-safe.
 *
 * @example
 * const got: SignalRecv = term.recv();
 */
export class SignalRecv extends Next<NodeJS.Signals> {
  constructor(private readonly listener: SignalListener) {
    super(listener);
  }

  override cancel(): void {
    this.listener.stopWaiting();
  }

  override describe(): string {
    return `${this.listener.describe()}.recv()`;
  }
}

/**
 * Listen for a Unix signal: returns a {@link SignalListener} whose `recv()` completes at each
 * delivery (deliveries that arrive while nobody receives coalesce into one). Registration happens
 * now, so a signal that arrives before the first `recv()` is not lost.
 *
 * While any listener for the signal is alive, Node's default action for it is off (SIGTERM no longer
 * kills the process); closing or disposing the last one restores it. Node also disables the default
 * for any listener the program adds with `process.on`.
 *
 * Throws a `RangeError` for an unknown name and for signals that cannot be handled (SIGKILL,
 * SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL).
 *
 * Cost: one object; the first listener of a signal installs one Node listener.
 *
 * @example
 * using term = signal("SIGTERM");
 * yield* term.recv();
 * console.log("draining connections");
 */
export function signal(name: NodeJS.Signals): SignalListener {
  return new SignalListener(checkSignalName(name, "signal()"));
}
