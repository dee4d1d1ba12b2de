/**
 * `UnixStream`: a Unix domain stream socket (Tokio's `tokio::net::UnixStream`), the same
 * reader/writer machinery as `TcpStream` over a file system path instead of an IP address.
 */
import type { Socket } from "node:net";
import type { FutureBase } from "../future/future.js";
import { checkPath } from "./addr.js";
import { ConnectFuture } from "./connect.js";
import { refuseUnderSim } from "./sim-hook.js";
import { checkHighWaterMark, SocketStream, type StreamOptions } from "./socket-stream.js";

/**
 * The address of a Unix socket: its path, or `null` for an unnamed socket (the client end of a
 * connection usually is one).
 *
 * @example
 * const [conn, addr] = yield* listener.accept(); // addr.path === null
 */
export interface UnixSocketAddr {
  readonly path: string | null;
}

/**
 * A connection over a Unix domain socket: same surface and guarantees as `TcpStream` (`read`,
 * `readExact`, `write`, `writeAll`, `flush`, `shutdown` = half-close, `close`, backpressure both
 * ways, `read`/`write` cancel-safe), addressed by a path.
 *
 * @example
 * using conn = yield* UnixStream.connect("/tmp/app.sock");
 * yield* conn.writeAll(request);
 * const reply = yield* conn.readToEnd();
 */
export class UnixStream extends SocketStream {
  /** @internal use {@link UnixStream.connect} or `UnixListener.accept()`. */
  constructor(
    socket: Socket,
    private readonly path: string,
    private readonly isClient: boolean,
    readHighWaterMark: number,
  ) {
    super(socket, path, readHighWaterMark);
  }

  /**
   * Connect to the Unix socket at `path`. A lazy future. Fails with `IoError` "NotFound" (no such
   * file) or "ConnectionRefused" (nobody listens) naming the path; an empty or non-string path
   * fails with "InvalidInput" when the future is built.
   *
   * Cancel safety: cancelling a pending connect destroys the half-open socket.
   *
   * @example
   * using conn = yield* UnixStream.connect("/run/app.sock");
   */
  static connect(path: string, options: StreamOptions = {}): FutureBase<UnixStream> {
    const p = checkPath(path, "UnixStream.connect");
    refuseUnderSim("UnixStream.connect");
    const hwm = checkHighWaterMark(options.readHighWaterMark, "UnixStream.connect");
    return new ConnectFuture(
      { path: p },
      p,
      (socket) => new UnixStream(socket, p, true, hwm),
      "UnixStream.connect",
    );
  }

  /**
   * The peer's address: the listener's path for a connecting stream; `null` (unnamed) for a
   * stream returned by `accept`.
   *
   * @example
   * console.log(conn.peerAddr().path);
   */
  peerAddr(): UnixSocketAddr {
    return { path: this.isClient ? this.path : null };
  }

  /**
   * This end's address: the listener's path for an accepted stream; `null` (unnamed) for a
   * connecting stream.
   *
   * @example
   * console.log(conn.localAddr().path);
   */
  localAddr(): UnixSocketAddr {
    return { path: this.isClient ? null : this.path };
  }
}
