/**
 * Why awaiting a `JoinHandle` failed: the task was cancelled (`cancelled === true`) or it threw
 * (`cause` is what it threw, unchanged). A cancelled task whose `finally` threw has both.
 *
 * @example
 * try {
 *   yield* handle;
 * } catch (e) {
 *   if (e instanceof JoinError && e.cancelled) console.log("aborted");
 *   else throw e;
 * }
 */
export class JoinError extends Error {
  override readonly name = "JoinError";
  constructor(
    /** True when the task was aborted (or its runtime shut down) before it completed. */
    readonly cancelled: boolean,
    /** What the task threw; undefined for a plain cancellation. */
    override readonly cause: unknown,
    readonly taskId: number,
    readonly taskName: string | undefined,
    /**
     * True when the task was cancelled and a `finally` run by the cancellation threw `cause`
     * (which may be any value, `undefined` included).
     */
    readonly cleanupFailed: boolean = cancelled && cause !== undefined,
  ) {
    super(
      cancelled
        ? `task ${label(taskId, taskName)} was cancelled${cleanupFailed ? `, and its cleanup threw: ${messageOf(cause)}` : ""}`
        : `task ${label(taskId, taskName)} failed: ${messageOf(cause)}`,
      { cause },
    );
  }

  /** True when the task failed with an error (not a plain cancellation). */
  get isFailure(): boolean {
    return !this.cancelled;
  }
}

/** `#3 "name"` or `#3`. */
export function label(id: number, name: string | undefined): string {
  return name === undefined ? `#${id}` : `#${id} "${name}"`;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
