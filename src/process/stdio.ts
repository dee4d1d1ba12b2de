/**
 * The child's pipes as pollux readers and writers: `ChildStdout`/`ChildStderr` and `ChildStdin`,
 * built on `pollux/io`'s Node stream adapters (`NodeReader`, `NodeWriter`), which give both
 * directions backpressure: bytes are pulled from the pipe only when a task reads (Node stops
 * reading the pipe at its high-water mark, so a child that writes faster than the task reads blocks
 * in its `write`), and writes wait for `drain` once Node's buffer is full.
 *
 * What the subclasses add: errors name the program and the stream (`IoError.path` is the program),
 * and `ChildStdin.close()` ends the input gracefully (bytes already accepted still reach the child)
 * where `NodeWriter.close()` destroys the stream.
 */
import type { Readable, Writable } from "node:stream";
import type { Context, Poll } from "../future/poll.js";
import { IoError } from "../io/error.js";
import { NodeReader } from "../io/node-reader.js";
import { NodeWriter } from "../io/node-writer.js";

/** Re-throw an adapter error with the program and stream named (error path only). */
function named(error: unknown, what: string, program: string): IoError {
  if (!(error instanceof IoError) || error.path !== undefined)
    return IoError.from(error, what, { path: program });
  return new IoError(error.kind, `${what} failed: ${error.message}`, {
    path: program,
    code: error.code,
    cause: error,
  });
}

/**
 * A readable pipe from the child: its stdout ({@link ChildStdout}) or stderr ({@link ChildStderr}).
 * Read it with the `pollux/io` futures (`read`, `readExact`, `readToEnd`, `readToString`) or wrap it
 * in a `BufReader`. End of stream (`0` from `read`) means the child closed the pipe, usually by
 * exiting. `close()` (or `using`) closes our end: a child that keeps writing gets SIGPIPE/EPIPE.
 *
 * Cancel safety: `read` is cancel-safe; bytes not returned stay for the next read.
 *
 * @example
 * const child = new Command("ls").stdout("piped").spawn();
 * const listing = yield* child.stdout!.readToString();
 */
export class ChildOutputPipe extends NodeReader {
  /** @internal created by `Command.spawn`. */
  constructor(
    stream: Readable,
    /** "stdout" or "stderr". */
    readonly name: string,
    /** The program, as given to `Command`. */
    readonly program: string,
  ) {
    super(stream);
  }

  override pollRead(cx: Context, buf: Uint8Array): Poll<number> {
    try {
      return super.pollRead(cx, buf);
    } catch (error) {
      throw named(error, `read ${this.name} of ${this.program}`, this.program);
    }
  }

  override describe(): string {
    return `${this.name} of ${this.program}`;
  }
}

/**
 * The child's stdout when it is `"piped"`. See {@link ChildOutputPipe}.
 *
 * @example
 * const out: ChildStdout = child.stdout!;
 * const lines = new BufReader(out);
 */
export class ChildStdout extends ChildOutputPipe {}

/**
 * The child's stderr when it is `"piped"`. See {@link ChildOutputPipe}.
 *
 * @example
 * const diagnostics = yield* child.stderr!.readToString();
 */
export class ChildStderr extends ChildOutputPipe {}

/**
 * The child's stdin when it is `"piped"`: a writer (`write`, `writeAll`, `flush`, `shutdown`).
 * `shutdown()` or `close()` ends the input, so the child reads end of file. `Child.wait()` closes it
 * first, as Tokio does, so a child that reads its input to the end cannot make the wait hang.
 *
 * Backpressure: `write` accepts at most one high-water mark (16 KiB) at a time and waits while
 * Node's pipe buffer is over it, so Node never holds much more than that for the child.
 *
 * Cancel safety: `write` is cancel-safe (a cancelled write accepted nothing); `writeAll` is not.
 *
 * @example
 * const child = new Command("sort").stdin("piped").stdout("piped").spawn();
 * yield* child.stdin!.writeAll(new TextEncoder().encode("b\na\n"));
 * yield* child.stdin!.shutdown();
 * console.log(yield* child.stdout!.readToString()); // "a\nb\n"
 */
export class ChildStdin extends NodeWriter {
  /** @internal created by `Command.spawn`. */
  constructor(
    stream: Writable,
    /** The program, as given to `Command`. */
    readonly program: string,
  ) {
    super(stream);
  }

  override pollWrite(cx: Context, buf: Uint8Array): Poll<number> {
    try {
      // At most one high-water mark per write: `NodeWriter` copies what it accepts into Node's
      // buffer, so a 1 GiB `writeAll` must not be accepted (and copied) in one go.
      const max = this.stream.writableHighWaterMark;
      return super.pollWrite(cx, buf.length > max ? buf.subarray(0, max) : buf);
    } catch (error) {
      throw named(error, `write stdin of ${this.program}`, this.program);
    }
  }

  override pollFlush(cx: Context): Poll<void> {
    try {
      return super.pollFlush(cx);
    } catch (error) {
      throw named(error, `flush stdin of ${this.program}`, this.program);
    }
  }

  override pollShutdown(cx: Context): Poll<void> {
    try {
      return super.pollShutdown(cx);
    } catch (error) {
      throw named(error, `close stdin of ${this.program}`, this.program);
    }
  }

  /**
   * End the child's input without waiting; bytes already accepted are still delivered (unlike
   * `NodeWriter.close()`, which destroys the stream). Idempotent.
   *
   * @example
   * child.stdin!.close(); // the child now reads end of input
   */
  override close(): void {
    const s = this.stream;
    if (!s.writableEnded && !s.destroyed) s.end();
  }

  override describe(): string {
    return `stdin of ${this.program}`;
  }
}
