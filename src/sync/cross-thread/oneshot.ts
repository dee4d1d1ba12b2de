/**
 * A oneshot channel whose ends can be passed to other runtimes: one MessagePort pair. The value
 * is one post; a sender that closes (or whose thread dies) without sending closes its port, which
 * the receiver sees as `RecvError`. A shared flag tells the sender the receiver closed.
 */
import { FutureBase } from "../../future/future.js";
import { type Context, PENDING, type Poll } from "../../future/poll.js";
import { registerWire, WIRE, type Wired } from "../../runtime/cores/wire.js";
import { Parked } from "../../task/parked.js";
import { RecvError } from "../errors.js";
import { MODULE_URL, movedEnd, type Port, portPair } from "./shared.js";

const EMPTY_STATE = 0;
const FULL = 1;
const ABANDONED = 2;
const TAKEN = 3;

/**
 * The sending half of a cross-thread {@link oneshot}: `send(value)` once, or `close()`. Same API
 * as `OneshotSender`.
 *
 * @example
 * export function* compute(reply: ThreadOneshotSender<number>) { reply.send(42); }
 */
export class ThreadOneshotSender<T> {
  private used = false;
  private moved = false;
  private readonly flag: Int32Array;

  /** @internal use {@link oneshot}. */
  constructor(
    private readonly port: Port,
    private readonly shared: SharedArrayBuffer,
  ) {
    this.flag = new Int32Array(shared);
  }

  /**
   * Send `value` (by structured clone). Returns false when the receiver was already closed (the
   * value is dropped). A sender sends once.
   */
  send(value: T): boolean {
    if (this.moved) throw movedEnd("ThreadOneshotSender.send()");
    if (this.used) {
      throw new Error(
        "ThreadOneshotSender.send() called twice (or after close()); a oneshot carries one value.",
      );
    }
    this.used = true;
    if (Atomics.load(this.flag, 0) !== 0) {
      this.port.close();
      return false;
    }
    try {
      this.port.postMessage([value]);
    } catch (error) {
      this.used = false;
      throw new TypeError(
        `ThreadOneshotSender.send(): the value could not be cloned (${(error as Error).message}). Send plain data.`,
        { cause: error },
      );
    }
    this.port.close();
    return true;
  }

  /** Close without sending: the receiver throws `RecvError`. Idempotent; a no-op after `send`. */
  close(): void {
    if (this.used || this.moved) return;
    this.used = true;
    this.port.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** True once the receiver was closed: a value sent now would be dropped. */
  isClosed(): boolean {
    return Atomics.load(this.flag, 0) !== 0;
  }

  /** @internal */
  [WIRE](): Wired {
    if (this.used || this.moved) throw movedEnd("passing a used ThreadOneshotSender to another runtime");
    this.moved = true;
    return {
      kind: "crossThread.oneshotSender",
      module: MODULE_URL,
      data: { port: this.port, shared: this.shared },
      transfer: [this.port],
    };
  }
}

/**
 * The receiving half of a cross-thread {@link oneshot}: `yield* rx` is the value, or throws
 * `RecvError` if the sender closed (or its thread ended) without sending. Same API as
 * `OneshotReceiver`.
 */
export class ThreadOneshotReceiver<T> extends FutureBase<T> {
  private state = EMPTY_STATE;
  private value: T | undefined = undefined;
  private moved = false;
  private readonly parked = new Parked();
  private readonly flag: Int32Array;

  /** @internal use {@link oneshot}. */
  constructor(
    private readonly port: Port,
    private readonly shared: SharedArrayBuffer,
  ) {
    super();
    this.flag = new Int32Array(shared);
    port.on("message", this.onMessage);
    port.on("close", this.onClose);
    port.unref();
  }

  private readonly onMessage = (m: [T]): void => {
    if (this.state !== EMPTY_STATE) return;
    this.state = FULL;
    this.value = m[0];
    this.wake();
  };

  private readonly onClose = (): void => {
    if (this.state === EMPTY_STATE) this.state = ABANDONED;
    this.wake();
  };

  private wake(): void {
    if (this.parked.waker === null) return;
    this.port.unref();
    this.parked.wake();
  }

  poll(cx: Context): Poll<T> {
    if (this.moved) throw movedEnd("ThreadOneshotReceiver");
    switch (this.state) {
      case FULL:
        this.parked.unpark();
        return this.takeValue();
      case EMPTY_STATE:
        if (this.parked.park(cx.waker)) this.port.ref();
        return PENDING;
      case ABANDONED:
        this.parked.unpark();
        throw new RecvError();
      default:
        throw new Error("cross-thread oneshot receiver awaited again after it produced its value.");
    }
  }

  override cancel(): void {
    if (this.parked.waker !== null) this.port.unref();
    this.parked.unpark();
  }

  private takeValue(): T {
    const v = this.value as T;
    this.value = undefined;
    this.state = TAKEN;
    return v;
  }

  /** The value if it arrived, undefined if not yet; throws `RecvError` if the sender closed without one. */
  tryRecv(): T | undefined {
    if (this.state === FULL) return this.takeValue();
    if (this.state === EMPTY_STATE) return undefined;
    throw new RecvError(this.state === TAKEN ? "oneshot value was already received" : undefined);
  }

  /** Refuse the value: the sender's `send` returns false from now on. Idempotent. */
  close(): void {
    Atomics.store(this.flag, 0, 1);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal */
  [WIRE](): Wired {
    if (this.moved) throw movedEnd("passing a ThreadOneshotReceiver to another runtime");
    if (this.parked.waker !== null) {
      throw new Error("a ThreadOneshotReceiver cannot move to another runtime while a task awaits it.");
    }
    this.moved = true;
    this.port.off("message", this.onMessage);
    this.port.off("close", this.onClose);
    return {
      kind: "crossThread.oneshotReceiver",
      module: MODULE_URL,
      data: { port: this.port, shared: this.shared, state: this.state, value: this.value },
      transfer: [this.port],
    };
  }

  override describe(): string {
    return "ThreadOneshotReceiver (waiting for a value from another thread)";
  }
}

/**
 * A oneshot channel whose ends can be passed to other runtimes (`spawnOn`/`spawnAnywhere`
 * arguments): one value by structured clone.
 *
 * @example
 * const [reply, answer] = crossThread.oneshot<number>();
 * spawnAnywhere(COMPUTE, reply);
 * console.log(yield* answer);
 */
export function oneshot<T>(): [ThreadOneshotSender<T>, ThreadOneshotReceiver<T>] {
  const shared = new SharedArrayBuffer(4);
  const [port1, port2] = portPair();
  return [new ThreadOneshotSender<T>(port1, shared), new ThreadOneshotReceiver<T>(port2, shared)];
}

registerWire("crossThread.oneshotSender", (d) => {
  const { port, shared } = d as { port: Port; shared: SharedArrayBuffer };
  return new ThreadOneshotSender(port, shared);
});
registerWire("crossThread.oneshotReceiver", (d) => {
  const x = d as { port: Port; shared: SharedArrayBuffer; state: number; value: unknown };
  const rx = new ThreadOneshotReceiver(x.port, x.shared);
  if (x.state === FULL) (rx as unknown as { state: number; value: unknown }).state = FULL;
  if (x.state === FULL) (rx as unknown as { value: unknown }).value = x.value;
  return rx;
});
