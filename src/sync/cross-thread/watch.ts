/**
 * A watch channel whose ends can live on different threads' runtimes: one value, the latest,
 * with a version.
 *
 * - Transport: one MessagePort pair per receiver handle. A receiver `clone()` opens a new pair and
 *   hands one end to the sender through its own connection; the sender answers with its current
 *   value, so the clone starts from what the sender has.
 * - Batching: only the latest value matters, so however many sends happen during one drain, each
 *   receiver gets one post (`[version, value]`) after it. Receivers keep the highest version they
 *   were sent and ignore older ones.
 * - Closing: the sender's `close()` posts CLOSED and closes its ports (a sender thread that dies
 *   closes them too): `changed()` throws `RecvError` once every value was seen. A receiver's
 *   `close()` closes its connection; `send` throws `SendError` once no receiver is left.
 */
import { FutureBase } from "../../future/future.js";
import { type Context, PENDING, type Poll } from "../../future/poll.js";
import { registerWire, WIRE, type Wired } from "../../runtime/cores/wire.js";
import { RecvError, SendError } from "../errors.js";
import { type FanOutConn, FanOutReceiver, FanOutSender } from "./fan-out.js";
import { MODULE_URL, type Port, portPair } from "./shared.js";

/**
 * The sending half of a cross-thread {@link watch}. Same API as `WatchSender` for the common
 * parts: `send`, `sendReplace`, `borrow`, `receiverCount`, `close`, `using`. Pass it to
 * `spawnOn`/`spawnAnywhere` to move it to that runtime.
 *
 * @example
 * const [tx, rx] = crossThread.watch({ level: "info" });
 * spawnAnywhere(SERVE, rx.clone()); // each worker follows the configuration
 * tx.send({ level: "debug" });
 */
export class ThreadWatchSender<T> extends FanOutSender {
  /** @internal use {@link watch}. */
  constructor(
    private value: T,
    private version: number,
    ports: readonly Port[],
  ) {
    super("ThreadWatchSender");
    for (const p of ports) this.addConn(p);
  }

  /**
   * Make `value` the current value; every receiver sees it (or a later one) after this drain.
   * Throws `SendError` (carrying the value) when no receiver is left; `sendReplace` updates anyway.
   */
  send(value: T): void {
    this.live("send()");
    if (this.conns.length === 0) {
      throw new SendError(
        value,
        "watch send with no receiver left (value in error.value); use sendReplace() to update anyway",
      );
    }
    this.publish(value);
  }

  /** Replace the value whether or not anyone listens; returns the old one. */
  sendReplace(value: T): T {
    this.live("sendReplace()");
    const old = this.value;
    this.publish(value);
    return old;
  }

  /** The current value (this thread's copy). */
  borrow(): T {
    this.live("borrow()");
    return this.value;
  }

  /** @internal move to another thread (see `runtime/cores/wire.ts`). */
  [WIRE](): Wired {
    const ports = this.detach();
    return {
      kind: "crossThread.watchSender",
      module: MODULE_URL,
      data: { value: this.value, version: this.version, ports },
      transfer: ports,
    };
  }

  /** @internal A receiver's clone starts from the sender's current value. */
  protected acceptConn(port: Port): void {
    this.post(this.addConn(port));
  }

  private publish(value: T): void {
    this.value = value;
    this.version++;
    this.schedule();
  }

  /** @internal */
  protected flush(): void {
    this.scheduled = false;
    for (const c of this.conns) this.post(c);
  }

  private post(conn: FanOutConn): void {
    try {
      conn.port.postMessage([this.version, this.value]);
    } catch (error) {
      throw new TypeError(
        `crossThread.watch: the value could not be sent to another thread (structured clone failed: ${
          (error as Error)?.message ?? String(error)
        }). Send plain data.`,
        { cause: error },
      );
    }
  }
}

/**
 * The receiving half of a cross-thread {@link watch}. Same API as `WatchReceiver` for the common
 * parts: `changed`, `borrow`, `borrowAndUpdate`, `hasChanged`, `clone`, `close`, `using`.
 */
export class ThreadWatchReceiver<T> extends FanOutReceiver {
  /** @internal use {@link watch} or `clone()`. */
  constructor(
    port: Port,
    private value: T,
    private version: number,
    private seen: number,
    senderClosed: boolean,
  ) {
    super(port, "ThreadWatchReceiver", senderClosed);
  }

  /** @internal */
  protected receive(m: unknown): boolean {
    const [version, value] = m as [number, T];
    if (version <= this.version) return false;
    this.version = version;
    this.value = value;
    return true;
  }

  /** The latest value this thread received, without marking it seen. */
  borrow(): T {
    this.live("borrow()");
    return this.value;
  }

  /** The latest value, marking it seen: a following `changed()` waits for a newer one. */
  borrowAndUpdate(): T {
    this.live("borrowAndUpdate()");
    this.seen = this.version;
    return this.value;
  }

  /** True when a value not seen yet is here. Throws `RecvError` once the sender closed. */
  hasChanged(): boolean {
    this.live("hasChanged()");
    if (this.senderClosed) throw new RecvError("watch sender closed");
    return this.version !== this.seen;
  }

  /**
   * Wait for a value this receiver has not seen and mark it seen; throws `RecvError` when the
   * sender closed and every value was seen. Several sends may be observed as one change.
   *
   * Cancel safety: cancel-safe; nothing is marked seen unless it completes.
   */
  changed(): FutureBase<void> {
    this.live("changed()");
    return new ThreadChanged(this as ThreadWatchReceiver<unknown>);
  }

  /** @internal */
  pollChanged(cx: Context): Poll<void> {
    if (this.version !== this.seen) {
      this.seen = this.version;
      this.unpark();
      return undefined;
    }
    if (this.senderClosed || this.closed) {
      this.unpark();
      throw new RecvError("watch sender closed");
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

  /**
   * Another receiver of the same channel, with its own connection (the sender learns of it
   * through this one): keep one per thread.
   */
  clone(): ThreadWatchReceiver<T> {
    this.live("clone()");
    return new ThreadWatchReceiver<T>(
      this.connectClone(),
      this.value,
      this.version,
      this.seen,
      this.senderClosed,
    );
  }

  /** @internal move to another thread (see `runtime/cores/wire.ts`). */
  [WIRE](): Wired {
    this.detach("changed()");
    return {
      kind: "crossThread.watchReceiver",
      module: MODULE_URL,
      data: {
        port: this.port,
        value: this.value,
        version: this.version,
        seen: this.seen,
        senderClosed: this.senderClosed,
      },
      transfer: [this.port],
    };
  }

  /** @internal */
  protected override live(what: string): void {
    super.live(what);
    if (this.closed) throw new Error(`ThreadWatchReceiver.${what} after close().`);
  }
}

class ThreadChanged extends FutureBase<void> {
  constructor(private readonly rx: ThreadWatchReceiver<unknown>) {
    super();
  }

  poll(cx: Context): Poll<void> {
    return this.rx.pollChanged(cx);
  }

  override cancel(): void {
    this.rx.unpark();
  }

  override describe(): string {
    return "ThreadWatchReceiver.changed (waiting for a value from another thread)";
  }
}

/**
 * A watch channel whose ends can be passed to other runtimes (`spawnOn`/`spawnAnywhere`
 * arguments): receivers see the latest value the sender set, by structured clone, one post per
 * receiver per drain however many sends it held.
 *
 * @example
 * const [config, follow] = crossThread.watch(load());
 * for (let i = 1; i < cores; i++) spawnOn(i, SERVE, follow.clone());
 * config.send(reload()); // every runtime's changed() completes
 */
export function watch<T>(initial: T): [ThreadWatchSender<T>, ThreadWatchReceiver<T>] {
  const [a, b] = portPair();
  return [new ThreadWatchSender<T>(initial, 0, [a]), new ThreadWatchReceiver<T>(b, initial, 0, 0, false)];
}

registerWire("crossThread.watchSender", (d) => {
  const x = d as { value: unknown; version: number; ports: Port[] };
  return new ThreadWatchSender(x.value, x.version, x.ports);
});
registerWire("crossThread.watchReceiver", (d) => {
  const x = d as { port: Port; value: unknown; version: number; seen: number; senderClosed: boolean };
  return new ThreadWatchReceiver(x.port, x.value, x.version, x.seen, x.senderClosed);
});
