/**
 * The child's pipes as pollux readers and writers: `ChildStdout`/`ChildStderr` (an `AsyncRead` over
 * the Node `Readable` end of a pipe) and `ChildStdin` (an `AsyncWrite` over the `Writable` end).
 *
 * Backpressure, reading: the stream is kept in paused mode and only `read()` pulls data; Node stops
 * reading the pipe once its buffer reaches the high-water mark (64 KiB for pipes), so a child that
 * writes faster than the task reads blocks in its `write`, as with Tokio. A task that finds nothing
 * waits on a `Readiness` woken by the stream's `readable`/`end`/`error` events.
 *
 * Backpressure, writing: `pollWrite` accepts bytes (copied: Node keeps the chunk until it is
 * written, and the caller may reuse its buffer) only while Node's buffer is below its high-water
 * mark; otherwise it waits for `drain`. `flush` waits until every accepted chunk was handed to the
 * pipe, `shutdown` ends the stream and waits for `finish`.
 *
 * The event listeners are created once per pipe; nothing is allocated per poll except the copy of
 * written bytes.
 */
import type { Readable, Writable } from "node:stream";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { AsyncReadBase, AsyncWriteBase } from "../io/async-io.js";
import { IoError } from "../io/error.js";
import { Readiness } from "../io/registration.js";

/** Most bytes one `pollWrite` accepts: bounds the copy. */
const MAX_WRITE = 64 * 1024;

/**
 * A readable pipe from the child: its stdout (`ChildStdout`) or stderr (`ChildStderr`). Read it
 * with the `pollux/io` futures: `read`, `readExact`, `readToEnd`, `readToString`. End of stream
 * (`0` from `read`) means the child closed the pipe, usually by exiting.
 *
 * Cancel safety: `read` is cancel-safe; bytes not returned stay for the next read.
 *
 * @example
 * const child = new Command("ls").stdout("piped").spawn();
 * const listing = yield* child.stdout!.readToString();
 */
export class ChildOutputPipe extends AsyncReadBase {
  private leftover: Buffer | null = null;
  private ended = false;
  private error: IoError | null = null;
  private readonly readiness = new Readiness();
  private readonly onReadable = (): void => this.readiness.wake();
  private readonly onEnd = (): void => {
    this.ended = true;
    this.readiness.wake();
  };
  private readonly onError = (err: Error): void => {
    this.error = IoError.from(err, `read ${this.name}`, { path: this.program });
    this.readiness.wake();
  };

  /** @internal created by `Command.spawn`. */
  constructor(
    private readonly stream: Readable,
    /** "stdout" or "stderr". */
    readonly name: string,
    private readonly program: string,
  ) {
    super();
    stream.on("readable", this.onReadable);
    stream.on("end", this.onEnd);
    stream.on("close", this.onEnd);
    stream.on("error", this.onError);
  }

  pollRead(cx: Context, buf: Uint8Array): Poll<number> {
    if (buf.length === 0) return 0;
    let chunk = this.leftover;
    this.leftover = null;
    if (chunk === null) chunk = this.stream.read() as Buffer | null;
    if (chunk !== null) {
      const n = Math.min(chunk.length, buf.length);
      buf.set(n === chunk.length ? chunk : chunk.subarray(0, n), 0);
      if (n < chunk.length) this.leftover = chunk.subarray(n);
      return n;
    }
    const e = this.error;
    if (e !== null) {
      this.error = null;
      this.ended = true;
      throw e;
    }
    if (this.ended || this.stream.readableEnded || this.stream.destroyed) return 0;
    this.readiness.register(cx);
    return PENDING;
  }

  override cancelRead(): void {
    this.readiness.clear();
  }

  /**
   * Close our end of the pipe: a child that keeps writing gets `EPIPE`/SIGPIPE. Idempotent.
   *
   * @example
   * child.stdout!.close(); // not interested in the rest
   */
  close(): void {
    this.readiness.wake();
    this.stream.destroy();
  }

  /** Same as {@link ChildOutputPipe.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  override describe(): string {
    return `${this.program} ${this.name}`;
  }
}

/**
 * The child's stdout when it is `"piped"`.
 *
 * @example
 * const out: ChildStdout = child.stdout!;
 */
export class ChildStdout extends ChildOutputPipe {}

/**
 * The child's stderr when it is `"piped"`.
 *
 * @example
 * const err: ChildStderr = child.stderr!;
 */
export class ChildStderr extends ChildOutputPipe {}

/**
 * The child's stdin when it is `"piped"`: a writer. Write with `write`/`writeAll`, then `shutdown()`
 * (or `close()`) so the child reads end of input. `Child.wait()` closes it first, as Tokio does, so a
 * child waiting for end of input cannot deadlock the wait.
 *
 * Cancel safety: `write` is cancel-safe (a cancelled write accepted nothing); `writeAll` is not.
 *
 * @example
 * const child = new Command("sort").stdin("piped").stdout("piped").spawn();
 * yield* child.stdin!.writeAll(new TextEncoder().encode("b\na\n"));
 * yield* child.stdin!.shutdown();
 * console.log(yield* child.stdout!.readToString()); // "a\nb\n"
 */
export class ChildStdin extends AsyncWriteBase {
  private inflight = 0;
  private ending = false;
  private finished = false;
  private error: IoError | null = null;
  private readonly readiness = new Readiness();
  private readonly onDrain = (): void => this.readiness.wake();
  private readonly onWritten = (err?: Error | null): void => {
    this.inflight--;
    if (err) this.fail(err);
    if (this.inflight === 0) this.readiness.wake();
  };
  private readonly onFinish = (): void => {
    this.finished = true;
    this.readiness.wake();
  };
  private readonly onError = (err: Error): void => {
    this.fail(err);
    this.readiness.wake();
  };

  /** @internal created by `Command.spawn`. */
  constructor(
    private readonly stream: Writable,
    private readonly program: string,
  ) {
    super();
    stream.on("drain", this.onDrain);
    stream.on("finish", this.onFinish);
    stream.on("close", this.onFinish);
    stream.on("error", this.onError);
  }

  private fail(err: Error): void {
    if (this.error === null) this.error = IoError.from(err, "write stdin", { path: this.program });
  }

  private check(): void {
    const e = this.error;
    if (e !== null) throw e;
    if (this.ending || this.stream.destroyed) {
      throw new IoError("BrokenPipe", "write stdin failed: stdin was closed", { path: this.program });
    }
  }

  pollWrite(cx: Context, buf: Uint8Array): Poll<number> {
    this.check();
    if (buf.length === 0) return 0;
    if (this.stream.writableNeedDrain) {
      this.readiness.register(cx);
      return PENDING;
    }
    const n = Math.min(buf.length, MAX_WRITE);
    this.inflight++;
    // Copy: Node holds the chunk until the pipe takes it; the caller may reuse `buf` at once.
    this.stream.write(Buffer.from(n === buf.length ? buf : buf.subarray(0, n)), this.onWritten);
    return n;
  }

  pollFlush(cx: Context): Poll<void> {
    const e = this.error;
    if (e !== null) throw e;
    if (this.inflight === 0 || this.stream.destroyed) return;
    this.readiness.register(cx);
    return PENDING;
  }

  pollShutdown(cx: Context): Poll<void> {
    const e = this.error;
    if (e !== null) throw e;
    if (!this.ending) {
      this.ending = true;
      this.stream.end();
    }
    if (this.finished || this.stream.destroyed) return;
    this.readiness.register(cx);
    return PENDING;
  }

  override cancelWrite(): void {
    this.readiness.clear();
  }

  /**
   * End the child's input without waiting (bytes already accepted are still delivered). Idempotent.
   *
   * @example
   * child.stdin!.close(); // the child now reads end of input
   */
  close(): void {
    if (this.ending) return;
    this.ending = true;
    this.stream.end();
    this.readiness.wake();
  }

  /** Same as {@link ChildStdin.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  override describe(): string {
    return `${this.program} stdin`;
  }
}
