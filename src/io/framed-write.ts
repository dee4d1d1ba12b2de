/**
 * `FramedWrite`: frames encoded into a write buffer and written to an `AsyncWrite` (tokio-util's
 * `FramedWrite` with the `SinkExt` methods `send` and `feed`).
 *
 * HOW: `send(frame)` first makes room (if the buffer holds `backpressureBoundary` bytes or more,
 * it is written out), then encodes the frame into the buffer, then writes the buffer out and
 * flushes the writer. `feed(frame)` stops after encoding, so a batch of frames becomes few
 * writes; finish with `flush()`. `close()` flushes and shuts the writer down.
 */
import { FutureBase } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { BytesBuf } from "./bytes-buf.js";
import type { Encoder } from "./codec.js";
import { budgetLeft, spend } from "./coop.js";
import { IoError } from "./error.js";
import type { AsyncWrite } from "./traits.js";
import { checkSize, checkWriter } from "./validate.js";

/** Options of {@link FramedWrite}. */
export interface FramedWriteOptions {
  /** Buffered bytes above which `send`/`feed` write out before encoding more. Default 8 KiB. */
  backpressureBoundary?: number;
}

/**
 * A frame sink over `writer`: `send(frame)` encodes with `encoder` and writes (with a flush),
 * `feed(frame)` encodes and writes only when the buffer is full, `flush()` writes everything out,
 * `close()` flushes and shuts the writer down.
 *
 * Cancel safety: `send`/`feed` cancelled BEFORE their first poll sent nothing. Once polled, the
 * frame is encoded into this FramedWrite's buffer (a frame is never half-encoded) and will go out
 * with the next `send`, `flush` or `close`, even if that `send` is cancelled. `flush` and `close`
 * are cancel-safe (progress is kept).
 *
 * Cost: one write buffer (grows to the largest frame); a frame is copied once into it.
 *
 * @example
 * const out = new FramedWrite(conn, new LinesCodec());
 * yield* out.send("HELLO");
 * yield* out.close();
 */
export class FramedWrite<T, W extends AsyncWrite = AsyncWrite> {
  /** Encoded bytes not yet written. */
  readonly writeBuffer = new BytesBuf();
  private readonly boundary: number;
  /** @internal */
  closed = false;

  constructor(
    /** The writer frames go to. */
    readonly inner: W,
    /** The encoder. */
    readonly encoder: Encoder<T>,
    options: FramedWriteOptions = {},
  ) {
    checkWriter("FramedWrite(writer, encoder)", inner);
    if (typeof (encoder as { encode?: unknown } | null)?.encode !== "function") {
      throw new TypeError(
        "FramedWrite(writer, encoder): the encoder must have encode(frame, dst) (an Encoder, e.g. new LinesCodec()).",
      );
    }
    this.boundary =
      options.backpressureBoundary === undefined
        ? 8 * 1024
        : checkSize("FramedWrite backpressureBoundary", options.backpressureBoundary);
  }

  /**
   * Encode `frame`, write it out and flush the writer. Waits while the writer is full.
   * Throws what the encoder throws (e.g. `FrameTooLong`; nothing is buffered then).
   *
   * Cancel safety: see the class: once polled, the frame is buffered and will be sent.
   *
   * @example
   * yield* out.send(new TextEncoder().encode("payload"));
   */
  send(frame: T): SendFrame<T> {
    return new SendFrame(this, frame, true);
  }

  /**
   * Encode `frame` into the buffer, writing out first only if the buffer is above the
   * backpressure boundary. No flush: call `flush()` after a batch.
   *
   * @example
   * for (const m of batch) yield* out.feed(m);
   * yield* out.flush();
   */
  feed(frame: T): SendFrame<T> {
    return new SendFrame(this, frame, false);
  }

  /**
   * Write every buffered byte and flush the writer. Cancel-safe.
   *
   * @example
   * yield* out.flush();
   */
  flush(): FlushFrames {
    return new FlushFrames(this, false);
  }

  /**
   * Flush, then shut the writer down (the peer reads end of stream). Later sends throw.
   * Cancel-safe: call it again to finish.
   *
   * @example
   * yield* out.close();
   */
  close(): FlushFrames {
    return new FlushFrames(this, true);
  }

  /** @internal write the buffer out until at most `keep` bytes remain. */
  pollWriteBuf(cx: Context, keep: number): Poll<void> {
    const buf = this.writeBuffer;
    const inner = this.inner;
    while (buf.length > keep) {
      if (!budgetLeft(cx)) return PENDING;
      const n = inner.pollWrite(cx, buf.chunk());
      if (n === PENDING) return PENDING;
      if (n === 0) {
        throw new IoError("WriteZero", `FramedWrite: the writer accepted 0 of ${buf.length} buffered bytes`);
      }
      spend(cx);
      buf.advance(n);
    }
    return undefined;
  }

  /** @internal */
  get boundaryBytes(): number {
    return this.boundary;
  }
}

// SendFrame phases.
const MAKE_ROOM = 0;
const FLUSHING = 1;
const FINISHED = 2;

/**
 * The future of `framedWrite.send(frame)` and `feed(frame)`.
 *
 * @example
 * const f: SendFrame<string> = out.send("hi");
 * yield* f;
 */
export class SendFrame<T> extends FutureBase<void> {
  private phase = MAKE_ROOM;
  private waiting = false;

  constructor(
    private readonly sink: FramedWrite<T>,
    private frame: T | undefined,
    private readonly flushAfter: boolean,
  ) {
    super();
  }

  poll(cx: Context): Poll<void> {
    const sink = this.sink;
    if (this.phase === MAKE_ROOM) {
      if (sink.closed) throw new IoError("BrokenPipe", "FramedWrite.send after close()");
      if (sink.pollWriteBuf(cx, sink.boundaryBytes - 1) === PENDING) return this.pending();
      const frame = this.frame as T;
      this.frame = undefined;
      this.phase = FINISHED; // if encode throws, the future is over
      sink.encoder.encode(frame, sink.writeBuffer);
      if (!this.flushAfter) return this.ready();
      this.phase = FLUSHING;
    }
    if (this.phase === FLUSHING) {
      if (sink.pollWriteBuf(cx, 0) === PENDING) return this.pending();
      if (sink.inner.pollFlush(cx) === PENDING) return this.pending();
      return this.ready();
    }
    throw new Error("FramedWrite send/feed future polled after it completed; call send() again.");
  }

  private pending(): typeof PENDING {
    this.waiting = true;
    return PENDING;
  }

  private ready(): void {
    this.waiting = false;
    this.phase = FINISHED;
  }

  override cancel(): void {
    this.frame = undefined;
    this.phase = FINISHED;
    if (this.waiting) {
      this.waiting = false;
      this.sink.inner.cancelWrite?.();
    }
  }

  override describe(): string {
    return "FramedWrite.send()";
  }
}

/**
 * The future of `framedWrite.flush()` and `close()`.
 *
 * @example
 * const f: FlushFrames = out.flush();
 * yield* f;
 */
export class FlushFrames extends FutureBase<void> {
  private waiting = false;

  constructor(
    private readonly sink: FramedWrite<unknown>,
    private readonly close: boolean,
  ) {
    super();
  }

  poll(cx: Context): Poll<void> {
    const sink = this.sink;
    if (sink.pollWriteBuf(cx, 0) === PENDING) return this.pending();
    if (this.close) {
      sink.closed = true;
      if (sink.inner.pollShutdown(cx) === PENDING) return this.pending();
    } else if (sink.inner.pollFlush(cx) === PENDING) {
      return this.pending();
    }
    this.waiting = false;
    return undefined;
  }

  private pending(): typeof PENDING {
    this.waiting = true;
    return PENDING;
  }

  override cancel(): void {
    if (this.waiting) {
      this.waiting = false;
      this.sink.inner.cancelWrite?.();
    }
  }

  override describe(): string {
    return this.close ? "FramedWrite.close()" : "FramedWrite.flush()";
  }
}
