/**
 * `ConnectFuture`: the lazy connect shared by `TcpStream.connect` and `UnixStream.connect`.
 *
 * The Node socket is created at the first poll (futures are lazy: building one opens nothing), in
 * the paused state so no byte is read before a task asks. While the connection is pending the
 * future's `Readiness` counts as a runtime wake source. Cancelling it destroys the half-open socket:
 * nothing is leaked, and no listener stays on a socket that nobody owns.
 */
import { type NetConnectOpts, Socket } from "node:net";
import { FutureBase } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { IoError } from "../io/error.js";
import { Readiness } from "../io/registration.js";

const IDLE = 0;
const CONNECTING = 1;
const DONE = 2;
const FAILED = 3;
const DROPPED = 4;

/** @internal */
export class ConnectFuture<S> extends FutureBase<S> {
  private state = IDLE;
  private socket: Socket | null = null;
  private error: IoError | null = null;
  private readonly ready = new Readiness();

  constructor(
    private readonly options: NetConnectOpts,
    private readonly target: string,
    private readonly make: (socket: Socket) => S,
    private readonly what: string,
  ) {
    super();
  }

  poll(cx: Context): Poll<S> {
    switch (this.state) {
      case IDLE:
        this.start();
        break;
      case DONE: {
        const socket = this.socket!;
        this.socket = null;
        this.state = DROPPED;
        socket.off("connect", this.onConnect);
        socket.off("error", this.onError);
        return this.make(socket);
      }
      case FAILED:
        this.state = DROPPED;
        throw this.error;
      case DROPPED:
        throw new Error(`${this.what} future polled after it completed or was cancelled`);
    }
    this.ready.register(cx);
    return PENDING;
  }

  private start(): void {
    this.state = CONNECTING;
    const socket = new Socket({ allowHalfOpen: true });
    this.socket = socket;
    socket.pause();
    socket.on("connect", this.onConnect);
    socket.on("error", this.onError);
    socket.connect(this.options);
  }

  private readonly onConnect = (): void => {
    if (this.state !== CONNECTING) return;
    this.state = DONE;
    this.ready.wake();
  };

  private readonly onError = (err: Error): void => {
    if (this.state !== CONNECTING) return;
    this.state = FAILED;
    this.error = IoError.from(err, "connect", { address: this.target });
    const socket = this.socket!;
    this.socket = null;
    socket.off("connect", this.onConnect);
    socket.off("error", this.onError);
    socket.destroy();
    this.ready.wake();
  };

  override cancel(): void {
    this.ready.clear();
    const socket = this.socket;
    this.state = DROPPED;
    if (socket === null) return;
    this.socket = null;
    socket.off("connect", this.onConnect);
    socket.off("error", this.onError);
    // A late error from the destroyed socket must not reach the process's uncaught handler.
    socket.on("error", swallow);
    socket.destroy();
  }

  override describe(): string {
    return `${this.what}(${this.target})`;
  }
}

function swallow(): void {}
