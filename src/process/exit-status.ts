/** `ExitStatus`: how a child process ended (Rust's `std::process::ExitStatus`). */

/**
 * How a child ended: its exit `code`, or the `signal` that killed it (then `code` is null).
 * `success` is true only for exit code 0.
 *
 * @example
 * const status = yield* new Command("make").status();
 * if (!status.success) throw new Error(`make failed: ${status}`);
 */
export class ExitStatus {
  /** True when the child exited with code 0. */
  readonly success: boolean;

  /** @internal */
  constructor(
    /** The exit code, or null when a signal ended the process. */
    readonly code: number | null,
    /** The signal that ended the process, or null when it exited. */
    readonly signal: NodeJS.Signals | null,
  ) {
    this.success = code === 0;
  }

  /** `"exit code 3"` or `"signal SIGKILL"`. */
  toString(): string {
    return this.code !== null ? `exit code ${this.code}` : `signal ${this.signal}`;
  }
}
