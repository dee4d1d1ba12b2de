/**
 * `UdpSocket` (Tokio's `tokio::net::UdpSocket`) over Node's `dgram`.
 *
 * Receiving: Node delivers every datagram as an event and has no way to stop reading a UDP socket,
 * so datagrams wait in a queue bounded in bytes (`recvQueueBytes`, default 1 MiB). A datagram that
 * does not fit is dropped and counted (`droppedDatagrams`), which is what the kernel does when its
 * receive buffer is full: UDP never promised delivery, and an unbounded queue would let a fast
 * sender exhaust memory. A datagram longer than the buffer given to `recv` is truncated (the rest is
 * discarded), as with `recv(2)`.
 *
 * Sending: `send`/`sendTo` complete when Node reports the datagram handed to the kernel, so a task
 * sending in a loop cannot pile up datagrams in Node faster than they leave. The buffer must not be
 * modified until the send completes (the future holds it).
 */
import { createSocket, type Socket as DgramSocket, type RemoteInfo } from "node:dgram";
import { isIP } from "node:net";
import { FutureBase } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { IoError } from "../io/error.js";
import { Readiness } from "../io/registration.js";
import { type HostPort, parseAddr, type SocketAddr, type ToSocketAddr, toSocketAddr } from "./addr.js";
import { refuseUnderSim } from "./sim-hook.js";

/**
 * Default `recvQueueBytes` of a UDP socket: 1 MiB of datagrams waiting for `recv`.
 *
 * @example
 * yield* UdpSocket.bind(addr, { recvQueueBytes: 8 * DEFAULT_RECV_QUEUE_BYTES });
 */
export const DEFAULT_RECV_QUEUE_BYTES = 1024 * 1024;

/**
 * Options of {@link UdpSocket.bind}.
 *
 * @example
 * yield* UdpSocket.bind("0.0.0.0:5353", { recvQueueBytes: 4 << 20 });
 */
export interface UdpOptions {
  /**
   * Bytes of received datagrams waiting for `recv`, beyond which new datagrams are dropped (and
   * counted in `droppedDatagrams`). Default 1 MiB.
   */
  recvQueueBytes?: number;
}

const BINDING = 0;
const OPEN = 1;
const CLOSED = 2;

/** @internal the state shared by the socket handle and its futures. */
class UdpCore {
  readonly socket: DgramSocket;
  state = BINDING;
  error: IoError | null = null;
  readonly ready = new Readiness(); // bind, then recv
  private msgs: Buffer[] = [];
  private infos: RemoteInfo[] = [];
  private head = 0;
  queuedBytes = 0;
  dropped = 0;
  connected: HostPort | null = null;
  readonly inflight = new Set<UdpOpFuture<unknown>>();

  constructor(
    readonly target: string,
    readonly limit: number,
    ipv6: boolean,
  ) {
    const socket = createSocket({ type: ipv6 ? "udp6" : "udp4" });
    this.socket = socket;
    socket.on("message", this.onMessage);
    socket.on("error", this.onError);
    socket.on("listening", this.onListening);
  }

  private readonly onListening = (): void => {
    if (this.state === BINDING) this.state = OPEN;
    this.ready.wake();
  };

  private readonly onMessage = (msg: Buffer, info: RemoteInfo): void => {
    if (this.queuedBytes + msg.length > this.limit && this.head < this.msgs.length) {
      this.dropped++;
      return;
    }
    this.msgs.push(msg);
    this.infos.push(info);
    this.queuedBytes += msg.length;
    this.ready.wake();
  };

  private readonly onError = (err: Error): void => {
    const e = IoError.from(err, this.state === BINDING ? "bind" : "UDP socket IO", { address: this.target });
    if (this.state === BINDING) this.error = e;
    else if (this.error === null) this.error = e;
    this.ready.wake();
  };

  pollBound(cx: Context): Poll<void> {
    if (this.state === OPEN) return;
    if (this.error !== null) throw this.error;
    if (this.state === CLOSED) throw this.closedError("bind");
    this.ready.register(cx);
    return PENDING;
  }

  /** Copy the next datagram into `buf`; `from` receives the sender unless null. */
  pollRecv(cx: Context, buf: Uint8Array): Poll<number> {
    if (this.head < this.msgs.length) {
      const msg = this.msgs[this.head]!;
      this.msgs[this.head] = undefined as unknown as Buffer;
      this.lastFrom = this.infos[this.head]!;
      this.infos[this.head] = undefined as unknown as RemoteInfo;
      this.head++;
      if (this.head === this.msgs.length) {
        this.msgs.length = 0;
        this.infos.length = 0;
        this.head = 0;
      } else if (this.head > 64 && this.head * 2 > this.msgs.length) {
        this.msgs.splice(0, this.head);
        this.infos.splice(0, this.head);
        this.head = 0;
      }
      this.queuedBytes -= msg.length;
      const n = msg.length < buf.length ? msg.length : buf.length;
      buf.set(n === msg.length ? msg : msg.subarray(0, n));
      return n;
    }
    if (this.state === CLOSED) throw this.closedError("recv");
    if (this.error !== null) {
      const e = this.error;
      this.error = null; // an ICMP error (ECONNREFUSED on a connected socket) is reported once
      throw e;
    }
    this.ready.register(cx);
    return PENDING;
  }

  /** Sender of the datagram last returned by `pollRecv`. */
  lastFrom: RemoteInfo | null = null;

  closedError(op: string): IoError {
    return new IoError(
      "Other",
      `${op} on a closed UdpSocket: close() (or disposal with \`using\`) ended it`,
      {
        address: this.target,
      },
    );
  }

  close(): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    const socket = this.socket;
    socket.off("message", this.onMessage);
    socket.off("listening", this.onListening);
    // 'error' stays so a late error cannot crash the process.
    try {
      socket.close();
    } catch {
      // Not bound yet: nothing to close.
    }
    this.msgs = [];
    this.infos = [];
    this.head = 0;
    this.queuedBytes = 0;
    this.ready.wake();
    for (const op of this.inflight) op.abandon(this.closedError("send"));
    this.inflight.clear();
  }
}

/** @internal bind as a lazy future. */
class UdpBindFuture extends FutureBase<UdpSocket> {
  private core: UdpCore | null = null;
  private done = false;

  constructor(
    private readonly addr: HostPort,
    private readonly limit: number,
  ) {
    super();
  }

  poll(cx: Context): Poll<UdpSocket> {
    if (this.done) throw new Error("UdpSocket.bind future polled after it completed or was cancelled");
    let core = this.core;
    if (core === null) {
      const { host, port, text } = this.addr;
      core = this.core = new UdpCore(text, this.limit, isIP(host) === 6);
      core.socket.bind({ port, address: host });
    }
    try {
      if (core.pollBound(cx) === PENDING) return PENDING;
    } catch (e) {
      this.done = true;
      this.core = null;
      core.close();
      throw e;
    }
    this.done = true;
    this.core = null;
    return new UdpSocket(core);
  }

  override cancel(): void {
    this.done = true;
    const core = this.core;
    this.core = null;
    if (core !== null) {
      core.ready.clear();
      core.close();
    }
  }

  override describe(): string {
    return `UdpSocket.bind(${this.addr.text})`;
  }
}

const OP_IDLE = 0;
const OP_WAITING = 1;
const OP_DONE = 2;
const OP_FAILED = 3;

/** @internal send, sendTo and connect: start at the first poll, complete on Node's callback. */
class UdpOpFuture<T> extends FutureBase<T> {
  private state = OP_IDLE;
  private error: IoError | null = null;
  private readonly ready = new Readiness();

  constructor(
    private readonly core: UdpCore,
    private readonly op: "send" | "sendTo" | "connect",
    private readonly buf: Uint8Array | null,
    private readonly addr: HostPort | null,
  ) {
    super();
  }

  poll(cx: Context): Poll<T> {
    switch (this.state) {
      case OP_IDLE:
        this.start();
        if ((this.state as number) === OP_WAITING) break;
        return this.poll(cx);
      case OP_DONE:
        return (this.op === "connect" ? undefined : this.buf!.length) as T;
      case OP_FAILED:
        throw this.error;
    }
    this.ready.register(cx);
    return PENDING;
  }

  private start(): void {
    const core = this.core;
    if (core.state === CLOSED) {
      this.fail(core.closedError(this.op));
      return;
    }
    this.state = OP_WAITING;
    core.inflight.add(this as UdpOpFuture<unknown>);
    try {
      if (this.op === "connect") {
        core.socket.connect(this.addr!.port, this.addr!.host, this.onDone);
      } else if (this.op === "sendTo") {
        core.socket.send(this.buf!, this.addr!.port, this.addr!.host, this.onDone);
      } else {
        if (core.connected === null) {
          throw new IoError(
            "InvalidInput",
            "UdpSocket.send() needs a connected socket: call connect(addr) first, or use sendTo(buf, addr)",
            { address: core.target },
          );
        }
        core.socket.send(this.buf!, this.onDone);
      }
    } catch (e) {
      core.inflight.delete(this as UdpOpFuture<unknown>);
      this.fail(IoError.from(e, this.op, { address: this.addr?.text ?? core.target }));
    }
  }

  private fail(e: IoError): void {
    this.state = OP_FAILED;
    this.error = e;
  }

  private readonly onDone = (err?: Error | null): void => {
    if (this.state !== OP_WAITING) return;
    this.core.inflight.delete(this as UdpOpFuture<unknown>);
    if (err) {
      this.fail(IoError.from(err, this.op, { address: this.addr?.text ?? this.core.target }));
    } else {
      this.state = OP_DONE;
      if (this.op === "connect") this.core.connected = this.addr;
    }
    this.ready.wake();
  };

  /** @internal the socket closed while this operation was in flight. */
  abandon(e: IoError): void {
    if (this.state !== OP_WAITING) return;
    this.fail(e);
    this.ready.wake();
  }

  override cancel(): void {
    // The datagram may already be on its way; only the wait is abandoned.
    this.ready.clear();
  }

  override describe(): string {
    return `UdpSocket.${this.op}(${this.addr?.text ?? this.core.connected?.text ?? ""})`;
  }
}

class RecvFuture extends FutureBase<number> {
  constructor(
    private readonly core: UdpCore,
    private readonly buf: Uint8Array,
  ) {
    super();
  }
  poll(cx: Context): Poll<number> {
    return this.core.pollRecv(cx, this.buf);
  }
  override cancel(): void {
    this.core.ready.clear();
  }
  override describe(): string {
    return `UdpSocket.recv() on ${this.core.target}`;
  }
}

class RecvFromFuture extends FutureBase<[number, SocketAddr]> {
  constructor(
    private readonly core: UdpCore,
    private readonly buf: Uint8Array,
  ) {
    super();
  }
  poll(cx: Context): Poll<[number, SocketAddr]> {
    const n = this.core.pollRecv(cx, this.buf);
    if (n === PENDING) return PENDING;
    return [n, toSocketAddr(this.core.lastFrom)];
  }
  override cancel(): void {
    this.core.ready.clear();
  }
  override describe(): string {
    return `UdpSocket.recvFrom() on ${this.core.target}`;
  }
}

function checkBuf(buf: unknown, what: string): Uint8Array {
  if (!(buf instanceof Uint8Array)) {
    throw new IoError("InvalidInput", `${what} expects a Uint8Array (or Buffer); got ${typeof buf}`);
  }
  return buf;
}

/**
 * A UDP socket. `bind` it, then either `sendTo`/`recvFrom` any peer, or `connect` it to one peer and
 * use `send`/`recv` (the kernel then filters out datagrams from anyone else).
 *
 * One task receives at a time (one waker per direction, as for every pollux IO resource); any
 * number of tasks may send. Received datagrams beyond `recvQueueBytes` (default 1 MiB) are
 * dropped and counted, as UDP does.
 *
 * Cancel safety: `recv`/`recvFrom` are cancel-safe (a datagram is taken only when the future
 * completes). Cancelling `send`/`sendTo` abandons the wait, not the datagram, which may still be
 * sent.
 *
 * @example
 * using sock = yield* UdpSocket.bind("127.0.0.1:0");
 * yield* sock.sendTo(new TextEncoder().encode("hello"), "127.0.0.1:9000");
 * const buf = new Uint8Array(1500);
 * const [n, from] = yield* sock.recvFrom(buf);
 */
export class UdpSocket {
  /** @internal use {@link UdpSocket.bind}. */
  constructor(private readonly core: UdpCore) {}

  /**
   * Bind a UDP socket to `addr` (`"host:port"` or `{ host, port }`; port 0 picks a free port; an
   * IPv6 host makes an IPv6 socket). A lazy future. Fails with `IoError` "AddrInUse", naming the
   * address; a malformed address fails with "InvalidInput" when the future is built.
   *
   * @example
   * using sock = yield* UdpSocket.bind("0.0.0.0:5353", { recvQueueBytes: 4 << 20 });
   */
  static bind(addr: ToSocketAddr, options: UdpOptions = {}): FutureBase<UdpSocket> {
    const a = parseAddr(addr);
    refuseUnderSim("UdpSocket.bind");
    const limit = options.recvQueueBytes ?? DEFAULT_RECV_QUEUE_BYTES;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new IoError(
        "InvalidInput",
        `UdpSocket.bind: recvQueueBytes must be a positive integer; got ${String(limit)}. The default is ${DEFAULT_RECV_QUEUE_BYTES}.`,
      );
    }
    return new UdpBindFuture(a, limit);
  }

  /**
   * Set the default peer: `send` goes there and only its datagrams are received. Ready when done.
   *
   * @example
   * yield* sock.connect("127.0.0.1:9000");
   * yield* sock.send(ping);
   */
  connect(addr: ToSocketAddr): FutureBase<void> {
    return new UdpOpFuture<void>(this.core, "connect", null, parseAddr(addr));
  }

  /**
   * Send one datagram to the connected peer; resolves with its length once handed to the kernel.
   * Fails with "InvalidInput" when the socket is not connected. Do not modify `buf` until it
   * completes. Cost: one Node send and one future.
   *
   * @example
   * const n = yield* sock.send(payload);
   */
  send(buf: Uint8Array): FutureBase<number> {
    return new UdpOpFuture<number>(this.core, "send", checkBuf(buf, "UdpSocket.send"), null);
  }

  /**
   * Send one datagram to `addr`; resolves with its length once handed to the kernel.
   *
   * @example
   * yield* sock.sendTo(reply, from);
   */
  sendTo(buf: Uint8Array, addr: ToSocketAddr): FutureBase<number> {
    const target = parseAddr(addr);
    return new UdpOpFuture<number>(this.core, "sendTo", checkBuf(buf, "UdpSocket.sendTo"), target);
  }

  /**
   * Receive one datagram into `buf`; resolves with its length (a longer datagram is truncated to
   * `buf.length`). Cancel-safe.
   *
   * @example
   * const n = yield* sock.recv(buf);
   */
  recv(buf: Uint8Array): FutureBase<number> {
    return new RecvFuture(this.core, checkBuf(buf, "UdpSocket.recv"));
  }

  /**
   * Receive one datagram into `buf`: `[length, sender]`. Cancel-safe.
   *
   * @example
   * const [n, from] = yield* sock.recvFrom(buf);
   * yield* sock.sendTo(buf.subarray(0, n), from); // echo
   */
  recvFrom(buf: Uint8Array): FutureBase<[number, SocketAddr]> {
    return new RecvFromFuture(this.core, checkBuf(buf, "UdpSocket.recvFrom"));
  }

  /**
   * The bound address, e.g. to learn the port picked for port 0.
   *
   * @example
   * const { port } = sock.localAddr();
   */
  localAddr(): SocketAddr {
    return toSocketAddr(this.core.socket.address());
  }

  /**
   * The connected peer, or `null` when not connected.
   *
   * @example
   * sock.peerAddr()?.port;
   */
  peerAddr(): SocketAddr | null {
    return this.core.connected === null ? null : toSocketAddr(this.core.socket.remoteAddress());
  }

  /**
   * Datagrams dropped because the receive queue was full: nonzero means the receiving task is
   * too slow for the traffic (or `recvQueueBytes` too small for its bursts).
   *
   * @example
   * if (sock.droppedDatagrams > 0) console.warn(`${sock.droppedDatagrams} datagrams dropped`);
   */
  get droppedDatagrams(): number {
    return this.core.dropped;
  }

  /**
   * Close the socket; waiting `recv` and in-flight sends fail with an `IoError`. Idempotent.
   *
   * @example
   * sock.close();
   */
  close(): void {
    this.core.close();
  }

  /**
   * True after `close()`.
   *
   * @example
   * if (!sock.isClosed) sock.close();
   */
  get isClosed(): boolean {
    return this.core.state === CLOSED;
  }

  /**
   * Same as `close()`, for `using`.
   *
   * @example
   * using sock = yield* UdpSocket.bind("127.0.0.1:0");
   */
  [Symbol.dispose](): void {
    this.close();
  }
}
