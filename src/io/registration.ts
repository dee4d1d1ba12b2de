/**
 * `Readiness`: the IO driver's unit, Tokio's `ScheduledIo` for one direction of one resource.
 *
 * libuv is the reactor: it watches file descriptors and calls Node callbacks. A pollux IO
 * resource (a socket's read side, its write side, a listener's accept queue, a child's exit)
 * keeps one `Readiness` per direction. A leaf future that cannot make progress calls
 * `register(cx)`, which stores the task's waker and, while stored, counts as a wake source of the
 * runtime (so a task waiting on a socket is never reported as deadlocked, and a runtime with no
 * registration left can be). The Node callback that makes progress possible calls `wake()`,
 * which drops the registration and wakes the task; a cancelled future calls `clear()`.
 *
 * One waker per direction, as in Tokio (where `poll_read` takes `&mut self`): two tasks waiting
 * on one direction at once is a bug; the second registration replaces the first, and only the
 * second is woken. Resources that several tasks may await (a child's exit) keep one registration
 * per waiting future instead.
 * Cost: no allocation; a field write and a counter increment per registration.
 */

import type { Context, Waker } from "../future/poll.js";
import { currentRuntime, type Runtime } from "../runtime/runtime.js";

/**
 * One direction of one IO resource waiting for the outside world: stores the waker of the task
 * that waits, counts as a runtime wake source while it does, and wakes it when the Node callback
 * reports progress. Resource authors keep one per direction (read, write) so that two tasks using
 * the two directions of one stream (after `split`) never replace each other's waker.
 *
 * When to use: in `pollRead`/`pollWrite` of a resource whose progress comes from a Node callback
 * or another task: `register(cx)` before returning PENDING, `wake()` from the callback, `clear()`
 * from `cancelRead`/`cancelWrite` and when the resource closes.
 *
 * Cost: no allocation; a field write and a counter update per registration.
 *
 * @example
 * class Socketish extends AsyncReadBase {
 *   private readonly readable = new Readiness();
 *   constructor(private sock: net.Socket) {
 *     super();
 *     sock.on("readable", () => this.readable.wake());
 *   }
 *   pollRead(cx: Context, buf: Uint8Array): Poll<number> {
 *     const chunk = this.sock.read();
 *     if (chunk === null) { this.readable.register(cx); return PENDING; }
 *     ... copy, keep the rest ...
 *   }
 *   override cancelRead() { this.readable.clear(); }
 * }
 */
export class Readiness {
  private waker: Waker | null = null;
  private runtime: Runtime | null = null;

  /**
   * @param external Whether progress can come from outside the runtime (a Node callback), so that
   *   a registered waiter counts as a wake source. `false` for resources only tasks make progress
   *   on (an in-memory `duplex`): two tasks waiting on each other there is a deadlock, reported as
   *   one instead of a hang. Something outside that could still act on such a resource (a Node
   *   timer that closes it) is a Node resource the deadlock check sees anyway.
   */
  constructor(private readonly external = true) {}

  /** True while a task waits here. */
  get registered(): boolean {
    return this.waker !== null;
  }

  /** Store `cx.waker` to be woken by the next `wake()`. Call right before returning `PENDING`. */
  register(cx: Context): void {
    const waker = cx.waker;
    const prev = this.waker;
    if (prev === waker) return;
    if (prev === null) {
      const rt = currentRuntime();
      this.runtime = rt;
      if (rt !== null && this.external) rt.sources++;
      this.waker = waker;
      return;
    }
    // A different waker: usually the same task through a new combinator slot (a `select` in a
    // loop), whose previous future was dropped. The newest one wins, silently, as in Tokio. Waking
    // the previous one instead made two tasks that wait on one direction wake each other forever.
    this.waker = waker;
  }

  /** Progress is possible: drop the registration and wake the task that waited. */
  wake(): void {
    const waker = this.waker;
    if (waker === null) return;
    const rt = this.runtime;
    this.release();
    // Called from Node callbacks: what a (user-written) waker throws must not escape into libuv.
    if (rt !== null) rt.wakeGuarded(waker);
    else waker.wake();
  }

  /** The waiting future was cancelled or the resource closed: drop the registration without waking. */
  clear(): void {
    if (this.waker !== null) this.release();
  }

  private release(): void {
    this.waker = null;
    const rt = this.runtime;
    this.runtime = null;
    if (rt !== null && this.external) rt.sources--;
  }
}
