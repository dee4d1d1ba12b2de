/**
 * `PathOp`: the leaf future behind every one-shot `pollux/fs` function (`read`, `metadata`,
 * `rename`, ...), completed from a Node callback.
 *
 * HOW: at the first poll it calls one function of Node's callback API (`fs.readFile(path, cb)`),
 * where `cb` is created once per operation; libuv runs the call on its thread pool and Node calls
 * `cb` on the event loop, which stores the result and wakes the task through a `Readiness` (so a
 * task waiting on the file system is a runtime wake source, never a deadlock). No promise is
 * made: a promise per call would cost a microtask hop and two extra objects, and this path is
 * what `fs-small` measures.
 *
 * WHY a start function and a map function instead of a subclass per operation: each call site
 * passes module-level functions (defined once, no closure per call), and one class keeps the
 * poll path monomorphic.
 *
 * Cancellation: libuv's work cannot be stopped once queued. A cancelled op drops its registration
 * and ignores its result; an op whose result is a resource (an open fd) releases it via `discard`.
 */
import { FutureBase } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { IoError } from "../io/error.js";
import { Readiness } from "../io/registration.js";
import { pollProceed } from "../task/coop.js";

const INIT = 0;
const RUNNING = 1;
const OK = 2;
const FAILED = 3;
const DROPPED = 4;
const TAKEN = 5;

/** Node's callback shape. */
export type NodeCallback = (err: NodeJS.ErrnoException | null, value?: unknown) => void;

/** @internal what a start or map function sees of an operation. */
export interface OpArgs {
  readonly what: string;
  readonly path: string;
  readonly arg: unknown;
  readonly cb: NodeCallback;
}

/**
 * The future of a one-shot `pollux/fs` operation (`read`, `metadata`, `rename`, ...): its output
 * once Node's callback has run. See the module comment for cancellation.
 *
 * @example
 * const op: PathOp<Uint8Array> = fs.read("a.bin"); // nothing runs until `yield* op`
 */
export class PathOp<T> extends FutureBase<T> implements OpArgs {
  private state = INIT;
  private value: unknown = undefined;
  private readonly readiness = new Readiness();
  /** The callback handed to Node; one per operation. */
  readonly cb: NodeCallback = (err, value) => this.complete(err, value);

  constructor(
    /** Starts the Node call with `op.cb`. Module-level, never a per-call closure. */
    private readonly startFn: (op: OpArgs) => void,
    /** What the operation is, for error messages: "read", "create directory". */
    readonly what: string,
    readonly path: string,
    /** A second argument: the data to write, the destination of a rename. */
    readonly arg: unknown,
    /** Turns Node's value into the output (may throw an IoError); null = as is. */
    private readonly mapFn: ((value: unknown, op: OpArgs) => T) | null,
    /** Releases a result nobody will take (an fd opened by a cancelled open); null = nothing. */
    private readonly discardFn: ((value: unknown) => void) | null = null,
  ) {
    super();
  }

  poll(cx: Context): Poll<T> {
    switch (this.state) {
      case INIT:
        this.state = RUNNING;
        try {
          this.startFn(this);
        } catch (error) {
          // Node validates arguments synchronously (ERR_INVALID_ARG_TYPE): same error path.
          this.state = TAKEN;
          throw IoError.from(error, this.what, { path: this.path });
        }
        if (this.state !== RUNNING) return this.poll(cx);
        this.readiness.register(cx);
        return PENDING;
      case RUNNING:
        this.readiness.register(cx);
        return PENDING;
      case OK: {
        if (!pollProceed(cx)) return PENDING;
        this.state = TAKEN;
        const v = this.value;
        this.value = undefined;
        return this.mapFn === null ? (v as T) : this.mapFn(v, this);
      }
      case FAILED:
        this.state = TAKEN;
        throw this.value;
      default:
        throw new Error(`fs ${this.what} future polled after it completed or was cancelled`);
    }
  }

  private complete(err: NodeJS.ErrnoException | null, value: unknown): void {
    if (this.state === DROPPED) {
      if (err === null && this.discardFn !== null) this.discardFn(value);
      return;
    }
    if (err !== null) {
      this.state = FAILED;
      this.value = IoError.from(err, this.what, { path: this.path });
    } else {
      this.state = OK;
      this.value = value;
    }
    this.readiness.wake();
  }

  override cancel(): void {
    if (this.state === RUNNING) this.state = DROPPED;
    else if (this.state === OK && this.discardFn !== null) {
      this.discardFn(this.value);
      this.state = TAKEN;
    }
    this.value = undefined;
    this.readiness.clear();
  }

  override describe(): string {
    return `fs.${this.what}(${this.path})`;
  }
}
