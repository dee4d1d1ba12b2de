/**
 * `UnixListener`: a listening Unix domain socket (Tokio's `tokio::net::UnixListener`), with the
 * accept queue of `acceptor.ts`. The socket file is created by `bind` and removed by `close`
 * (libuv unlinks it); `bind` fails with "AddrInUse" if the path exists.
 */
import type { FutureBase } from "../future/future.js";
import { AcceptFuture, Acceptor, BindFuture, checkBacklog } from "./acceptor.js";
import { checkPath } from "./addr.js";
import { refuseUnderSim } from "./sim-hook.js";
import { checkHighWaterMark } from "./socket-stream.js";
import type { ListenerOptions } from "./tcp-listener.js";
import { type UnixSocketAddr, UnixStream } from "./unix-stream.js";

function streamAddr(stream: UnixStream): UnixSocketAddr {
  return stream.peerAddr();
}

/**
 * A Unix domain socket listening for connections; the same surface as `TcpListener`, addressed by
 * a path. `accept()` is cancel-safe (connections are queued up to `backlog`).
 *
 * @example
 * using listener = yield* UnixListener.bind("/tmp/app.sock");
 * for (;;) {
 *   const [conn] = yield* listener.accept();
 *   spawn(handle(conn));
 * }
 */
export class UnixListener {
  /** @internal */
  constructor(
    private readonly acceptor: Acceptor<UnixStream>,
    private readonly path: string,
  ) {}

  /**
   * Create the socket file at `path` and listen on it. A lazy future. Fails with `IoError`
   * "AddrInUse" if the path exists (remove a stale socket file first), "PermissionDenied",
   * "NotFound" (missing directory), naming the path.
   *
   * Cancel safety: cancelling a pending bind closes the server.
   *
   * @example
   * using listener = yield* UnixListener.bind(join(tmpdir(), "app.sock"));
   */
  static bind(path: string, options: ListenerOptions = {}): FutureBase<UnixListener> {
    const p = checkPath(path, "UnixListener.bind");
    refuseUnderSim("UnixListener.bind");
    const backlog = checkBacklog(options.backlog, "UnixListener.bind");
    const hwm = checkHighWaterMark(options.readHighWaterMark, "UnixListener.bind");
    const start = (): Acceptor<UnixStream> => {
      const acceptor = new Acceptor(
        (socket) => new UnixStream(socket, p, false, hwm),
        backlog,
        p,
        "UnixListener",
      );
      acceptor.listen({ path: p });
      return acceptor;
    };
    return new BindFuture(start, (acceptor) => new UnixListener(acceptor, p), `UnixListener.bind(${p})`);
  }

  /**
   * Wait for the next connection: `[stream, peerAddress]` (the peer is usually unnamed:
   * `{ path: null }`). Cancel-safe: connections arriving while nobody awaits are queued.
   *
   * @example
   * const [conn] = yield* listener.accept();
   */
  accept(): FutureBase<[UnixStream, UnixSocketAddr]> {
    return new AcceptFuture(this.acceptor, streamAddr);
  }

  /**
   * The path it listens on.
   *
   * @example
   * console.log(listener.localAddr().path);
   */
  localAddr(): UnixSocketAddr {
    return { path: this.path };
  }

  /**
   * Connections closed because `backlog` connections were already waiting for `accept`.
   *
   * @example
   * console.log(listener.droppedConnections);
   */
  get droppedConnections(): number {
    return this.acceptor.dropped;
  }

  /**
   * Stop listening, remove the socket file, close connections not yet accepted; a task waiting in
   * `accept` gets an `IoError`. Idempotent.
   *
   * @example
   * listener.close();
   */
  close(): void {
    this.acceptor.close();
  }

  /**
   * True after `close()`.
   *
   * @example
   * if (!listener.isClosed) listener.close();
   */
  get isClosed(): boolean {
    return this.acceptor.isClosed;
  }

  /**
   * Same as `close()`, for `using`.
   *
   * @example
   * using listener = yield* UnixListener.bind(path);
   */
  [Symbol.dispose](): void {
    this.close();
  }
}
