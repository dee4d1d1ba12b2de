/**
 * A bounded mpsc channel whose ends can live on different threads' runtimes.
 *
 * - Transport: one MessagePort pair per sender handle (a connection). A sender `clone()` opens a
 *   new connection and hands its receiving port to the receiver through its own connection, ahead
 *   of anything it sends later, so the receiver always knows a connection before that connection
 *   can close. Each connection is FIFO, so values from one sender arrive in send order.
 * - Batching: values sent during one drain go in one post per connection (a microtask queued by
 *   the first send flushes them right after the drain), because a post costs both threads several
 *   microseconds whatever it carries.
 * - Capacity: one Int32 in a SharedArrayBuffer counts free slots. A sender takes a slot with a
 *   compare-and-swap (no message), the receiver gives it back with an add when it takes a value,
 *   so the channel never holds more than `capacity` values, sent or in flight, across all senders.
 *   A sender that finds no slot sets DEMAND on its connection and sleeps; the receiver answers with
 *   WAKE as soon as a slot is free (at once if one already is), and only then: a peer is woken only
 *   when it sleeps.
 * - Closing: a sender's `close()` sends CLOSE behind its last values; the receiver returns `END`
 *   once every connection closed and its buffer is empty. A sender thread that dies closes its
 *   ports, which closes the connection too. The receiver's `close()` sets a shared flag: later
 *   sends throw `SendError`; a sender that took a slot just before checks the flag again after, and
 *   gives the slot back, so the receiver knows no value is in flight once all slots are free.
 * - Liveness: ports are `unref`'d except while a task waits on them, and a waiting task counts as
 *   a wake source of its runtime.
 */
import { EMPTY, type Empty, END, type End } from "../../future/end.js";
import { FutureBase } from "../../future/future.js";
import { type Context, PENDING, type Poll } from "../../future/poll.js";
import { registerWire, WIRE, type Wired } from "../../runtime/cores/wire.js";
import { Parked } from "../../task/parked.js";
import { SendError } from "../errors.js";
import { checkCapacity, MODULE_URL, movedEnd, type Port, portPair } from "./shared.js";

/** Shared Int32 slots. */
const AVAILABLE = 0;
const RX_CLOSED = 1;

/** Flags of a sender → receiver post `[values, flags, newPorts]`. */
const DEMAND = 1;
const CLOSE = 2;
/** A slot was given back after the receiver closed: look at the free count again. */
const NUDGE = 4;
/** Receiver → sender post: a slot is free, or the receiver closed. */
const WAKE = 1;

type Batch = [unknown[], number, Port[] | null];

/**
 * The sending half of a cross-thread {@link channel}. Same API as `mpsc.Sender` for sending:
 * `send`, `trySend`, `clone`, `close`, `isClosed`, `using`. Pass it to `spawnOn`/`spawnAnywhere` as
 * an argument to move it to that runtime (clone it first to keep one here); a task that received
 * it closes it when it ends.
 *
 * @example
 * const [tx, rx] = crossThread.channel<number>(64);
 * const producer = spawnOn(1, PRODUCE, tx, 1_000); // tx moves to worker runtime 1
 * for (let v = yield* rx.recv(); v !== END; v = yield* rx.recv()) total += v;
 */
export class ThreadSender<T> {
  private readonly state: Int32Array;
  private values: T[] = [];
  private flags = 0;
  private newPorts: Port[] | null = null;
  private scheduled = false;
  private waiters: ThreadSend<T>[] = [];
  private demanding = false;
  private open = true;
  private moved = false;

  /** @internal use {@link channel}. */
  constructor(
    private readonly port: Port,
    private readonly shared: SharedArrayBuffer,
  ) {
    this.state = new Int32Array(shared);
    port.on("message", this.onMessage);
    port.unref();
  }

  /**
   * Send `value`, waiting while the channel holds `capacity` values. Throws `SendError` (carrying
   * the value) once the receiver closed. The value goes by structured clone when the current drain
   * ends, batched with every other value this handle sent in it.
   *
   * Cancel safety: cancelled before it completes, the value was not sent.
   *
   * @example
   * yield* tx.send({ id: 1 });
   */
  send(value: T): FutureBase<void> {
    if (!this.open) throw this.closedHandle("send()");
    return new ThreadSend(this, value);
  }

  /**
   * Send without waiting: true if sent, false if the channel is full. Throws `SendError` once the
   * receiver closed.
   *
   * @example
   * if (!tx.trySend(sample)) dropped++;
   */
  trySend(value: T): boolean {
    if (!this.open) throw this.closedHandle("trySend()");
    if (Atomics.load(this.state, RX_CLOSED) !== 0) throw new SendError(value);
    const took = this.take();
    if (took === 1) this.push(value);
    else if (took === -1) throw new SendError(value);
    return took === 1;
  }

  /**
   * Another sender of the same channel, with its own connection: keep one per producer thread.
   *
   * @example
   * spawnOn(1, PRODUCE, tx.clone());
   * spawnOn(2, PRODUCE, tx.clone());
   * tx.close();
   */
  clone(): ThreadSender<T> {
    if (!this.open) throw this.closedHandle("clone()");
    const [port1, port2] = portPair();
    (this.newPorts ??= []).push(port2);
    this.schedule();
    return new ThreadSender<T>(port1, this.shared);
  }

  /**
   * Close this handle: the receiver ends (`recv()` returns `END` after the values sent) once every
   * sender handle is closed. Idempotent. A task that received this end as an argument closes it
   * when it ends; `using tx = ...` closes it at scope exit.
   */
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.flags |= CLOSE;
    this.flush();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** True once the receiver closed: sends fail. */
  isClosed(): boolean {
    return Atomics.load(this.state, RX_CLOSED) !== 0;
  }

  /** @internal move to another thread (see `runtime/cores/wire.ts`). */
  [WIRE](): Wired {
    if (!this.open) throw this.closedHandle("passing it to another runtime");
    if (this.waiters.length > 0) {
      throw new Error(
        "a ThreadSender cannot move to another runtime while a send() on it is waiting; clone() it and pass the clone.",
      );
    }
    this.flush();
    this.port.off("message", this.onMessage);
    this.open = false;
    this.moved = true;
    return {
      kind: "crossThread.sender",
      module: MODULE_URL,
      data: { port: this.port, shared: this.shared },
      transfer: [this.port],
    };
  }

  /** @internal take a slot: 1 taken, 0 full, -1 the receiver closed. */
  take(): number {
    const s = this.state;
    for (;;) {
      const a = Atomics.load(s, AVAILABLE);
      if (a <= 0) return 0;
      if (Atomics.compareExchange(s, AVAILABLE, a, a - 1) === a) break;
    }
    if (Atomics.load(s, RX_CLOSED) !== 0) {
      // Closed while taking: give the slot back and tell the receiver, which may be counting on
      // every slot being free to end.
      Atomics.add(s, AVAILABLE, 1);
      this.flags |= NUDGE;
      this.schedule();
      return -1;
    }
    return 1;
  }

  /** @internal queue a value that holds a slot. */
  push(value: T): void {
    this.values.push(value);
    this.schedule();
  }

  /** @internal a send waits for a slot: ask the receiver for a WAKE, once. */
  wait(send: ThreadSend<T>): void {
    this.waiters.push(send);
    if (!this.demanding) {
      this.demanding = true;
      this.flags |= DEMAND;
      this.schedule();
      this.port.ref();
    }
  }

  /** @internal a waiting send was cancelled. */
  unwait(send: ThreadSend<T>): void {
    const i = this.waiters.indexOf(send);
    if (i >= 0) this.waiters.splice(i, 1);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(this.flushQueued);
  }

  private readonly flushQueued = (): void => {
    this.scheduled = false;
    this.flush();
  };

  private flush(): void {
    if (this.moved) return;
    const values = this.values;
    const flags = this.flags;
    const ports = this.newPorts;
    if (values.length === 0 && flags === 0 && ports === null) return;
    this.values = [];
    this.flags = 0;
    this.newPorts = null;
    const batch: Batch = [values, flags, ports];
    try {
      this.port.postMessage(batch, ports ?? undefined);
    } catch (error) {
      this.flushOneByOne(values, flags, ports, error);
    }
  }

  /** The batch did not clone: send what does, drop (and report) what does not, keep the slots right. */
  private flushOneByOne(values: T[], flags: number, ports: Port[] | null, error: unknown): void {
    const sendable: T[] = [];
    for (const v of values) {
      try {
        structuredClone(v);
        sendable.push(v);
      } catch {
        Atomics.add(this.state, AVAILABLE, 1);
        console.error(
          `pollux: a value sent on a cross-thread channel could not be cloned (${(error as Error)?.message}) and was dropped. ` +
            "Send plain data (objects, arrays, strings, numbers, typed arrays, Maps, Sets); functions and class instances do not cross threads.",
        );
      }
    }
    const batch: Batch = [sendable, flags | NUDGE, ports];
    this.port.postMessage(batch, ports ?? undefined);
  }

  private readonly onMessage = (flags: number): void => {
    if ((flags & WAKE) === 0) return;
    this.demanding = false;
    const waiters = this.waiters;
    this.waiters = [];
    this.port.unref();
    for (const w of waiters) {
      w.queued = false;
      w.parked.wake();
    }
  };

  private closedHandle(what: string): Error {
    if (this.moved) return movedEnd(`ThreadSender.${what}`);
    return new Error(
      `${what} on a ThreadSender handle that was closed. close() ends this handle; clone() the sender first ` +
        "if another part of the program still needs to send.",
    );
  }
}

/** The future of `ThreadSender.send`. */
class ThreadSend<T> extends FutureBase<void> {
  readonly parked = new Parked();
  private done = false;

  constructor(
    private readonly tx: ThreadSender<T>,
    private readonly value: T,
  ) {
    super();
  }

  poll(cx: Context): Poll<void> {
    if (this.done) return undefined;
    const tx = this.tx;
    const took = tx.take();
    if (took === 1) {
      this.done = true;
      this.release();
      tx.push(this.value);
      return undefined;
    }
    if (took === -1 || tx.isClosed()) {
      this.release();
      throw new SendError(this.value);
    }
    this.parked.park(cx.waker);
    // (Re-)queued after each WAKE: a waiter that lost the freed slot to another asks again.
    if (!this.queued) {
      this.queued = true;
      tx.wait(this);
    }
    return PENDING;
  }

  /** @internal in the sender's waiter list. */
  queued = false;

  private release(): void {
    if (this.queued) {
      this.queued = false;
      this.tx.unwait(this);
    }
    this.parked.unpark();
  }

  override cancel(): void {
    this.release();
  }

  override describe(): string {
    return "ThreadSender.send (channel full: waiting for the receiving thread to take a value)";
  }
}

/** One connection, as the receiver sees it. */
class Conn {
  constructor(
    readonly rx: ThreadReceiver<unknown>,
    readonly port: Port,
  ) {}
  readonly onMessage = (batch: Batch): void => this.rx.deliver(this, batch);
  readonly onClose = (): void => this.rx.dropConn(this);
}

/**
 * The receiving half of a cross-thread {@link channel}. Same API as `mpsc.Receiver`: `recv()`
 * resolves the next value or `END` once every sender closed and the buffer is drained, `tryRecv`,
 * `close`, `length`, `using`. Pass it to `spawnOn`/`spawnAnywhere` to move it to that runtime.
 *
 * @example
 * for (let v = yield* rx.recv(); v !== END; v = yield* rx.recv()) handle(v);
 */
export class ThreadReceiver<T> {
  private readonly state: Int32Array;
  private conns: Conn[] = [];
  private buffer: unknown[] = [];
  private head = 0;
  private readonly demanders = new Set<Conn>();
  private readonly parked = new Parked();
  private closed = false;
  private moved = false;

  /** @internal use {@link channel}. */
  constructor(
    private readonly shared: SharedArrayBuffer,
    readonly capacity: number,
    ports: readonly Port[],
    buffered: readonly unknown[] = [],
    demanding: readonly number[] = [],
    closed = false,
  ) {
    this.state = new Int32Array(shared);
    this.closed = closed;
    for (const v of buffered) this.buffer.push(v);
    for (const p of ports) this.addConn(p);
    for (const i of demanding) this.demanders.add(this.conns[i]!);
  }

  /**
   * The next value, or `END` once every sender closed (or the receiver closed and no value is in
   * flight) and the buffer is drained.
   *
   * Cancel safety: cancel-safe; a value is taken only by a completing `recv()`.
   */
  recv(): FutureBase<T | End> {
    if (this.moved) throw movedEnd("ThreadReceiver.recv()");
    return new ThreadRecv<T>(this as ThreadReceiver<unknown>);
  }

  /** A value if one is buffered, `END` if the channel ended, `EMPTY` otherwise. */
  tryRecv(): T | Empty | End {
    if (this.moved) throw movedEnd("ThreadReceiver.tryRecv()");
    const v = this.take();
    if (v !== EMPTY) return v as T;
    return this.ended() ? END : EMPTY;
  }

  /** Values received by this thread and not taken yet. */
  get length(): number {
    return this.buffer.length - this.head;
  }

  /**
   * Stop accepting values: sends throw `SendError` from now on; values already sent can still be
   * received, then `recv()` returns `END`. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.state, RX_CLOSED, 1);
    this.wakeDemanders();
    this.parked.wake();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** True once `close()` was called. */
  isClosed(): boolean {
    return this.closed;
  }

  /** @internal move to another thread (see `runtime/cores/wire.ts`). */
  [WIRE](): Wired {
    if (this.moved) throw movedEnd("passing a ThreadReceiver to another runtime");
    if (this.parked.waker !== null) {
      throw new Error("a ThreadReceiver cannot move to another runtime while a recv() on it is waiting.");
    }
    const conns = this.conns;
    for (const c of conns) {
      c.port.off("message", c.onMessage);
      c.port.off("close", c.onClose);
    }
    const ports = conns.map((c) => c.port);
    const demanding = conns.flatMap((c, i) => (this.demanders.has(c) ? [i] : []));
    const data = {
      shared: this.shared,
      capacity: this.capacity,
      ports,
      buffered: this.buffer.slice(this.head),
      demanding,
      closed: this.closed,
    };
    this.moved = true;
    this.conns = [];
    this.buffer = [];
    this.head = 0;
    return { kind: "crossThread.receiver", module: MODULE_URL, data, transfer: ports };
  }

  /** @internal take a buffered value (freeing its slot), or EMPTY. */
  take(): unknown {
    if (this.head === this.buffer.length) return EMPTY;
    const v = this.buffer[this.head];
    this.buffer[this.head++] = undefined;
    if (this.head === this.buffer.length) {
      this.buffer.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.buffer.length) {
      this.buffer = this.buffer.slice(this.head);
      this.head = 0;
    }
    Atomics.add(this.state, AVAILABLE, 1);
    if (this.demanders.size > 0) this.wakeDemanders();
    return v;
  }

  /** @internal no value can come any more. */
  ended(): boolean {
    return (
      this.head === this.buffer.length &&
      (this.conns.length === 0 || (this.closed && Atomics.load(this.state, AVAILABLE) >= this.capacity))
    );
  }

  /** @internal park a recv. */
  park(cx: Context): void {
    if (this.parked.park(cx.waker)) for (const c of this.conns) c.port.ref();
  }

  /** @internal the parked recv was cancelled or completed. */
  unpark(): void {
    if (this.parked.waker === null) return;
    this.parked.unpark();
    for (const c of this.conns) c.port.unref();
  }

  /** @internal a batch arrived on `conn`. */
  deliver(conn: Conn, batch: Batch): void {
    const [values, flags, ports] = batch;
    for (let i = 0; i < values.length; i++) this.buffer.push(values[i]);
    if (ports !== null) for (const p of ports) this.addConn(p);
    if ((flags & DEMAND) !== 0) {
      if (Atomics.load(this.state, AVAILABLE) > 0 || this.closed) conn.port.postMessage(WAKE);
      else this.demanders.add(conn);
    }
    if ((flags & CLOSE) !== 0) this.dropConn(conn);
    else this.wakeRecv();
  }

  /** @internal a connection closed (CLOSE received, or its thread is gone). */
  dropConn(conn: Conn): void {
    const i = this.conns.indexOf(conn);
    if (i < 0) return;
    this.conns.splice(i, 1);
    this.demanders.delete(conn);
    conn.port.off("message", conn.onMessage);
    conn.port.off("close", conn.onClose);
    conn.port.close();
    this.wakeRecv();
  }

  private addConn(port: Port): void {
    const conn = new Conn(this as ThreadReceiver<unknown>, port);
    this.conns.push(conn);
    port.on("message", conn.onMessage);
    port.on("close", conn.onClose);
    if (this.parked.waker === null) port.unref();
  }

  private wakeRecv(): void {
    if (this.parked.waker === null) return;
    for (const c of this.conns) c.port.unref();
    this.parked.wake();
  }

  private wakeDemanders(): void {
    for (const c of this.demanders) c.port.postMessage(WAKE);
    this.demanders.clear();
  }
}

/** The future of `ThreadReceiver.recv`. */
class ThreadRecv<T> extends FutureBase<T | End> {
  constructor(private readonly rx: ThreadReceiver<unknown>) {
    super();
  }

  poll(cx: Context): Poll<T | End> {
    const rx = this.rx;
    const v = rx.take();
    if (v !== EMPTY) {
      rx.unpark();
      return v as T;
    }
    if (rx.ended()) {
      rx.unpark();
      return END;
    }
    rx.park(cx);
    return PENDING;
  }

  override cancel(): void {
    this.rx.unpark();
  }

  override describe(): string {
    return "ThreadReceiver.recv (waiting for a value from another thread)";
  }
}

/**
 * A bounded channel whose ends can be passed to other runtimes (`spawnOn`/`spawnAnywhere`
 * arguments): at most `capacity` values are buffered or in flight, senders wait beyond that.
 * Values go by structured clone, batched one post per drain per sender.
 *
 * Cost: per value, its clone and a share of one post; a sender waiting for room costs one message
 * each way. Use the local `mpsc.channel` between tasks of one runtime: it moves no data at all.
 *
 * @example
 * const [tx, rx] = crossThread.channel<Uint8Array>(128);
 * const h = spawnAnywhere(CHUNKS, tx, path); // the worker sends chunks as it reads them
 * for (let c = yield* rx.recv(); c !== END; c = yield* rx.recv()) hash.update(c);
 */
export function channel<T>(capacity: number): [ThreadSender<T>, ThreadReceiver<T>] {
  checkCapacity("crossThread.channel", capacity);
  const shared = new SharedArrayBuffer(8);
  Atomics.store(new Int32Array(shared), AVAILABLE, capacity);
  const [port1, port2] = portPair();
  return [new ThreadSender<T>(port1, shared), new ThreadReceiver<T>(shared, capacity, [port2])];
}

registerWire("crossThread.sender", (d) => {
  const { port, shared } = d as { port: Port; shared: SharedArrayBuffer };
  return new ThreadSender(port, shared);
});
registerWire("crossThread.receiver", (d) => {
  const x = d as {
    shared: SharedArrayBuffer;
    capacity: number;
    ports: Port[];
    buffered: unknown[];
    demanding: number[];
    closed: boolean;
  };
  return new ThreadReceiver(x.shared, x.capacity, x.ports, x.buffered, x.demanding, x.closed);
});
