/**
 * `run` (Tokio's `block_on` for Node: returns a Promise) and `runMain` (a process entry point).
 *
 * `runMain` owns the process the way `#[tokio::main]` does: when `main` is done and the runtime has
 * shut down, the process ends, whatever foreign handles (a user's timer inside a promise, an open
 * socket) are still alive. Signals go through `pollux/signal`'s registry, so SIGINT/SIGTERM
 * listeners are counted in one place and Node's default exit comes back when runMain stops.
 */
import type { IntoFuture } from "../future/into-future.js";
import { JoinError } from "../task/join-error.js";
import type { Task } from "../task/task.js";
import { consoleChoice, type LaunchedConsole, launchConsole } from "./console-launch.js";
import { Runtime, type RuntimeOptions } from "./runtime.js";
import { subscribe, subscriberCount, unsubscribe } from "./signals.js";

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
    rt.reportOrphans();
  } catch (error) {
    await rt.shutdown();
    throw error;
  }
  await rt.shutdown();
  return value;
}

/** Options of {@link runMain}: the runtime's options, plus `exit`. */
export interface RunMainOptions extends RuntimeOptions {
  /**
   * End the process (`process.exit`) once `main` is done and the runtime has shut down, as
   * `#[tokio::main]` does, even if foreign handles (timers, sockets not owned by pollux) are still
   * alive. Default `true`. With `false`, runMain only sets `process.exitCode` and resolves its
   * promise; Node then exits when nothing else keeps it alive.
   */
  exit?: boolean;
  /**
   * Serve the live console (`pollux/console`, see docs/guide-console.md) for this runtime and
   * print its URL on stderr: `true` for http://127.0.0.1:6669, or `{ port, host }` (port `0`: any
   * free port). Turns on `instrument: true` unless `instrument` is given. Without this option,
   * the environment decides: `POLLUX_CONSOLE=1` (port 6669) or `POLLUX_CONSOLE=<port>`; `false`
   * keeps the console off whatever the environment says. Default: off.
   */
  console?: boolean | { port?: number; host?: string };
}

/** Exit codes of the signals runMain handles: 128 + the signal number, the shell convention. */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** Bridges the signal registry to one runMain: the first signal cancels main, the second exits. */
class MainSignals {
  /** Live runMain subscriptions: subscribers beyond these are the program's own listeners. */
  static active = 0;
  /** The first signal received, or null. */
  first: NodeJS.Signals | null = null;
  /** `main` has finished: only the runtime's shutdown is left, so a signal exits at once. */
  mainDone = false;
  private closed = false;

  constructor(private readonly handle: Task<unknown>) {
    subscribe("SIGINT", this);
    subscribe("SIGTERM", this);
    MainSignals.active++;
  }

  notify(name: NodeJS.Signals): void {
    // The program listens for this signal itself (`ctrlC()`, `signal(name)`): it owns it, as under
    // `#[tokio::main]`, so runMain neither cancels main nor exits.
    if (subscriberCount(name) > MainSignals.active) return;
    if (this.first !== null || this.mainDone) process.exit(SIGNAL_EXIT[name]);
    this.first = name;
    const again = name === "SIGINT" ? "press Ctrl-C again" : `send ${name} again`;
    process.stderr.write(
      `\npollux: ${name === "SIGINT" ? "interrupted" : "terminated"}; cancelling main (${again} to exit now)\n`,
    );
    this.handle.abort();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    MainSignals.active--;
    unsubscribe("SIGINT", this);
    unsubscribe("SIGTERM", this);
  }
}

/**
 * Run `main` as the program, the way `#[tokio::main]` does.
 *
 * - `main` returns: the runtime shuts down (other tasks are cancelled, their `finally` blocks run),
 *   then the process exits with code 0.
 * - `main` throws (or a deadlock is detected): the error is printed, the process exits with code 1.
 * - The first SIGINT (Ctrl-C) or SIGTERM cancels `main`: its `finally` blocks run (async ones
 *   too), then the process exits with 130 (SIGINT) or 143 (SIGTERM), even if foreign handles such
 *   as a user's `setTimeout` are still pending. A second signal exits at once.
 * - Except while the program listens for that signal itself (a waiting `ctrlC()`, a live
 *   `signal(name)` listener from `pollux/signal`): then the program owns the signal and runMain
 *   leaves it alone, so a graceful-shutdown handler is not cut short.
 * - `{ console: true }`, or `POLLUX_CONSOLE=1` in the environment: serve the live console
 *   (`pollux/console`) for this runtime and print its URL on stderr.
 *
 * Pass `{ exit: false }` to keep the process alive after runMain: it then only sets
 * `process.exitCode` and resolves the returned promise, and Node's default signal behaviour is
 * restored at that point. Other options are the `Runtime`'s. The returned promise never rejects:
 * the outcome is the exit code.
 *
 * Cost: one runtime; two signal subscriptions for as long as `main` runs.
 *
 * @example
 * runMain(function* () {
 *   const server = yield* serve(8080);
 *   try { yield* server.closed(); } finally { console.log("bye"); }
 * });
 */
export function runMain<T>(main: IntoFuture<T>, options?: RunMainOptions): Promise<void> {
  let exit = true;
  let consoleOption: unknown;
  let rtOptions: RuntimeOptions | undefined = options;
  if (typeof options === "object" && options !== null && ("exit" in options || "console" in options)) {
    const { exit: e, console: c, ...rest } = options;
    if (typeof e !== "boolean" && e !== undefined) {
      throw new TypeError(`runMain option exit must be true or false; got ${String(e)}.`);
    }
    exit = e ?? true;
    consoleOption = c;
    rtOptions = rest;
  }
  const consoleAt = consoleChoice(consoleOption, process.env.POLLUX_CONSOLE);
  if (consoleAt !== null && rtOptions?.instrument === undefined)
    rtOptions = { ...rtOptions, instrument: true };
  const rt = new Runtime(rtOptions);
  const liveConsole: Promise<LaunchedConsole | null> | null =
    consoleAt === null ? null : launchConsole(rt, consoleAt);
  const handle = rt.spawn(main, { name: "main" });
  const signals = new MainSignals(handle as Task<unknown>);
  const done = rt.run(
    function* () {
      return yield* handle;
    },
    { name: "runMain" },
  );
  const finish = (code: number): void => {
    signals.close();
    if (exit) process.exit(code);
    process.exitCode = code;
  };
  const shutdown = async (): Promise<void> => {
    await rt.shutdown();
    await (await liveConsole)?.close();
  };
  return done.then(
    async () => {
      signals.mainDone = true;
      rt.reportOrphans();
      await shutdown();
      finish(0);
    },
    async (error: unknown) => {
      signals.mainDone = true;
      await shutdown();
      if (error instanceof JoinError && error.cancelled && signals.first !== null) {
        finish(SIGNAL_EXIT[signals.first]!);
        return;
      }
      const shown = error instanceof JoinError && !error.cancelled ? error.cause : error;
      console.error("pollux: main failed:", shown instanceof Error ? (shown.stack ?? shown.message) : shown);
      finish(1);
    },
  );
}
