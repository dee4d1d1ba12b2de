/**
 * `Handle`: a reference to a runtime that code outside it can keep and spawn through (Tokio's
 * `runtime::Handle`).
 *
 * Why it is needed: the free function `spawn` finds its runtime through the ambient record set
 * while a task is polled, so it throws in a Node callback (an HTTP handler, a socket event, a
 * timer). Take a handle inside a task (`Handle.current()`) or from the runtime
 * (`runtime.handle()`), keep it, and `handle.spawn(fut)` from any callback.
 *
 * How a spawn from outside gets driven: spawning queues the task and, when the runtime is not in
 * the middle of a drain, schedules one drain with `queueMicrotask` (the same path a wake from a
 * Node callback takes). So a runtime that sits idle in Node's event loop, or one that has never
 * run anything, runs the task within the same event-loop turn; no `run()` needs to be waiting.
 */
import { current } from "../future/current.js";
import type { IntoFuture } from "../future/into-future.js";
import type { SpawnOptions } from "../task/executor.js";
import type { JoinHandle } from "../task/task.js";
import type { RuntimeMetrics } from "./metrics.js";
import type { Runtime } from "./runtime.js";

/**
 * A handle to a runtime: spawn onto it from anywhere, including Node callbacks outside any task.
 * Get one with `Handle.current()` inside a task or `runtime.handle()`; every call returns the same
 * object for a given runtime. Holding a handle keeps the runtime object reachable, nothing else:
 * it does not keep the process alive.
 *
 * @example
 * function* main() {
 *   const handle = Handle.current();
 *   const server = http.createServer((req, res) => {
 *     handle.spawn(respond(req, res), { name: "request" }); // from a Node callback
 *   });
 *   server.listen(8080);
 *   yield* shutdownSignal();
 * }
 */
export class Handle {
  /** @internal use `Handle.current()` or `runtime.handle()`. */
  constructor(private readonly runtime: Runtime) {}

  /**
   * The handle of the runtime whose task is being polled. Throws outside a task (in plain
   * JavaScript or a Node callback, no task is being polled): take the handle inside a task and
   * keep it, or use `runtime.handle()`. See {@link Handle.tryCurrent}.
   *
   * Cost: a property read; the handle is created once per runtime.
   *
   * @example
   * const handle = Handle.current();
   * setTimeout(() => handle.spawn(tick()), 100);
   */
  static current(): Handle {
    const rt = current.runtime as Runtime | null;
    if (rt === null) {
      throw new Error(
        "Handle.current() was called outside a pollux runtime: no task is being polled here (plain " +
          "JavaScript, or a Node callback such as an HTTP handler). Call Handle.current() inside a task " +
          "and keep the handle for the callback, or use runtime.handle(); Handle.tryCurrent() returns " +
          "undefined instead of throwing.",
      );
    }
    return rt.handle();
  }

  /**
   * The handle of the runtime whose task is being polled, or `undefined` outside a task. Never
   * throws.
   *
   * @example
   * const handle = Handle.tryCurrent() ?? fallbackRuntime.handle();
   */
  static tryCurrent(): Handle | undefined {
    const rt = current.runtime as Runtime | null;
    return rt === null ? undefined : rt.handle();
  }

  /**
   * Spawn `future` as a task on this handle's runtime, from anywhere: inside one of its tasks,
   * inside a task of another runtime, or from a Node callback while the runtime is idle. The task
   * starts within the same event-loop turn. Returns its `JoinHandle`, which can be awaited from a
   * task of any runtime (or turned into a promise with `toPromise`).
   *
   * While the runtime is shutting down, the task is spawned already aborted, as in Tokio: awaiting
   * it throws a cancelled `JoinError`. Once the runtime has shut down, it throws: a handle cannot
   * restart a runtime.
   *
   * Cost: that of `spawn` (one task object plus its future); from outside a drain, at most one
   * microtask per event-loop turn, shared by every spawn and wake of that turn.
   *
   * @example
   * socket.on("data", (chunk) => handle.spawn(process(chunk)));
   */
  spawn<T>(future: IntoFuture<T>, options?: SpawnOptions): JoinHandle<T> {
    const rt = this.runtime;
    if (rt.lifecycle === "closed") {
      throw new Error(
        "Handle.spawn(): the runtime of this handle has shut down (state: closed), so nothing would " +
          "ever run the task. Spawn before calling runtime.shutdown() (or before run() returns), or " +
          "create a new Runtime and use its handle().",
      );
    }
    return rt.spawn(future, options);
  }

  /** A snapshot of the runtime's always-on counters (see `Runtime.metrics`). */
  metrics(): RuntimeMetrics {
    return this.runtime.metrics();
  }

  /** `"open"`, `"shutting-down"` (cancelling its tasks) or `"closed"`. */
  get state(): "open" | "shutting-down" | "closed" {
    return this.runtime.lifecycle;
  }
}
