/**
 * `TcpListener`: a listening TCP socket (Tokio's `tokio::net::TcpListener`). The accept queue and
 * the lazy bind are in `acceptor.ts`.
 */
import type { FutureBase } from "../future/future.js";
import { AcceptFuture, Acceptor, BindFuture, checkBacklog } from "./acceptor.js";
import { parseAddr, type SocketAddr, type ToSocketAddr, toSocketAddr } from "./addr.js";
import { reusePortUnsupported, supportsReusePort } from "./reuse-port.js";
import { simNet } from "./sim-hook.js";
import { checkHighWaterMark, type StreamOptions } from "./socket-stream.js";
import { TcpStream } from "./tcp-stream.js";

/**
 * Options of {@link TcpListener.bind} (and `UnixListener.bind`).
 *
 * @example
 * yield* TcpListener.bind("0.0.0.0:8080", { backlog: 4096, readHighWaterMark: 16 * 1024 });
 */
export interface ListenerOptions extends StreamOptions {
  /**
   * Connections accepted by Node and not yet by a task; beyond it new connections are closed and
   * counted in `droppedConnections`. Also the kernel's listen backlog. Default 1024.
   */
  backlog?: number;
  /**
   * TCP only: set `SO_REUSEPORT`, so that listeners in other threads or processes can bind the same
   * port and the kernel spreads connections over them (one listener per worker runtime). Needs
   * Node 22.12+ or 23.1+; elsewhere it throws, naming the alternative (`listener.fd` and
   * {@link TcpListener.fromFd}). Default false.
   */
  reusePort?: boolean;
}

function streamAddr(stream: TcpStream): SocketAddr {
  return stream.peerAddr();
}

/**
 * A TCP socket listening for connections. `accept()` them in a loop, typically spawning a task per
 * connection.
 *
 * Cost: one Node server; each queued connection is one paused Node socket. `close()` (or leaving a
 * `using` scope) stops listening and closes connections not yet accepted.
 *
 * @example
 * using listener = yield* TcpListener.bind("127.0.0.1:8080");
 * for (;;) {
 *   const [conn, addr] = yield* listener.accept();
 *   spawn(handle(conn, addr));
 * }
 */
export class TcpListener {
  /** @internal */
  constructor(private readonly acceptor: Acceptor<TcpStream>) {}

  /**
   * Listen on `addr` (`"host:port"` or `{ host, port }`; port 0 lets the system pick one, see
   * {@link TcpListener.localAddr}). A lazy future, ready once listening. Fails with `IoError`
   * "AddrInUse", "PermissionDenied", "AddrNotAvailable" naming the address; a malformed address
   * fails with "InvalidInput" when the future is built.
   *
   * Cancel safety: cancelling a pending bind closes the server. Under `pollux/test`'s network
   * simulation (`Sim`) it listens on the in-memory network instead, and opens no socket.
   *
   * @example
   * using listener = yield* TcpListener.bind({ host: "0.0.0.0", port: 0 });
   * console.log(listener.localAddr().port);
   */
  static bind(addr: ToSocketAddr, options: ListenerOptions = {}): FutureBase<TcpListener> {
    const { host, port, text } = parseAddr(addr);
    const backlog = checkBacklog(options.backlog, "TcpListener.bind");
    const hwm = checkHighWaterMark(options.readHighWaterMark, "TcpListener.bind");
    const reusePort = options.reusePort ?? false;
    if (typeof reusePort !== "boolean") {
      throw new TypeError(`TcpListener.bind: reusePort must be true or false; got ${String(reusePort)}.`);
    }
    if (reusePort && !supportsReusePort()) throw reusePortUnsupported();
    const sim = simNet.backend;
    if (sim !== null) return sim.bind(host, port, text, hwm, backlog);
    const start = (): Acceptor<TcpStream> => {
      const acceptor = new Acceptor((socket) => new TcpStream(socket, hwm), backlog, text, "TcpListener");
      acceptor.listen(
        reusePort ? ({ host, port, reusePort } as { host: string; port: number }) : { host, port },
      );
      return acceptor;
    };
    return new BindFuture(start, (acceptor) => new TcpListener(acceptor), `TcpListener.bind(${text})`);
  }

  /**
   * Accept on a socket that is already listening, given its file descriptor: typically
   * `listener.fd` of a listener on the main runtime, passed to a task on a worker runtime, so that
   * every runtime accepts connections on one port (Node 20 has no `reusePort`; threads share the
   * process's descriptors). Each new connection goes to whichever thread accepts it first, so a
   * busy runtime takes fewer.
   *
   * Caveat: closing any of the listeners sharing a descriptor closes the socket for all of them
   * (libuv owns the descriptor it was given). Close them together at shutdown, the owner last,
   * and keep the owner's listener open as long as the workers accept.
   *
   * @example
   * // on a worker runtime (fd came as an argument of spawnOn):
   * using listener = yield* TcpListener.fromFd(fd);
   * for (;;) spawn(serve((yield* listener.accept())[0]));
   */
  static fromFd(fd: number, options: Omit<ListenerOptions, "reusePort"> = {}): FutureBase<TcpListener> {
    if (typeof fd !== "number" || !Number.isInteger(fd) || fd < 0) {
      throw new TypeError(
        `TcpListener.fromFd(fd): fd must be a listening socket's file descriptor (a non-negative integer, e.g. listener.fd); got ${String(fd)}.`,
      );
    }
    const backlog = checkBacklog(options.backlog, "TcpListener.fromFd");
    const hwm = checkHighWaterMark(options.readHighWaterMark, "TcpListener.fromFd");
    const text = `fd ${fd}`;
    const start = (): Acceptor<TcpStream> => {
      const acceptor = new Acceptor((socket) => new TcpStream(socket, hwm), backlog, text, "TcpListener");
      acceptor.listenFd(fd);
      return acceptor;
    };
    return new BindFuture(start, (acceptor) => new TcpListener(acceptor), `TcpListener.fromFd(${fd})`);
  }

  /**
   * The listening socket's file descriptor (POSIX), to share the socket with worker runtimes
   * through {@link TcpListener.fromFd}. Throws where there is none (Windows, a simulated network,
   * a closed listener).
   *
   * @example
   * for (let i = 1; i < cores; i++) spawnOn(i, SERVE, listener.fd);
   */
  get fd(): number {
    const handle = (this.acceptor.server as unknown as { _handle?: { fd?: number } | null })._handle;
    const fd = handle?.fd;
    if (typeof fd !== "number" || fd < 0) {
      throw new Error(
        "TcpListener.fd: this listener has no file descriptor to share (it is closed, simulated, or on Windows, " +
          "where sockets are not descriptors). Use TcpListener.bind(addr, { reusePort: true }) on Node 22.12+ instead.",
      );
    }
    return fd;
  }

  /**
   * Wait for the next connection: `[stream, peerAddress]`.
   *
   * Cancel safety: cancel-safe. Connections arriving while nobody awaits are queued (up to
   * `backlog`) for the next `accept`. Cost: a future and a pair per connection; no Node
   * listener is added per call.
   *
   * @example
   * const [conn, { address }] = yield* listener.accept();
   */
  accept(): FutureBase<[TcpStream, SocketAddr]> {
    return new AcceptFuture(this.acceptor, streamAddr);
  }

  /**
   * The address it listens on, e.g. to learn the port picked for port 0.
   *
   * @example
   * const { address, port, family } = listener.localAddr();
   */
  localAddr(): SocketAddr {
    return toSocketAddr(this.acceptor.server.address());
  }

  /**
   * Connections closed because `backlog` connections were already waiting for `accept`: nonzero
   * means the accept loop is too slow for the load.
   *
   * @example
   * if (listener.droppedConnections > 0) console.warn("accept loop falling behind");
   */
  get droppedConnections(): number {
    return this.acceptor.dropped;
  }

  /**
   * Stop listening and close the connections not yet accepted. A task waiting in `accept` is woken
   * and gets an `IoError`. Accepted streams are not affected. Idempotent.
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
   * using listener = yield* TcpListener.bind(addr);
   */
  [Symbol.dispose](): void {
    this.close();
  }
}
