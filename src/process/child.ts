/**
 * `Child`: a running child process (Tokio's `tokio::process::Child`).
 *
 * HOW: Node's `ChildProcess` reports the exit with an `exit` event; the child keeps the status and
 * wakes every task waiting in `wait()`, each through its own `Readiness` (a registered wait is a
 * runtime wake source; one `Readiness` per future lets several tasks wait without stealing each
 * other's registration). Listeners are attached once, at spawn, so an `error` event (e.g. the program does not
 * exist) never goes unhandled: it becomes the `IoError` that `wait()` throws.
 *
 * Cancellation (Rust's drop): a cancelled `wait()` leaves the child running, unless the command set
 * `killOnCancel(true)`, in which case it is killed with SIGKILL (Tokio's `kill_on_drop`).
 */
import type { ChildProcess } from "node:child_process";
import { constants } from "node:os";
import { FutureBase } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { IoError } from "../io/error.js";
import { Readiness } from "../io/registration.js";
import { pollProceed } from "../task/coop.js";
import { ExitStatus } from "./exit-status.js";
import { ChildStderr, ChildStdin, ChildStdout } from "./stdio.js";

/**
 * A spawned child process. `stdin`, `stdout`, `stderr` are set for the streams configured as
 * `"piped"`, else null. Made by `Command.spawn()`.
 *
 * If the program could not be started (it does not exist, is not executable, or `cwd` is
 * missing), `id` is undefined and `wait()` throws the `IoError` (kind `"NotFound"` for a missing
 * program, naming it).
 *
 * @example
 * const child = new Command("node").args(["server.js"]).killOnCancel(true).spawn();
 * const status = yield* child.wait();
 */
export class Child implements Disposable {
  /** The child's stdin when `"piped"`; `wait()` closes it and sets it to null. */
  stdin: ChildStdin | null;
  /** The child's stdout when `"piped"`. */
  readonly stdout: ChildStdout | null;
  /** The child's stderr when `"piped"`. */
  readonly stderr: ChildStderr | null;
  private status: ExitStatus | null = null;
  private spawnError: IoError | null = null;
  /** `wait()` futures waiting for the exit; each holds its own registration. */
  private readonly waiters = new Set<ChildWait>();
  private readonly onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
    this.status = new ExitStatus(code, signal);
    this.wakeAll();
  };
  private readonly onError = (err: Error): void => {
    // Node emits "error" when spawning failed, and when kill() could not send a signal; only the
    // first is a failure of the child.
    if (this.status === null && this.process.pid === undefined) {
      this.spawnError = IoError.from(err, `spawn ${this.program}`, { path: this.program });
      this.wakeAll();
    }
  };

  /** @internal use `Command.spawn()`. */
  constructor(
    private readonly process: ChildProcess,
    /** The program, as given to `Command` (in errors and descriptions). */
    readonly program: string,
    private readonly killOnCancelFlag: boolean,
  ) {
    process.on("exit", this.onExit);
    process.on("error", this.onError);
    this.stdin = process.stdin === null ? null : new ChildStdin(process.stdin, program);
    this.stdout = process.stdout === null ? null : new ChildStdout(process.stdout, "stdout", program);
    this.stderr = process.stderr === null ? null : new ChildStderr(process.stderr, "stderr", program);
  }

  /** The OS process id; undefined if the program could not be started. */
  get id(): number | undefined {
    return this.process.pid;
  }

  /**
   * Wait for the child to exit; resolves to its {@link ExitStatus}. Closes `stdin` first (as Tokio
   * does) so a child reading its input to the end cannot wait forever. Throws the spawn error if
   * the program could not be started.
   *
   * Cancel safety: cancel-safe: the child keeps running and a later `wait()` gets the status;
   * with `killOnCancel(true)` a cancelled wait kills the child (SIGKILL).
   *
   * Several tasks may wait at once (unlike Tokio's `&mut self`); the exit wakes them all.
   *
   * Cost: one small future; the exit is delivered by Node's `exit` event.
   *
   * @example
   * const status = yield* child.wait();
   * console.log(status.success ? "ok" : `failed with ${status}`);
   */
  wait(): ChildWait {
    return new ChildWait(this);
  }

  /**
   * Send `signal` (default SIGKILL, like Tokio's `start_kill`) to the child. Returns false when
   * the child has already exited (or never started), true when the signal was sent. Does not wait:
   * follow with `wait()` to reap the status.
   *
   * @example
   * child.kill("SIGTERM");
   * const status = yield* child.wait(); // signal SIGTERM
   */
  kill(signal: NodeJS.Signals | number = "SIGKILL"): boolean {
    if (typeof signal === "string" ? !Object.hasOwn(constants.signals, signal) : !Number.isInteger(signal)) {
      throw new RangeError(
        `Child.kill(): unknown signal ${JSON.stringify(signal)}; use a name from os.constants.signals such as "SIGTERM" or "SIGKILL".`,
      );
    }
    if (this.status !== null || this.process.pid === undefined || this.process.exitCode !== null)
      return false;
    return this.process.kill(signal);
  }

  private wakeAll(): void {
    for (const w of this.waiters) w.readiness.wake();
    this.waiters.clear();
  }

  /** @internal */
  pollWait(cx: Context, w: ChildWait): Poll<ExitStatus> {
    const status = this.status;
    if (status !== null) {
      if (!pollProceed(cx)) return PENDING;
      return status;
    }
    const e = this.spawnError;
    if (e !== null) throw e;
    const stdin = this.stdin;
    if (stdin !== null) {
      this.stdin = null;
      stdin.close();
    }
    this.waiters.add(w);
    w.readiness.register(cx);
    return PENDING;
  }

  /** @internal a wait (or `output()`/`status()`) was cancelled. */
  waitCancelled(w: ChildWait): void {
    this.waiters.delete(w);
    w.readiness.clear();
    if (this.killOnCancelFlag) this.kill("SIGKILL");
  }

  /**
   * Let go of the child: close our ends of its pipes, and kill it if the command set
   * `killOnCancel(true)` (Tokio's drop with `kill_on_drop`). Otherwise it keeps running.
   *
   * @example
   * using child = new Command("sleep").arg("60").killOnCancel(true).spawn();
   */
  [Symbol.dispose](): void {
    this.stdin?.close();
    this.stdout?.close();
    this.stderr?.close();
    if (this.killOnCancelFlag) this.kill("SIGKILL");
  }

  /** "child node (pid 1234)". */
  describe(): string {
    return `child ${this.program} (pid ${this.process.pid ?? "none"})`;
  }
}

/**
 * The future of `Child.wait()`: the exit status.
 *
 * Cancel safety: see `Child.wait`.
 *
 * @example
 * const w: ChildWait = child.wait();
 */
export class ChildWait extends FutureBase<ExitStatus> {
  private waiting = false;
  /** @internal this future's registration with the runtime. */
  readonly readiness = new Readiness();

  constructor(private readonly child: Child) {
    super();
  }

  poll(cx: Context): Poll<ExitStatus> {
    const out = this.child.pollWait(cx, this);
    this.waiting = out === PENDING;
    return out;
  }

  override cancel(): void {
    if (!this.waiting) return;
    this.waiting = false;
    this.child.waitCancelled(this);
  }

  override describe(): string {
    return `${this.child.describe()}.wait()`;
  }
}
