/**
 * `DropGuard`: cancels a `CancellationToken` when disposed (Tokio's `DropGuard`). Rust runs the
 * guard's `Drop` when it goes out of scope; JavaScript's equivalent is `using`, which calls
 * `Symbol.dispose` on every exit path. A guard that is neither disposed nor disarmed does nothing.
 */
import type { CancellationToken } from "./cancellation-token.js";

/**
 * Cancels its token when disposed, unless disarmed first. Made by
 * `CancellationToken.dropGuard()`; declare it with `using`.
 *
 * Cost: one small object.
 *
 * @example
 * function* serveConnection(conn: TcpStream, token: CancellationToken): Async<void> {
 *   using _stop = token.dropGuard(); // the helpers below stop when this returns or throws
 *   spawn(heartbeat(conn, token.child()));
 *   yield* handleRequests(conn);
 * }
 */
export class DropGuard implements Disposable {
  private token: CancellationToken | null;

  /** @internal use `token.dropGuard()`. */
  constructor(token: CancellationToken) {
    this.token = token;
  }

  /**
   * Give the token back without cancelling it; disposing the guard afterwards does nothing.
   * Throws if the guard was already disarmed or disposed.
   *
   * @example
   * using guard = token.dropGuard();
   * yield* setup();
   * keep = guard.disarm(); // setup succeeded: the token lives on
   */
  disarm(): CancellationToken {
    const t = this.token;
    if (t === null) {
      throw new Error("DropGuard.disarm(): the guard was already disarmed or disposed; it holds no token.");
    }
    this.token = null;
    return t;
  }

  /** True until the guard is disarmed or disposed. */
  get armed(): boolean {
    return this.token !== null;
  }

  /** Cancel the token (once), unless disarmed. `using` calls this at scope exit. */
  [Symbol.dispose](): void {
    const t = this.token;
    this.token = null;
    t?.cancel();
  }
}
