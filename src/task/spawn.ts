import { outsideRuntime } from "../future/current.js";
import type { IntoFuture } from "../future/into-future.js";
import { currentExecutor, type SpawnOptions } from "./executor.js";
import type { JoinHandle } from "./task.js";

/**
 * Run a future as a new task on the current runtime, concurrently with the caller. Returns a
 * {@link JoinHandle}: `yield* handle` gives the output; `handle.abort()` cancels the task.
 * Accepts a future, a generator object, or a generator function.
 *
 * The task is queued, not run inline: it starts after the caller suspends or yields.
 *
 * Cost: one task object (~100 bytes) plus its future, and a queue round trip. For concurrency
 * inside one task (awaiting several futures at once) `join`/`select` are cheaper: spawning is
 * never free.
 *
 * @example
 * const worker = spawn(fetchUser(1), { name: "fetch-user" });
 * const user = yield* worker;
 */
export function spawn<T>(future: IntoFuture<T>, options?: SpawnOptions): JoinHandle<T> {
  const rt = currentExecutor();
  if (rt === null) throw outsideRuntime("spawn()");
  return rt.spawn(future, options);
}
