/**
 * `split(stream)`: owned read and write halves of one stream (Tokio's `io::split`).
 *
 * Tokio needs a lock because its halves may live on two threads. Here one thread polls at a time,
 * so a half simply forwards to the stream. What makes two tasks safe is that a pollux resource
 * keeps one waker PER DIRECTION (a `Readiness` each): the reading task's waker and the writing
 * task's waker never replace each other. A resource that stored one waker for both directions
 * would lose wakes when split; every resource in pollux keeps them apart.
 */
import type { Context, Poll } from "../future/poll.js";
import { AsyncReadBase, AsyncWriteBase } from "./async-io.js";
import type { AsyncRead, AsyncWrite } from "./traits.js";
import { checkReader, checkWriter } from "./validate.js";

/**
 * The read half of a stream, from {@link split}. Has every reader method (`read`, `readExact`,
 * ...). Give it to the task that reads.
 *
 * @example
 * const [rd, wr] = split(conn);
 * spawn(function* () { yield* copy(rd, stdout); });
 */
export class ReadHalf<S extends AsyncRead & AsyncWrite> extends AsyncReadBase {
  /** @internal use {@link split}. */
  constructor(
    private readonly stream: S,
    /** @internal */ readonly pair: object,
  ) {
    super();
  }

  pollRead(cx: Context, buf: Uint8Array): Poll<number> {
    return this.stream.pollRead(cx, buf);
  }

  override cancelRead(): void {
    this.stream.cancelRead?.();
  }

  /**
   * Put the halves back together: the original stream. Throws a TypeError when `writeHalf` came
   * from another `split`.
   *
   * @example
   * const conn = rd.unsplit(wr);
   */
  unsplit(writeHalf: WriteHalf<S>): S {
    if (!(writeHalf instanceof WriteHalf) || writeHalf.pair !== this.pair) {
      throw new TypeError(
        "ReadHalf.unsplit(writeHalf): the halves come from different split() calls; pass the WriteHalf split from the same stream.",
      );
    }
    return this.stream;
  }

  override describe(): string {
    return "ReadHalf";
  }
}

/**
 * The write half of a stream, from {@link split}. Has every writer method (`write`, `writeAll`,
 * `flush`, `shutdown`). `shutdown()` half-closes the stream: the peer reads end of stream while
 * the read half keeps reading.
 *
 * @example
 * const [rd, wr] = split(conn);
 * yield* wr.writeAll(request);
 * yield* wr.shutdown();
 */
export class WriteHalf<S extends AsyncRead & AsyncWrite> extends AsyncWriteBase {
  /** @internal use {@link split}. */
  constructor(
    private readonly stream: S,
    /** @internal */ readonly pair: object,
  ) {
    super();
  }

  pollWrite(cx: Context, buf: Uint8Array): Poll<number> {
    return this.stream.pollWrite(cx, buf);
  }

  pollFlush(cx: Context): Poll<void> {
    return this.stream.pollFlush(cx);
  }

  pollShutdown(cx: Context): Poll<void> {
    return this.stream.pollShutdown(cx);
  }

  override cancelWrite(): void {
    this.stream.cancelWrite?.();
  }

  override describe(): string {
    return "WriteHalf";
  }
}

/**
 * Split a stream that reads and writes into two owned halves, `[ReadHalf, WriteHalf]`, so one task
 * can read while another writes (Tokio's `io::split`). `readHalf.unsplit(writeHalf)` gives the
 * stream back.
 *
 * Each half must be used by one task at a time (one reader, one writer), as with the stream itself.
 * The stream must keep separate wakers for reading and writing, which every pollux resource does.
 *
 * Cost: two small forwarding objects; no lock, no copy.
 *
 * @example
 * const [rd, wr] = split(conn);
 * const pump = spawn(copy(rd, out));
 * yield* wr.writeAll(request);
 * yield* pump;
 */
export function split<S extends AsyncRead & AsyncWrite>(stream: S): [ReadHalf<S>, WriteHalf<S>] {
  checkReader("split()", stream);
  checkWriter("split()", stream);
  const pair = {};
  return [new ReadHalf(stream, pair), new WriteHalf(stream, pair)];
}
