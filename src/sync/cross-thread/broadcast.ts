/**
 * A broadcast channel whose ends can live on different threads' runtimes: every value to every
 * receiver, and a receiver that falls behind lags instead of slowing the sender.
 *
 * - Transport: one MessagePort pair per receiver. `sender.subscribe()` opens one on the sender's
 *   thread; `receiver.resubscribe()` asks the sender for one through its own connection.
 * - Batching: the values sent during one drain go to each receiver in one post.
 * - Capacity: each receiver keeps at most `capacity` unread values on its thread; when more
 *   arrive, the oldest are dropped and the next `recv()` throws `Lagged(count)`, as with the local
 *   broadcast. The sender never waits (a receiver thread that stops reading its port lets that
 *   port's queue grow, as any MessagePort does).
 * - Closing: the sender's `close()` (or its thread's end) ends every receiver after the values
 *   sent; a receiver's `close()` drops its connection, and `send` throws `SendError` once no
 *   receiver is left.
 * - The sender is one handle: it can move to another runtime, not be cloned across threads.
 */
import { EMPTY, type Empty, END, type End } from "../../future/end.js";
import { FutureBase } from "../../future/future.js";
import { type Context, PENDING, type Poll } from "../../future/poll.js";
import { registerWire, WIRE, type Wired } from "../../runtime/cores/wire.js";
import { Lagged, SendError } from "../errors.js";
import { FanOutReceiver, FanOutSender } from "./fan-out.js";
import { checkCapacity, MODULE_URL, type Port, portPair } from "./shared.js";

/**
 * The sending half of a cross-thread {@link broadcast}: `send` (never waits), `subscribe`,
 * `receiverCount`, `close`, `using`. Pass it to `spawnOn`/`spawnAnywhere` to move it.
 *
 * @example
 * const [events, rx] = crossThread.broadcast<string>(256);
 * for (let i = 1; i < cores; i++) spawnOn(i, LISTEN, events.subscribe());
 * events.send("reload");
 */
export class ThreadBroadcastSender<T> extends FanOutSender {
  /** @internal use {@link broadcast}. */
  constructor(
    readonly capacity: number,
    ports: readonly Port[],
  ) {
    super("ThreadBroadcastSender");
    for (const p of ports) this.addConn(p);
  }

  /**
   * Send `value` to every receiver (by structured clone, after this drain). Returns how many
   * receivers this thread knows of; throws `SendError` (carrying the value) when none is left.
   */
  send(value: T): number {
    this.live("send()");
    const n = this.conns.length;
    if (n === 0) {
      throw new SendError(
        value,
        "broadcast send with no receiver left: every receiver was closed (value in error.value)",
      );
    }
    for (const c of this.conns) c.values.push(value);
    this.schedule();
    return n;
  }

  /** A new receiver, here, that sees every value sent from now on. Move it with `spawnOn`. */
  subscribe(): ThreadBroadcastReceiver<T> {
    this.live("subscribe()");
    const [mine, theirs] = portPair();
    this.addConn(mine);
    return new ThreadBroadcastReceiver<T>(theirs, this.capacity);
  }

  /** @internal move to another thread (see `runtime/cores/wire.ts`). */
  [WIRE](): Wired {
    const ports = this.detach();
    return {
      kind: "crossThread.broadcastSender",
      module: MODULE_URL,
      data: { capacity: this.capacity, ports },
      transfer: ports,
    };
  }

  /** @internal */
  protected acceptConn(port: Port): void {
    this.addConn(port);
  }

  /** @internal */
  protected flush(): void {
    this.scheduled = false;
    for (const c of this.conns) {
      if (c.values.length === 0) continue;
      const values = c.values;
      c.values = [];
      try {
        c.port.postMessage(values);
      } catch (error) {
        console.error(
          `pollux: values sent on a cross-thread broadcast could not be cloned (${(error as Error)?.message}) and were dropped. ` +
            "Send plain data (objects, arrays, strings, numbers, typed arrays, Maps, Sets).",
        );
      }
    }
  }
}

/**
 * The receiving half of a cross-thread {@link broadcast}: `recv()` (the next value, `END` once
 * the sender closed and every value was read, throws `Lagged(count)` after values were dropped),
 * `tryRecv`, `resubscribe`, `close`, `length`, `using`.
 */
export class ThreadBroadcastReceiver<T> extends FanOutReceiver {
  private buffer: unknown[] = [];
  private head = 0;
  private lagged = 0;

  /** @internal use `sender.subscribe()` or `resubscribe()`. */
  constructor(
    port: Port,
    readonly capacity: number,
    buffered: readonly unknown[] = [],
    lagged = 0,
    senderClosed = false,
  ) {
    super(port, "ThreadBroadcastReceiver", senderClosed);
    for (const v of buffered) this.buffer.push(v);
    this.lagged = lagged;
  }

  /** @internal */
  protected receive(m: unknown): boolean {
    const values = m as unknown[];
    for (let i = 0; i < values.length; i++) this.buffer.push(values[i]);
    const over = this.buffer.length - this.head - this.capacity;
    if (over > 0) {
      // The oldest unread values go, as a full ring overwrites them.
      this.head += over;
      this.lagged += over;
      this.compact();
    }
    return true;
  }

  private compact(): void {
    if (this.head === this.buffer.length) {
      this.buffer.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.buffer.length) {
      this.buffer = this.buffer.slice(this.head);
      this.head = 0;
    }
  }

  /** @internal the next value, EMPTY, or END; throws Lagged. */
  take(): unknown {
    if (this.lagged > 0) {
      const n = this.lagged;
      this.lagged = 0;
      throw new Lagged(n);
    }
    if (this.head < this.buffer.length) {
      const v = this.buffer[this.head];
      this.buffer[this.head++] = undefined;
      this.compact();
      return v;
    }
    return this.senderClosed || this.closed ? END : EMPTY;
  }

  /**
   * The next value, waiting until one arrives; `END` once the sender closed and every value was
   * read. Throws `Lagged(count)` once after values were dropped (more than `capacity` unread).
   *
   * Cancel safety: cancel-safe; a value is taken only by a completing `recv()`.
   */
  recv(): FutureBase<T | End> {
    this.live("recv()");
    return new ThreadBroadcastRecv<T>(this as ThreadBroadcastReceiver<unknown>);
  }

  /** The next value without waiting: `EMPTY` if none yet, `END` once the sender closed. */
  tryRecv(): T | Empty | End {
    this.live("tryRecv()");
    return this.take() as T | Empty | End;
  }

  /** @internal */
  pollRecv(cx: Context): Poll<unknown> {
    const v = this.take();
    if (v !== EMPTY) {
      this.unpark();
      return v;
    }
    if (this.parked.park(cx.waker)) this.port.ref();
    return PENDING;
  }

  /** @internal */
  unpark(): void {
    if (this.parked.waker === null) return;
    this.port.unref();
    this.parked.unpark();
  }

  /** Values received by this thread and not read yet. */
  get length(): number {
    return this.buffer.length - this.head;
  }

  /**
   * A new receiver of the same channel that sees the values sent once the sender has registered
   * it (the request travels to the sender's thread first). Keep one per thread.
   */
  resubscribe(): ThreadBroadcastReceiver<T> {
    this.live("resubscribe()");
    return new ThreadBroadcastReceiver<T>(this.connectClone(), this.capacity, [], 0, this.senderClosed);
  }

  /** @internal move to another thread (see `runtime/cores/wire.ts`). */
  [WIRE](): Wired {
    this.detach("recv()");
    return {
      kind: "crossThread.broadcastReceiver",
      module: MODULE_URL,
      data: {
        port: this.port,
        capacity: this.capacity,
        buffered: this.buffer.slice(this.head),
        lagged: this.lagged,
        senderClosed: this.senderClosed,
      },
      transfer: [this.port],
    };
  }
}

class ThreadBroadcastRecv<T> extends FutureBase<T | End> {
  constructor(private readonly rx: ThreadBroadcastReceiver<unknown>) {
    super();
  }

  poll(cx: Context): Poll<T | End> {
    return this.rx.pollRecv(cx) as Poll<T | End>;
  }

  override cancel(): void {
    this.rx.unpark();
  }

  override describe(): string {
    return "ThreadBroadcastReceiver.recv (waiting for a value from another thread)";
  }
}

/**
 * A broadcast channel whose ends can be passed to other runtimes (`spawnOn`/`spawnAnywhere`
 * arguments): every value to every receiver, by structured clone, one post per receiver per
 * drain; a receiver more than `capacity` values behind loses the oldest and gets `Lagged`.
 *
 * @example
 * const [tx, rx] = crossThread.broadcast<string>(64);
 * spawnOn(1, LISTEN, tx.subscribe());
 * tx.send("hello");
 */
export function broadcast<T>(capacity: number): [ThreadBroadcastSender<T>, ThreadBroadcastReceiver<T>] {
  checkCapacity("crossThread.broadcast", capacity);
  const [a, b] = portPair();
  return [new ThreadBroadcastSender<T>(capacity, [a]), new ThreadBroadcastReceiver<T>(b, capacity)];
}

registerWire("crossThread.broadcastSender", (d) => {
  const x = d as { capacity: number; ports: Port[] };
  return new ThreadBroadcastSender(x.capacity, x.ports);
});
registerWire("crossThread.broadcastReceiver", (d) => {
  const x = d as { port: Port; capacity: number; buffered: unknown[]; lagged: number; senderClosed: boolean };
  return new ThreadBroadcastReceiver(x.port, x.capacity, x.buffered, x.lagged, x.senderClosed);
});
