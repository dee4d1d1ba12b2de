/**
 * `copy(reader, writer)` and `copyBidirectional(a, b)` (Tokio's `io::copy`, `io::copy_bidirectional`).
 *
 * HOW: a `Transfer` owns one 8 KiB buffer and moves bytes reader → buffer → writer. It reads only
 * when the buffer is empty, so memory stays at one buffer however fast the reader is, and a slow
 * writer slows the reader down (backpressure). When the reader has nothing for now it flushes the
 * writer first, so bytes never sit in a `BufWriter` while the copy waits for input (Tokio does the
 * same). At end of stream it flushes (`copy`) or shuts the writer down (`copyBidirectional`, so
 * the peer sees the end too).
 *
 * Counts are `number`s: exact up to 2^53 bytes (8 PiB), more than any stream will carry.
 */
import { FutureBase } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { budgetLeft, spend } from "./coop.js";
import { IoError } from "./error.js";
import { badCount } from "./read.js";
import type { AsyncRead, AsyncWrite } from "./traits.js";
import { checkReader, checkWriter } from "./validate.js";

const BUF_SIZE = 8 * 1024;

// Transfer phases.
const RUNNING = 0;
/** Reader reached EOF and the buffer is written: flush or shut down the writer. */
const FINISHING = 1;
const DONE = 2;

/** @internal one direction of a copy. */
class Transfer {
  private readonly buf = new Uint8Array(BUF_SIZE);
  /** The unwritten part of `buf`; empty when the next step is a read. */
  private pending: Uint8Array;
  private readonly empty: Uint8Array;
  private phase = RUNNING;
  private needFlush = false;
  private waitingRead = false;
  private waitingWrite = false;
  amount = 0;

  constructor(
    private readonly reader: AsyncRead,
    private readonly writer: AsyncWrite,
    private readonly shutdownAtEnd: boolean,
  ) {
    this.empty = this.buf.subarray(0, 0);
    this.pending = this.empty;
  }

  /** True once done; false after arranging a wake. */
  poll(cx: Context): boolean {
    const reader = this.reader;
    const writer = this.writer;
    for (;;) {
      if (this.phase === DONE) return true;
      if (this.phase === FINISHING) {
        const out = this.shutdownAtEnd ? writer.pollShutdown(cx) : writer.pollFlush(cx);
        if (out === PENDING) {
          this.waitingWrite = true;
          return false;
        }
        this.waitingWrite = false;
        this.phase = DONE;
        return true;
      }
      if (this.pending.length === 0) {
        if (!budgetLeft(cx)) return false;
        const n = reader.pollRead(cx, this.buf);
        if (n === PENDING) {
          this.waitingRead = true;
          // Nothing to do until the reader wakes us: push what we wrote on its way first.
          if (this.needFlush) {
            const f = writer.pollFlush(cx);
            if (f === PENDING) {
              this.waitingWrite = true;
              return false;
            }
            this.waitingWrite = false;
            this.needFlush = false;
          }
          return false;
        }
        this.waitingRead = false;
        if (!(n <= BUF_SIZE)) throw badCount(n, BUF_SIZE);
        spend(cx);
        if (n === 0) {
          this.phase = FINISHING;
          continue;
        }
        this.pending = this.buf.subarray(0, n);
      }
      if (!budgetLeft(cx)) return false;
      const rest = this.pending;
      const m = writer.pollWrite(cx, rest);
      if (m === PENDING) {
        this.waitingWrite = true;
        return false;
      }
      this.waitingWrite = false;
      if (m === 0) {
        throw new IoError("WriteZero", `copy: the writer accepted 0 bytes after ${this.amount} bytes`);
      }
      if (!(m <= rest.length)) throw badCount(m, rest.length);
      spend(cx);
      this.amount += m;
      this.needFlush = true;
      this.pending = m === rest.length ? this.empty : rest.subarray(m);
    }
  }

  cancel(): void {
    this.phase = DONE;
    if (this.waitingRead) this.reader.cancelRead?.();
    if (this.waitingWrite) this.writer.cancelWrite?.();
    this.waitingRead = this.waitingWrite = false;
  }
}

/**
 * The future of {@link copy}: resolves to the number of bytes copied.
 *
 * @example
 * const n: number = yield* new Copy(reader, writer);
 */
export class Copy extends FutureBase<number> {
  private readonly transfer: Transfer;

  constructor(reader: AsyncRead, writer: AsyncWrite) {
    super();
    this.transfer = new Transfer(reader, writer, false);
  }

  poll(cx: Context): Poll<number> {
    try {
      return this.transfer.poll(cx) ? this.transfer.amount : PENDING;
    } catch (e) {
      // The other side may still hold our waker (a read waiting while a flush failed): release it.
      this.transfer.cancel();
      throw e;
    }
  }

  override cancel(): void {
    this.transfer.cancel();
  }

  override describe(): string {
    return `copy() (${this.transfer.amount} bytes so far)`;
  }
}

/**
 * Copy every byte from `reader` to `writer` until end of stream, then flush the writer. Resolves
 * to the number of bytes copied (a `number`: exact up to 2^53 bytes). The writer is not shut down.
 *
 * Cancel safety: NOT cancel-safe. Up to 8 KiB read from `reader` but not yet written may be lost.
 *
 * Cost: one 8 KiB buffer for the whole copy; one coop unit per read and per write.
 *
 * @example
 * const n = yield* copy(file, conn);
 * console.log(`sent ${n} bytes`);
 */
export function copy(reader: AsyncRead, writer: AsyncWrite): Copy {
  checkReader("copy(reader, writer)", reader);
  checkWriter("copy(reader, writer)", writer);
  return new Copy(reader, writer);
}

/**
 * The future of {@link copyBidirectional}: resolves to `[aToB, bToA]` byte counts.
 *
 * @example
 * const [up, down] = yield* new CopyBidirectional(client, server);
 */
export class CopyBidirectional extends FutureBase<[number, number]> {
  private readonly ab: Transfer;
  private readonly ba: Transfer;

  constructor(a: AsyncRead & AsyncWrite, b: AsyncRead & AsyncWrite) {
    super();
    this.ab = new Transfer(a, b, true);
    this.ba = new Transfer(b, a, true);
  }

  poll(cx: Context): Poll<[number, number]> {
    // Poll both every time: each only does work if its side can move.
    try {
      const abDone = this.ab.poll(cx);
      const baDone = this.ba.poll(cx);
      return abDone && baDone ? [this.ab.amount, this.ba.amount] : PENDING;
    } catch (e) {
      // One direction failed: the whole proxy fails, and the other direction must not stay
      // registered on its reader or writer.
      this.cancel();
      throw e;
    }
  }

  override cancel(): void {
    this.ab.cancel();
    this.ba.cancel();
  }

  override describe(): string {
    return `copyBidirectional() (${this.ab.amount} a→b, ${this.ba.amount} b→a)`;
  }
}

/**
 * Copy in both directions at once between `a` and `b` (a proxy): what `a` sends goes to `b` and
 * the other way round. When one side reaches end of stream, the other side's write half is shut
 * down, so the end propagates. Resolves to `[aToB, bToA]` once both directions ended. An error on
 * either side rejects the whole future.
 *
 * Cancel safety: NOT cancel-safe. Up to 8 KiB per direction, read but not yet written, may be lost.
 *
 * Cost: two 8 KiB buffers; one future on the calling task (nothing is spawned).
 *
 * @example
 * const [inbound, _conn] = yield* listener.accept();
 * const upstream = yield* TcpStream.connect("10.0.0.2:80");
 * const [sent, received] = yield* copyBidirectional(inbound, upstream);
 */
export function copyBidirectional(a: AsyncRead & AsyncWrite, b: AsyncRead & AsyncWrite): CopyBidirectional {
  checkReader("copyBidirectional(a, b)", a);
  checkWriter("copyBidirectional(a, b)", a);
  checkReader("copyBidirectional(a, b)", b);
  checkWriter("copyBidirectional(a, b)", b);
  return new CopyBidirectional(a, b);
}
