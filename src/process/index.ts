/**
 * `pollux/process`: child processes as futures (Tokio's `tokio::process`).
 *
 * `new Command(program)` builds a command (`arg`, `args`, `env`, `envs`, `envRemove`, `envClear`,
 * `cwd`, `stdin`/`stdout`/`stderr` as `"piped" | "inherit" | "null"`, `killOnCancel`), then:
 * - `spawn()` → `Child`: `stdin` (a writer), `stdout`/`stderr` (readers) when piped, `wait()`,
 *   `kill(signal?)`, `id`;
 * - `output()` → `{ status, stdout, stderr }` with captured bytes;
 * - `status()` → `ExitStatus { code, signal, success }`.
 *
 * Pipes have backpressure in both directions (a child writing faster than the task reads is
 * paused by the pipe, not buffered without bound). A program that does not exist is an `IoError`
 * of kind `"NotFound"` naming it. A cancelled wait leaves the child running unless
 * `killOnCancel(true)`.
 *
 * @module
 */
export { Child, ChildWait } from "./child.js";
export { Command, CommandOutput, type Output, type Stdio } from "./command.js";
export { ExitStatus } from "./exit-status.js";
export { ChildOutputPipe, ChildStderr, ChildStdin, ChildStdout } from "./stdio.js";
