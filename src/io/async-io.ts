/**
 * `AsyncReadBase`, `AsyncWriteBase`, `AsyncReadWriteBase`: the base classes of pollux readers and
 * writers. A resource (a socket, a file, a pipe, an in-memory stream) implements the poll methods
 * of the traits; the base class supplies the futures (`read`, `readExact`, `write`, ...).
 *
 * TypeScript has no multiple inheritance, so the read-write base repeats the four write methods;
 * each is one line that builds the future from `write.ts`. `AsyncReadWriteBase` extends
 * `AsyncReadBase`, so `instanceof AsyncReadBase` holds for every readable resource.
 */
import type { Context, Poll } from "../future/poll.js";
import { Read, ReadExact, type ReadLimitOptions, ReadToEnd, ReadToString, readLimit } from "./read.js";
import type { AsyncRead, AsyncWrite } from "./traits.js";
import { checkBuf } from "./validate.js";
import { Flush, Shutdown, Write, WriteAll } from "./write.js";

/**
 * Base class for byte sources. Implement `pollRead(cx, buf)` (and `cancelRead()` when the resource
 * stores a waker); get `read`, `readExact`, `readToEnd` and `readToString`.
 *
 * `pollRead` copies up to `buf.length` bytes into `buf` and returns how many (`0` = end of
 * stream), or stores `cx.waker` (e.g. in a `Readiness`) and returns `PENDING`. It need not spend
 * coop budget: the futures do.
 *
 * @example
 * class Repeat extends AsyncReadBase {
 *   constructor(private byte: number) { super(); }
 *   pollRead(_cx: Context, buf: Uint8Array): Poll<number> {
 *     buf.fill(this.byte);
 *     return buf.length;
 *   }
 * }
 * const four = new Uint8Array(4);
 * yield* new Repeat(7).readExact(four); // [7, 7, 7, 7]
 */
export abstract class AsyncReadBase implements AsyncRead {
  abstract pollRead(cx: Context, buf: Uint8Array): Poll<number>;

  /**
   * The pending read was abandoned: drop the stored waker (e.g. `readiness.clear()`). Default:
   * nothing stored. Override it when `pollRead` registers anything.
   */
  cancelRead(): void {}

  /** A short description for deadlock reports and the console; defaults to the class name. */
  describe(): string {
    return this.constructor.name;
  }

  /**
   * Read some bytes into `buf`: how many (at least 1), or `0` at end of stream. See the free
   * function `read` for details.
   *
   * Cancel safety: cancel-safe; a cancelled read consumed no byte.
   *
   * @example
   * const n = yield* conn.read(buf);
   */
  read(buf: Uint8Array): Read {
    return new Read(this, checkBuf("read(buf)", buf));
  }

  /**
   * Fill all of `buf`; an `IoError` of kind `"UnexpectedEof"` if the stream ends first.
   *
   * Cancel safety: NOT cancel-safe; bytes already copied into `buf` are lost to later reads.
   *
   * @example
   * yield* conn.readExact(header);
   */
  readExact(buf: Uint8Array): ReadExact {
    return new ReadExact(this, checkBuf("readExact(buf)", buf));
  }

  /**
   * Every byte until end of stream. More than `limit` (default 16 MiB, `Infinity` to opt out) is
   * an `IoError` of kind `"InvalidData"`.
   *
   * Cancel safety: NOT cancel-safe; the bytes read so far are lost with the future.
   *
   * @example
   * const body = yield* conn.readToEnd({ limit: 1 << 20 });
   */
  readToEnd(options?: ReadLimitOptions): ReadToEnd {
    return new ReadToEnd(this, readLimit("readToEnd()", options));
  }

  /**
   * Every byte until end of stream, decoded as UTF-8. Invalid UTF-8 or more than `limit` bytes
   * (default 16 MiB) is an `IoError` of kind `"InvalidData"`.
   *
   * Cancel safety: NOT cancel-safe; the bytes read so far are lost with the future.
   *
   * @example
   * const text = yield* child.stdout.readToString();
   */
  readToString(options?: ReadLimitOptions): ReadToString {
    return new ReadToString(this, readLimit("readToString()", options));
  }
}

/**
 * Base class for byte sinks. Implement `pollWrite`, `pollFlush`, `pollShutdown` (and
 * `cancelWrite()` when the resource stores a waker); get `write`, `writeAll`, `flush`, `shutdown`.
 *
 * @example
 * class Collect extends AsyncWriteBase {
 *   chunks: Uint8Array[] = [];
 *   pollWrite(_cx: Context, buf: Uint8Array): Poll<number> {
 *     this.chunks.push(buf.slice());
 *     return buf.length;
 *   }
 *   pollFlush(): Poll<void> {}
 *   pollShutdown(): Poll<void> {}
 * }
 * yield* new Collect().writeAll(bytes);
 */
export abstract class AsyncWriteBase implements AsyncWrite {
  abstract pollWrite(cx: Context, buf: Uint8Array): Poll<number>;
  abstract pollFlush(cx: Context): Poll<void>;
  abstract pollShutdown(cx: Context): Poll<void>;

  /**
   * The pending write, flush or shutdown was abandoned: drop the stored waker (e.g.
   * `readiness.clear()`). Default: nothing stored. Override it when the poll methods register.
   */
  cancelWrite(): void {}

  /** A short description for deadlock reports and the console; defaults to the class name. */
  describe(): string {
    return this.constructor.name;
  }

  /**
   * Write some bytes of `buf`: how many were accepted. Cancel-safe: a cancelled write wrote nothing.
   *
   * @example
   * const n = yield* conn.write(bytes);
   */
  write(buf: Uint8Array): Write {
    return new Write(this, checkBuf("write(buf)", buf));
  }

  /**
   * Write every byte of `buf`, waiting while the sink is full.
   *
   * Cancel safety: NOT cancel-safe; an unreported prefix of `buf` may have been written.
   *
   * @example
   * yield* conn.writeAll(bytes);
   */
  writeAll(buf: Uint8Array): WriteAll {
    return new WriteAll(this, checkBuf("writeAll(buf)", buf));
  }

  /**
   * Wait until every accepted byte reached the destination. Cancel-safe.
   *
   * @example
   * yield* out.flush();
   */
  flush(): Flush {
    return new Flush(this);
  }

  /**
   * Flush, then close the write side (the peer reads end of stream). Cancel-safe.
   *
   * @example
   * yield* conn.shutdown();
   */
  shutdown(): Shutdown {
    return new Shutdown(this);
  }
}

/**
 * Base class for resources that both read and write (a socket, a duplex stream). Implement all
 * four poll methods; get both sets of futures. `split()` (from `pollux/io`) gives two owned halves
 * when two tasks must use the directions at once.
 *
 * @example
 * class Loopback extends AsyncReadWriteBase {
 *   private data: Uint8Array[] = [];
 *   pollRead(_cx: Context, buf: Uint8Array): Poll<number> {
 *     const head = this.data.shift();
 *     if (head === undefined) return 0;
 *     buf.set(head.subarray(0, buf.length));
 *     if (head.length > buf.length) this.data.unshift(head.subarray(buf.length));
 *     return Math.min(head.length, buf.length);
 *   }
 *   pollWrite(_cx: Context, buf: Uint8Array): Poll<number> {
 *     this.data.push(buf.slice());
 *     return buf.length;
 *   }
 *   pollFlush(): Poll<void> {}
 *   pollShutdown(): Poll<void> {}
 * }
 */
export abstract class AsyncReadWriteBase extends AsyncReadBase implements AsyncWrite {
  abstract pollWrite(cx: Context, buf: Uint8Array): Poll<number>;
  abstract pollFlush(cx: Context): Poll<void>;
  abstract pollShutdown(cx: Context): Poll<void>;

  /**
   * The pending write, flush or shutdown was abandoned: drop the stored waker (e.g.
   * `readiness.clear()`). Default: nothing stored. Override it when the poll methods register.
   */
  cancelWrite(): void {}

  /**
   * Write some bytes of `buf`: how many were accepted. Cancel-safe: a cancelled write wrote nothing.
   *
   * @example
   * const n = yield* conn.write(bytes);
   */
  write(buf: Uint8Array): Write {
    return new Write(this, checkBuf("write(buf)", buf));
  }

  /**
   * Write every byte of `buf`, waiting while the sink is full.
   *
   * Cancel safety: NOT cancel-safe; an unreported prefix of `buf` may have been written.
   *
   * @example
   * yield* conn.writeAll(bytes);
   */
  writeAll(buf: Uint8Array): WriteAll {
    return new WriteAll(this, checkBuf("writeAll(buf)", buf));
  }

  /**
   * Wait until every accepted byte reached the destination. Cancel-safe.
   *
   * @example
   * yield* conn.flush();
   */
  flush(): Flush {
    return new Flush(this);
  }

  /**
   * Flush, then close the write side (the peer reads end of stream). Cancel-safe.
   *
   * @example
   * yield* conn.shutdown();
   */
  shutdown(): Shutdown {
    return new Shutdown(this);
  }
}
