/**
 * `pollux/net`: TCP, UDP and Unix domain sockets (Tokio's `tokio::net`) over Node's `net` and
 * `dgram`, with backpressure both ways.
 *
 * - `TcpListener.bind(addr)` → `accept()` → `[TcpStream, SocketAddr]`; `TcpStream.connect(addr)`.
 * - Streams are readers and writers: `read`, `readExact`, `readToEnd`, `write`, `writeAll`,
 *   `flush`, `shutdown` (half-close), and work with `copy`, `BufReader` and codecs of `pollux/io`.
 * - `UdpSocket.bind(addr)`: `sendTo`/`recvFrom`, or `connect` + `send`/`recv`.
 * - `UnixListener.bind(path)` / `UnixStream.connect(path)`: the TCP surface over a path.
 *
 * Every handle is `Disposable`: `using conn = yield* TcpStream.connect(addr)` closes it on every
 * path out of the scope, including cancellation. A task waiting on a socket counts as waiting on a
 * live wake source, so it is never reported as deadlocked. Failures are `IoError`s whose `kind` is
 * Rust's `io::ErrorKind` name ("ConnectionRefused", "ConnectionReset", "AddrInUse", ...) and whose
 * `address` names the peer.
 *
 * @example
 * using listener = yield* TcpListener.bind("127.0.0.1:7000");
 * for (;;) {
 *   const [conn] = yield* listener.accept();
 *   spawn(echo(conn));
 * }
 * function* echo(conn: TcpStream): Async<void> {
 *   using c = conn;
 *   const buf = new Uint8Array(16 * 1024);
 *   for (let n: number; (n = yield* c.read(buf)) > 0; ) yield* c.writeAll(buf.subarray(0, n));
 * }
 *
 * @module
 */

export { DEFAULT_BACKLOG } from "./acceptor.js";
export type { SocketAddr, ToSocketAddr } from "./addr.js";
export { DEFAULT_READ_HIGH_WATER_MARK, SocketStream, type StreamOptions } from "./socket-stream.js";
export { type ListenerOptions, TcpListener } from "./tcp-listener.js";
export { type TcpConnectOptions, TcpStream } from "./tcp-stream.js";
export { DEFAULT_RECV_QUEUE_BYTES, type UdpOptions, UdpSocket } from "./udp.js";
export { UnixListener } from "./unix-listener.js";
export { type UnixSocketAddr, UnixStream } from "./unix-stream.js";
