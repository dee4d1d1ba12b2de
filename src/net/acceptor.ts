/**
 * `Acceptor`: the accept queue shared by `TcpListener` and `UnixListener`, and the lazy `bind`.
 *
 * Node accepts connections by itself, whenever libuv sees them, and there is no way to tell it to
 * stop accepting for a while. So accepted connections wait in a queue until a task calls
 * `accept()`: that is what makes `accept` cancel-safe (a connection that arrives while nobody
 * awaits, or while the accepting future is being cancelled, is kept for the next `accept`). The
 * queue is bounded by `backlog` (default 1024, also passed to `listen` for the kernel's own queue);
 * a connection beyond it is closed at once and counted in `droppedConnections`, which is what the
 * kernel does when its backlog overflows. Queued connections are paused (`pauseOnConnect`): no
 * byte is read from them before a task owns and reads them.
 */
import { createServer, type ListenOptions, type Server, type Socket } from "node:net";
import { FutureBase } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { IoError } from "../io/error.js";
import { Readiness } from "../io/registration.js";

/**
 * Default `backlog` of a listener: connections accepted by Node and not yet by a task (beyond it
 * new connections are closed and counted). Also the kernel's listen backlog.
 *
 * @example
 * yield* TcpListener.bind(addr, { backlog: 4 * DEFAULT_BACKLOG });
 */
export const DEFAULT_BACKLOG = 1024;

const BINDING = 0;
const LISTENING = 1;
const CLOSED = 2;

/** @internal validate the `backlog` option. */
export function checkBacklog(value: unknown, what: string): number {
  if (value === undefined) return DEFAULT_BACKLOG;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new IoError(
      "InvalidInput",
      `${what}: backlog must be a positive integer (queued connections); got ${String(value)}. The default is ${DEFAULT_BACKLOG}.`,
    );
  }
  return value;
}

/** @internal the server, its accept queue and its one accept waiter. */
export class Acceptor<S extends { close(): void }> {
  readonly server: Server;
  private queue: S[] = [];
  private head = 0;
  private state = BINDING;
  private error: IoError | null = null;
  private readonly ready = new Readiness();
  /** Connections closed because the queue was full. */
  dropped = 0;

  constructor(
    private readonly make: (socket: Socket) => S,
    readonly backlog: number,
    readonly target: string,
    private readonly kind: string,
  ) {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
    this.server = server;
    server.on("connection", this.onConnection);
    server.on("error", this.onError);
    server.on("listening", this.onListening);
  }

  listen(options: ListenOptions): void {
    this.server.listen({ ...options, backlog: this.backlog });
  }

  /** Accept on an already listening socket (see `TcpListener.fromFd`). */
  listenFd(fd: number): void {
    this.server.listen({ fd });
  }

  private readonly onListening = (): void => {
    if (this.state !== BINDING) return;
    this.state = LISTENING;
    this.ready.wake();
  };

  private readonly onConnection = (socket: Socket): void => {
    if (this.state === CLOSED || this.queue.length - this.head >= this.backlog) {
      this.dropped++;
      socket.on("error", swallow);
      socket.destroy();
      return;
    }
    this.queue.push(this.make(socket));
    this.ready.wake();
  };

  private readonly onError = (err: Error): void => {
    if (this.error === null) {
      this.error = IoError.from(err, this.state === BINDING ? "bind" : "accept", { address: this.target });
    }
    this.ready.wake();
  };

  /** Ready once listening; throws the bind error (AddrInUse, ...). */
  pollBound(cx: Context): Poll<void> {
    if (this.state === LISTENING) return;
    if (this.error !== null) throw this.error;
    if (this.state === CLOSED) throw this.closedError();
    this.ready.register(cx);
    return PENDING;
  }

  pollAccept(cx: Context): Poll<S> {
    const queue = this.queue;
    if (this.head < queue.length) {
      const s = queue[this.head]!;
      queue[this.head++] = undefined as unknown as S;
      if (this.head === queue.length) {
        queue.length = 0;
        this.head = 0;
      } else if (this.head > 64 && this.head * 2 > queue.length) {
        queue.splice(0, this.head);
        this.head = 0;
      }
      return s;
    }
    if (this.state === CLOSED) throw this.closedError();
    if (this.error !== null) {
      // An accept error (EMFILE, ...) is reported once; the listener keeps listening.
      const e = this.error;
      this.error = null;
      throw e;
    }
    this.ready.register(cx);
    return PENDING;
  }

  cancel(): void {
    this.ready.clear();
  }

  get queued(): number {
    return this.queue.length - this.head;
  }

  get isClosed(): boolean {
    return this.state === CLOSED;
  }

  close(): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    const server = this.server;
    server.off("connection", this.onConnection);
    server.off("listening", this.onListening);
    // 'error' stays: a late error from closing must not crash the process.
    server.close();
    for (let i = this.head; i < this.queue.length; i++) this.queue[i]!.close();
    this.queue = [];
    this.head = 0;
    this.ready.wake();
  }

  private closedError(): IoError {
    return new IoError("Other", `${this.kind} is closed: close() (or disposal with \`using\`) ended it`, {
      address: this.target,
    });
  }
}

function swallow(): void {}

/** @internal `bind` as a lazy future: `listen` at the first poll, ready when listening. */
export class BindFuture<S extends { close(): void }, L> extends FutureBase<L> {
  private acceptor: Acceptor<S> | null = null;
  private done = false;

  constructor(
    private readonly start: () => Acceptor<S>,
    private readonly wrap: (acceptor: Acceptor<S>) => L,
    private readonly what: string,
  ) {
    super();
  }

  poll(cx: Context): Poll<L> {
    if (this.done) throw new Error(`${this.what} future polled after it completed or was cancelled`);
    let acceptor = this.acceptor;
    if (acceptor === null) acceptor = this.acceptor = this.start();
    try {
      if (acceptor.pollBound(cx) === PENDING) return PENDING;
    } catch (e) {
      this.done = true;
      this.acceptor = null;
      acceptor.close();
      throw e;
    }
    this.done = true;
    this.acceptor = null;
    return this.wrap(acceptor);
  }

  override cancel(): void {
    this.done = true;
    const acceptor = this.acceptor;
    this.acceptor = null;
    if (acceptor !== null) {
      acceptor.cancel();
      acceptor.close();
    }
  }

  override describe(): string {
    return this.what;
  }
}

/** @internal `accept()` as a future over an acceptor, mapping the stream to `[stream, addr]`. */
export class AcceptFuture<S extends { close(): void }, A> extends FutureBase<[S, A]> {
  constructor(
    private readonly acceptor: Acceptor<S>,
    private readonly addrOf: (stream: S) => A,
  ) {
    super();
  }

  poll(cx: Context): Poll<[S, A]> {
    const s = this.acceptor.pollAccept(cx);
    if (s === PENDING) return PENDING;
    return [s, this.addrOf(s)];
  }

  override cancel(): void {
    this.acceptor.cancel();
  }

  override describe(): string {
    return `accept() on ${this.acceptor.target}`;
  }
}
