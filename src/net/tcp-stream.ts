/**
 * `TcpStream`: a TCP connection (Tokio's `tokio::net::TcpStream`). The reading and writing
 * machinery lives in `SocketStream`; this file adds what is TCP-specific: `connect`, addresses and
 * `setNoDelay`.
 */
import type { Socket } from "node:net";
import type { FutureBase } from "../future/future.js";
import {
  formatHostPort,
  parseAddr,
  remoteOf,
  type SocketAddr,
  type ToSocketAddr,
  toSocketAddr,
} from "./addr.js";
import { ConnectFuture } from "./connect.js";
import { simNet } from "./sim-hook.js";
import { checkHighWaterMark, SocketStream, type StreamOptions } from "./socket-stream.js";

/**
 * Options of {@link TcpStream.connect}.
 *
 * @example
 * yield* TcpStream.connect("db:5432", { noDelay: true, readHighWaterMark: 256 * 1024 });
 */
export interface TcpConnectOptions extends StreamOptions {
  /** Disable Nagle's algorithm at once (see {@link TcpStream.setNoDelay}). Default false. */
  noDelay?: boolean;
}

/**
 * A TCP connection: read it and write it with the reader/writer futures (`read`, `readExact`,
 * `readToEnd`, `write`, `writeAll`, `flush`, `shutdown`), or hand it to `copy`, `BufReader`, codecs.
 * Get one from {@link TcpStream.connect} or `TcpListener.accept()`.
 *
 * Backpressure both ways: at most `readHighWaterMark` bytes (64 KiB by default) are read from the
 * kernel ahead of the task; `write` waits while Node's send buffer is full.
 *
 * Cancel safety: `read` is cancel-safe (unread bytes stay for the next read); `write` is
 * cancel-safe (a write that did not complete accepted nothing); `readExact` and `writeAll` are not
 * (part of the bytes may have moved), as in Tokio.
 *
 * `close()` (or leaving a `using` scope) closes it; bytes already written are still delivered.
 *
 * @example
 * using conn = yield* TcpStream.connect("127.0.0.1:7000");
 * yield* conn.writeAll(new TextEncoder().encode("ping\n"));
 * const buf = new Uint8Array(64);
 * const n = yield* conn.read(buf);
 */
export class TcpStream extends SocketStream {
  private local: SocketAddr | null = null;
  private readonly peer: SocketAddr;

  /** @internal use {@link TcpStream.connect} or `TcpListener.accept()`. */
  constructor(socket: Socket, readHighWaterMark: number) {
    const peer = remoteOf(socket);
    super(socket, formatHostPort(peer.address, peer.port), readHighWaterMark);
    this.peer = peer;
  }

  /**
   * Open a TCP connection to `addr` (`"host:port"` or `{ host, port }`; host names are resolved).
   * A lazy future: nothing happens until it is awaited. Fails with `IoError` "ConnectionRefused"
   * (nobody listens), "TimedOut", "NotFound" (unknown host) naming the address; a malformed address
   * fails with "InvalidInput" when the future is built.
   *
   * Under `pollux/test`'s network simulation (`Sim`) it connects over the in-memory network
   * instead, and opens no socket.
   *
   * Cost: one Node socket. Cancel safety: cancelling a pending connect destroys the half-open socket.
   *
   * @example
   * using conn = yield* TcpStream.connect("localhost:6379", { noDelay: true });
   */
  static connect(addr: ToSocketAddr, options: TcpConnectOptions = {}): FutureBase<TcpStream> {
    const { host, port, text } = parseAddr(addr);
    const hwm = checkHighWaterMark(options.readHighWaterMark, "TcpStream.connect");
    const noDelay = options.noDelay === true;
    const sim = simNet.backend;
    if (sim !== null) return sim.connect(host, port, text, hwm);
    return new ConnectFuture(
      { host, port, noDelay },
      text,
      (socket) => new TcpStream(socket, hwm),
      "TcpStream.connect",
    );
  }

  /**
   * The remote address.
   *
   * @example
   * console.log(`connection from ${conn.peerAddr().address}`);
   */
  peerAddr(): SocketAddr {
    return this.peer;
  }

  /**
   * The local address of this end.
   *
   * @example
   * const { port } = conn.localAddr();
   */
  localAddr(): SocketAddr {
    if (this.local === null) this.local = toSocketAddr(this.socket.address());
    return this.local;
  }

  /**
   * Disable (true, the default argument) or enable Nagle's algorithm. With it disabled, small
   * writes go out at once instead of being coalesced: lower latency for request/response
   * protocols, more packets for streams of tiny writes. Cost: one system call.
   *
   * @example
   * conn.setNoDelay(true);
   */
  setNoDelay(on = true): void {
    this.socket.setNoDelay(on);
  }
}
