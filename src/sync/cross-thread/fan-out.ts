/**
 * What the cross-thread broadcast and watch share: one MessagePort connection per receiver.
 * The sender posts what a drain sent once per receiver after it (the subclass's `flush`), opens
 * connections for receivers' clones and forgets receivers that leave; a receiver parks its task
 * until a message arrives. Either end can move to another thread.
 */

import { Parked } from "../../task/parked.js";
import { movedEnd, type Port, portPair } from "./shared.js";

/** Receiver → sender: a new connection for a clone of the receiver (the port rides along). */
export const NEW_CONN = 1;
/** Receiver → sender: this receiver is closed. */
export const CLOSE = 2;
/** Sender → receiver: the sender closed. */
export const CLOSED = -1;

/** One receiver connection, as the sender sees it. */
export class FanOutConn {
  /** Values sent during this drain, posted at its end (the broadcast's queue; watch posts its latest value). */
  values: unknown[] = [];
  constructor(
    readonly tx: FanOutSender,
    readonly port: Port,
  ) {}
  readonly onMessage = (m: [number, Port | undefined]): void => this.tx.fromReceiver(this, m);
  readonly onClose = (): void => this.tx.dropConn(this);
}

export abstract class FanOutSender {
  /** @internal */
  protected conns: FanOutConn[] = [];
  /** @internal */
  protected scheduled = false;
  /** @internal */
  protected open = true;
  private moved = false;

  /** `label`: the class name, for errors (`ThreadWatchSender.send() after close().`). */
  constructor(private readonly label: string) {}

  /** @internal Post what this drain sent to every connection. */
  protected abstract flush(): void;

  /** @internal A receiver asked for a new connection (`port`) for its clone. */
  protected abstract acceptConn(port: Port): void;

  /** Receiver connections still open, as far as this thread knows. */
  get receiverCount(): number {
    return this.conns.length;
  }

  /** Close: receivers get what was sent so far, then learn that the sender is gone. Idempotent. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    if (this.scheduled) this.flush();
    for (const c of this.conns) {
      this.unlisten(c);
      c.port.postMessage(CLOSED);
      c.port.close();
    }
    this.conns = [];
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal a message from a receiver. */
  fromReceiver(conn: FanOutConn, m: [number, Port | undefined]): void {
    if (m[0] === NEW_CONN && m[1] !== undefined) {
      if (this.open) this.acceptConn(m[1]);
      else m[1].close();
    } else if (m[0] === CLOSE) {
      this.dropConn(conn);
    }
  }

  /** @internal a receiver closed (or its thread is gone). */
  dropConn(conn: FanOutConn): void {
    const i = this.conns.indexOf(conn);
    if (i < 0) return;
    this.conns.splice(i, 1);
    this.unlisten(conn);
    conn.port.close();
  }

  /** @internal */
  protected addConn(port: Port): FanOutConn {
    const conn = new FanOutConn(this, port);
    this.conns.push(conn);
    port.on("message", conn.onMessage);
    port.on("close", conn.onClose);
    port.unref();
    return conn;
  }

  /** @internal Flush at the end of this drain (once, however many sends). */
  protected schedule(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flushQueued);
    }
  }

  private readonly flushQueued = (): void => {
    if (this.scheduled) this.flush();
  };

  /**
   * The sender moves to another thread: post what is pending, stop listening, and hand over the
   * connections' ports (to be transferred). This handle is unusable afterwards.
   * @internal
   */
  protected detach(): Port[] {
    this.live("passing it to another runtime");
    if (this.scheduled) this.flush();
    for (const c of this.conns) this.unlisten(c);
    const ports = this.conns.map((c) => c.port);
    this.conns = [];
    this.open = false;
    this.moved = true;
    return ports;
  }

  /** @internal */
  protected live(what: string): void {
    if (this.moved) throw movedEnd(`${this.label}.${what}`);
    if (!this.open) throw new Error(`${this.label}.${what} after close().`);
  }

  private unlisten(conn: FanOutConn): void {
    conn.port.off("message", conn.onMessage);
    conn.port.off("close", conn.onClose);
  }
}

/**
 * The receiving side shared by the cross-thread broadcast and watch: its connection to the
 * sender, a task parked until a message arrives, `close`, and the move to another thread.
 */
export abstract class FanOutReceiver {
  /** @internal */
  protected readonly port: Port;
  /** @internal */
  protected senderClosed: boolean;
  /** @internal */
  protected closed = false;
  private moved = false;
  /** @internal */
  protected readonly parked = new Parked();

  /** `label`: the class name, for errors. */
  constructor(
    port: Port,
    private readonly label: string,
    senderClosed: boolean,
  ) {
    this.port = port;
    this.senderClosed = senderClosed;
    port.on("message", this.onMessage);
    port.on("close", this.onClose);
    port.unref();
  }

  /** @internal A message from the sender other than CLOSED; true when a parked task should wake for it. */
  protected abstract receive(message: unknown): boolean;

  private readonly onMessage = (m: unknown): void => {
    if (m === CLOSED) this.senderClosed = true;
    else if (!this.receive(m)) return;
    this.wake();
  };

  private readonly onClose = (): void => {
    this.senderClosed = true;
    this.wake();
  };

  private wake(): void {
    if (this.parked.waker === null) return;
    this.port.unref();
    this.parked.wake();
  }

  /** Stop receiving: the sender forgets this receiver. Idempotent. */
  close(): void {
    if (this.closed || this.moved) return;
    this.closed = true;
    this.unlisten();
    if (!this.senderClosed) this.port.postMessage([CLOSE]);
    this.port.close();
    this.parked.wake();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal A new connection to the sender, for a clone of this receiver: the clone's port. */
  protected connectClone(): Port {
    const [mine, theirs] = portPair();
    if (!this.senderClosed) this.port.postMessage([NEW_CONN, theirs], [theirs]);
    return mine;
  }

  /** @internal The receiver moves to another thread (its port is transferred); `waiting` names its wait. */
  protected detach(waiting: string): void {
    this.live("passing it to another runtime");
    if (this.parked.waker !== null) {
      throw new Error(`a ${this.label} cannot move to another runtime while a ${waiting} on it is waiting.`);
    }
    this.unlisten();
    this.moved = true;
  }

  /** @internal */
  protected live(what: string): void {
    if (this.moved) throw movedEnd(`${this.label}.${what}`);
  }

  private unlisten(): void {
    this.port.off("message", this.onMessage);
    this.port.off("close", this.onClose);
  }
}
