/**
 * `Command`: a builder for child processes (Tokio's `tokio::process::Command`), over Node's
 * `child_process.spawn`.
 *
 * The builder only records; nothing starts until `spawn()`, or until the futures of `output()` /
 * `status()` are first polled (so they are lazy like every pollux future).
 */
import { spawn as nodeSpawn, type StdioOptions } from "node:child_process";
import { FutureBase } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { IoError } from "../io/error.js";
import type { ReadToEnd } from "../io/read.js";
import { Child, type ChildWait } from "./child.js";
import type { ExitStatus } from "./exit-status.js";

/**
 * How a child's stdin, stdout or stderr is connected: `"piped"` (a pollux reader/writer on
 * `Child`), `"inherit"` (the parent's own stream) or `"null"` (`/dev/null`).
 */
export type Stdio = "piped" | "inherit" | "null";

/** What `output()` resolves to: the exit status and everything the child wrote. */
export interface Output {
  status: ExitStatus;
  /** Everything written to stdout (empty unless stdout was piped, the default for `output()`). */
  stdout: Uint8Array;
  /** Everything written to stderr (empty unless stderr was piped, the default for `output()`). */
  stderr: Uint8Array;
}

const STDIO = new Set(["piped", "inherit", "null"]);
const NODE_STDIO = { piped: "pipe", inherit: "inherit", null: "ignore" } as const;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object") return (value as object).constructor?.name ?? "an object";
  return `${typeof value} ${String(value)}`;
}

function checkString(what: string, value: unknown, emptyOk: boolean): string {
  if (typeof value !== "string" || (!emptyOk && value.length === 0)) {
    throw new TypeError(`${what} expects a ${emptyOk ? "" : "non-empty "}string; got ${describe(value)}.`);
  }
  if (value.includes("\0")) throw new TypeError(`${what}: ${describe(value)} contains a NUL byte.`);
  return value;
}

function checkStdio(what: string, value: unknown): Stdio {
  if (typeof value !== "string" || !STDIO.has(value)) {
    throw new TypeError(`${what} expects "piped", "inherit" or "null"; got ${describe(value)}.`);
  }
  return value as Stdio;
}

/**
 * Describes a process to run: program, arguments, environment, working directory, stdio. Chain the
 * setters, then `spawn()` (a `Child` to talk to), `output()` (run to completion, capture output) or
 * `status()` (run to completion, inherit output).
 *
 * Defaults, as in Tokio: `spawn()` and `status()` inherit all three streams; `output()` pipes
 * stdout and stderr (to capture them) and connects stdin to `/dev/null`. Explicit settings win.
 *
 * Cost: a few small objects; `spawn` is one Node `child_process.spawn`.
 *
 * @example
 * const out = yield* new Command("git").args(["rev-parse", "HEAD"]).cwd(repo).output();
 * const sha = new TextDecoder().decode(out.stdout).trim();
 */
export class Command {
  private readonly argv: string[] = [];
  private envVars: Map<string, string | null> | null = null;
  private clearEnv = false;
  private dir: string | undefined = undefined;
  private io: [Stdio | null, Stdio | null, Stdio | null] = [null, null, null];
  private kill = false;

  /**
   * A command running `program` (a path, or a name looked up in `PATH`). A program that does not
   * exist is reported when the command is run: `wait()`, `output()` or `status()` throw an
   * `IoError` of kind `"NotFound"` naming it.
   *
   * @example
   * const cmd = new Command("ls");
   */
  constructor(readonly program: string) {
    checkString("new Command(program)", program, false);
  }

  /**
   * Add one argument (passed as is: no shell, no quoting needed).
   *
   * @example
   * new Command("grep").arg("-n").arg(pattern).arg(file);
   */
  arg(arg: string): this {
    this.argv.push(checkString("Command.arg()", arg, true));
    return this;
  }

  /**
   * Add several arguments.
   *
   * @example
   * new Command("tar").args(["-czf", "out.tgz", "dir"]);
   */
  args(args: readonly string[]): this {
    if (!Array.isArray(args))
      throw new TypeError(`Command.args() expects an array of strings; got ${describe(args)}.`);
    for (const a of args) this.argv.push(checkString("Command.args()", a, true));
    return this;
  }

  /**
   * Set an environment variable for the child (the rest is inherited unless `envClear()`).
   *
   * @example
   * new Command("node").arg("app.js").env("NODE_ENV", "production");
   */
  env(key: string, value: string): this {
    checkString("Command.env() key", key, false);
    if (key.includes("=")) throw new TypeError(`Command.env(): the key ${describe(key)} contains "=".`);
    checkString("Command.env() value", value, true);
    (this.envVars ??= new Map()).set(key, value);
    return this;
  }

  /**
   * Set several environment variables.
   *
   * @example
   * new Command("make").envs({ CC: "clang", JOBS: "8" });
   */
  envs(vars: Readonly<Record<string, string>>): this {
    if (typeof vars !== "object" || vars === null) {
      throw new TypeError(`Command.envs() expects an object of strings; got ${describe(vars)}.`);
    }
    for (const [k, v] of Object.entries(vars)) this.env(k, v);
    return this;
  }

  /**
   * Remove a variable from the child's environment.
   *
   * @example
   * new Command("node").envRemove("NODE_OPTIONS");
   */
  envRemove(key: string): this {
    checkString("Command.envRemove()", key, false);
    (this.envVars ??= new Map()).set(key, null);
    return this;
  }

  /**
   * Start the child with an empty environment (plus what `env()` sets).
   *
   * @example
   * new Command("/usr/bin/env").envClear().env("ONLY", "this");
   */
  envClear(): this {
    this.clearEnv = true;
    this.envVars = new Map();
    return this;
  }

  /**
   * The child's working directory.
   *
   * @example
   * new Command("npm").arg("test").cwd("packages/core");
   */
  cwd(dir: string): this {
    this.dir = checkString("Command.cwd()", dir, false);
    return this;
  }

  /**
   * How the child's stdin is connected.
   *
   * @example
   * const child = new Command("wc").arg("-l").stdin("piped").stdout("piped").spawn();
   */
  stdin(how: Stdio): this {
    this.io[0] = checkStdio("Command.stdin()", how);
    return this;
  }

  /**
   * How the child's stdout is connected.
   *
   * @example
   * new Command("ls").stdout("piped");
   */
  stdout(how: Stdio): this {
    this.io[1] = checkStdio("Command.stdout()", how);
    return this;
  }

  /**
   * How the child's stderr is connected.
   *
   * @example
   * new Command("noisy").stderr("null");
   */
  stderr(how: Stdio): this {
    this.io[2] = checkStdio("Command.stderr()", how);
    return this;
  }

  /**
   * Kill the child (SIGKILL) when a future waiting for it is cancelled (`wait()`, `output()`,
   * `status()`) or the `Child` is disposed. Off by default: like Tokio, a child outlives the
   * future that waited for it unless asked otherwise.
   *
   * @example
   * const r = yield* timeout(5_000, new Command("slow-tool").killOnCancel(true).status());
   */
  killOnCancel(on = true): this {
    if (typeof on !== "boolean")
      throw new TypeError(`Command.killOnCancel() expects a boolean; got ${describe(on)}.`);
    this.kill = on;
    return this;
  }

  /**
   * Start the process now and return its {@link Child}. Synchronous, like Tokio's `spawn`; a
   * program that cannot be started is reported by the child's `wait()` (an `IoError`, kind
   * `"NotFound"` when it does not exist), because Node reports it asynchronously.
   *
   * Cost: one Node `child_process.spawn` (a fork/exec on libuv's side).
   *
   * @example
   * const child = new Command("node").args(["-e", "console.log(1)"]).stdout("piped").spawn();
   * const text = yield* child.stdout!.readToString();
   * yield* child.wait();
   */
  spawn(): Child {
    return this.start("inherit", "inherit", "inherit");
  }

  /**
   * Run the command to completion, capturing stdout and stderr (unless set otherwise); resolves to
   * `{ status, stdout, stderr }`. A non-zero exit is not an error: check `status.success`.
   *
   * Cost: the process plus the captured bytes, unbounded (use `spawn()` and read with a limit when
   * the output may be huge).
   *
   * Cancel safety: a cancelled `output()` closes the pipes; the child keeps running (and may die of
   * SIGPIPE) unless `killOnCancel(true)`, which kills it.
   *
   * @example
   * const out = yield* new Command("node").args(["--version"]).output();
   * console.log(new TextDecoder().decode(out.stdout)); // v20.x
   */
  output(): CommandOutput {
    return new CommandOutput(this, true);
  }

  /**
   * Run the command to completion with inherited stdio (unless set otherwise); resolves to the
   * {@link ExitStatus}.
   *
   * Cancel safety: a cancelled `status()` leaves the child running unless `killOnCancel(true)`.
   *
   * @example
   * const s = yield* new Command("make").arg("all").status();
   * if (!s.success) throw new Error(`make: ${s}`);
   */
  status(): CommandOutput<ExitStatus> {
    return new CommandOutput<ExitStatus>(this, false);
  }

  /** @internal spawn with the given defaults for unset streams. */
  start(stdin: Stdio, stdout: Stdio, stderr: Stdio): Child {
    const stdio: StdioOptions = [
      NODE_STDIO[this.io[0] ?? stdin],
      NODE_STDIO[this.io[1] ?? stdout],
      NODE_STDIO[this.io[2] ?? stderr],
    ];
    let env: NodeJS.ProcessEnv | undefined;
    if (this.envVars !== null) {
      env = this.clearEnv ? {} : { ...process.env };
      for (const [k, v] of this.envVars) {
        if (v === null) delete env[k];
        else env[k] = v;
      }
    }
    let cp: import("node:child_process").ChildProcess;
    try {
      cp = nodeSpawn(this.program, this.argv, { cwd: this.dir, env, stdio });
    } catch (error) {
      throw IoError.from(error, `spawn ${this.program}`, { path: this.program });
    }
    return new Child(cp, this.program, this.kill);
  }

  /** @internal */
  get killsOnCancel(): boolean {
    return this.kill;
  }
}

/**
 * The future of `Command.output()` (an {@link Output}) and `Command.status()` (an `ExitStatus`).
 * The process is spawned at the first poll; stdout, stderr and the exit are awaited together, so a
 * child that fills one pipe while the other is being read cannot deadlock.
 *
 * Cancel safety: see `Command.output` and `Command.status`.
 *
 * @example
 * const f: CommandOutput = new Command("ls").output();
 */
export class CommandOutput<T = Output> extends FutureBase<T> {
  private child: Child | null = null;
  private out: ReadToEnd | null = null;
  private err: ReadToEnd | null = null;
  private wait: ChildWait | null = null;
  private stdoutBytes: Uint8Array = EMPTY;
  private stderrBytes: Uint8Array = EMPTY;
  private status: ExitStatus | null = null;

  /** @internal */
  constructor(
    private readonly command: Command,
    private readonly capture: boolean,
  ) {
    super();
  }

  poll(cx: Context): Poll<T> {
    let child = this.child;
    if (child === null) {
      child = this.child = this.capture
        ? this.command.start("null", "piped", "piped")
        : this.command.start("inherit", "inherit", "inherit");
      // A child that could not be started has no pid: only its wait() matters (it throws the
      // spawn error); its pipes were destroyed and would report a less useful error first.
      if (child.id !== undefined) {
        if (child.stdout !== null) this.out = child.stdout.readToEnd({ limit: Number.POSITIVE_INFINITY });
        if (child.stderr !== null) this.err = child.stderr.readToEnd({ limit: Number.POSITIVE_INFINITY });
      }
      this.wait = child.wait();
    }
    let pending = false;
    if (this.out !== null) {
      const r = this.out.poll(cx);
      if (r === PENDING) pending = true;
      else {
        this.stdoutBytes = r;
        this.out = null;
      }
    }
    if (this.err !== null) {
      const r = this.err.poll(cx);
      if (r === PENDING) pending = true;
      else {
        this.stderrBytes = r;
        this.err = null;
      }
    }
    if (this.status === null) {
      const r = this.wait!.poll(cx);
      if (r === PENDING) pending = true;
      else this.status = r;
    }
    if (pending) return PENDING;
    const status = this.status!;
    if (!this.capture) return status as T;
    return { status, stdout: this.stdoutBytes, stderr: this.stderrBytes } as T;
  }

  override cancel(): void {
    const child = this.child;
    if (child === null || this.status !== null) return;
    this.out?.cancel();
    this.err?.cancel();
    this.wait?.cancel();
    child.stdout?.close();
    child.stderr?.close();
    child.stdin?.close();
    if (this.command.killsOnCancel) child.kill("SIGKILL");
  }

  override describe(): string {
    return `${this.capture ? "output" : "status"} of ${this.command.program}`;
  }
}

const EMPTY = new Uint8Array(0);
