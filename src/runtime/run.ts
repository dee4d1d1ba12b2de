/**
 * `run` (Tokio's `block_on` for Node: returns a Promise) and `runMain` (a process entry point).
 */
import type { IntoFuture } from "../future/into-future.js";
import { JoinError } from "../task/join-error.js";
import { Runtime, type RuntimeOptions } from "./runtime.js";

/**
 * Run `main` on a new runtime and resolve with its output, or reject with what it threw. When
 * `main` finishes, every task still alive is cancelled (its `finally` blocks run) before the
 * promise settles. Rejects with `DeadlockError` when `main` waits and nothing can wake any task.
 *
 * @example
 * const total = await run(function* () {
 *   const a = spawn(work(1));
 *   const b = spawn(work(2));
 *   return (yield* a) + (yield* b);
 * });
 */
export async function run<T>(main: IntoFuture<T>, options?: RuntimeOptions): Promise<T> {
  const rt = new Runtime(options);
  let value: T;
  try {
    value = await rt.run(main);
  } catch (error) {
    await rt.shutdown();
    throw error;
  }
  await rt.shutdown();
  return value;
}

/**
 * Run `main` as the program: on success the exit code is 0; on error the error is printed and the
 * exit code is 1. The first Ctrl-C (SIGINT) cancels `main`, so its `finally` blocks run and the
 * exit code is 130; a second Ctrl-C exits at once. Returns a promise that settles when done (it
 * never rejects: the outcome is the exit code).
 *
 * @example
 * runMain(function* () {
 *   const server = yield* serve(8080);
 *   try { yield* server.closed(); } finally { console.log("bye"); }
 * });
 */
export function runMain<T>(main: IntoFuture<T>, options?: RuntimeOptions): Promise<void> {
  const rt = new Runtime(options);
  let interrupts = 0;
  const handle = rt.spawn(main, { name: "main" });
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write("\npollux: interrupted; cancelling main (press Ctrl-C again to exit now)\n");
      handle.abort();
    } else {
      process.exit(130);
    }
  };
  process.on("SIGINT", onSigint);
  const done = rt.run(
    function* () {
      return yield* handle;
    },
    { name: "runMain" },
  );
  return done.then(
    async () => {
      process.off("SIGINT", onSigint);
      await rt.shutdown();
      process.exitCode = 0;
    },
    async (error: unknown) => {
      process.off("SIGINT", onSigint);
      await rt.shutdown();
      if (error instanceof JoinError && error.cancelled && interrupts > 0) {
        process.exitCode = 130;
        return;
      }
      const shown = error instanceof JoinError && !error.cancelled ? error.cause : error;
      console.error("pollux: main failed:", shown instanceof Error ? (shown.stack ?? shown.message) : shown);
      process.exitCode = 1;
    },
  );
}
