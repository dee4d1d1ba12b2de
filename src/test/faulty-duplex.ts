/**
 * `faultyDuplex(maxBufSize, { latencyMs })`: `duplex` with the faults of a real network link, for
 * testing protocol code under simulation without sockets.
 *
 * HOW: each direction is a FIFO of written chunks, each stamped with the time it becomes readable
 * (`now + latency`, never earlier than the chunk before it: bytes never overtake each other, as on
 * TCP). A reader takes only chunks whose time has come; when the front chunk is still in flight it
 * waits on a `Sleep` to its delivery time, so on the paused clock latency costs no real time and
 * is the same on every run. Latency is drawn per write from `Math.random`, which `simulate` seeds.
 * `maxBufSize` bounds the bytes written and not yet read, in flight or delivered (backpressure).
 *
 * Faults are injected through the returned `DuplexFaults`: `reset()` makes every pending and
 * later read and write on both ends fail with `IoError` kind `"ConnectionReset"`; `stall()`
 * stops delivery (readers wait, writers fill the buffer and then wait) until `resume()`.
 */
import type { Context, Poll } from "../future/poll.js";
import { PENDING } from "../future/poll.js";
import { AsyncReadWriteBase } from "../io/async-io.js";
import { IoError } from "../io/error.js";
import { Readiness } from "../io/registration.js";
import { Instant } from "../time/instant.js";
import { type Sleep, sleepUntil } from "../time/sleep.js";

/** Options of {@link faultyDuplex}. */
export interface FaultyDuplexOptions {
  /**
   * Delay between a write and the moment its bytes can be read, in milliseconds: a number, or
   * `{ min, max }` for a delay drawn per write (seeded under `simulate`). Default 0.
   */
  latencyMs?: number | { readonly min: number; readonly max: number };
}

/** Fault switches of a {@link faultyDuplex} pair. */
export interface DuplexFaults {
  /** Reset the link: pending and later reads and writes on both ends throw `IoError` `"ConnectionReset"`. */
  reset(): void;
  /** Stop delivering bytes in both directions until {@link DuplexFaults.resume}. */
  stall(): void;
  /** Deliver again after a {@link DuplexFaults.stall}; what was written meanwhile arrives. */
  resume(): void;
  /** True between `stall()` and `resume()`. */
  readonly stalled: boolean;
}

interface Chunk {
  readonly at: number;
  readonly bytes: Uint8Array;
  offset: number;
}

/** @internal one link: both directions, their latency and fault switches (also the simulated network's connections). */
export class Link implements DuplexFaults {
  isReset = false;
  stalled = false;
  readonly dirs: Direction[] = [];

  constructor(
    readonly latency: () => number,
    /** What a read or write on a reset link throws, after `${op}`. */
    public resetMessage = ": the link was reset (an injected fault)",
    readonly what = "faultyDuplex",
    /** `IoError.address` of its errors. */
    readonly address: string | undefined = undefined,
  ) {}

  reset(): void {
    this.isReset = true;
    for (const d of this.dirs) d.wakeAll();
  }

  stall(): void {
    this.stalled = true;
  }

  resume(): void {
    this.stalled = false;
    for (const d of this.dirs) d.wakeAll();
  }

  check(op: string): void {
    if (this.isReset) {
      throw new IoError("ConnectionReset", `${this.what} ${op}${this.resetMessage}`, {
        address: this.address,
      });
    }
  }
}

/** @internal one direction of a {@link Link}. */
export class Direction {
  private readonly chunks: Chunk[] = [];
  private head = 0;
  /** Bytes written and not read yet. */
  queued = 0;
  private lastAt = 0;
  writeClosed = false;
  readClosed = false;
  // Not runtime wake sources: only other tasks (or a fault switch) make progress here, so a
  // program whose every task waits on the link is a deadlock, and the runtime reports it.
  readonly readable = new Readiness(false);
  readonly writable = new Readiness(false);
  private timer: Sleep | null = null;

  constructor(
    private readonly link: Link,
    readonly capacity: number,
  ) {}

  wakeAll(): void {
    this.readable.wake();
    this.writable.wake();
  }

  pollRead(cx: Context, dst: Uint8Array): Poll<number> {
    const link = this.link;
    link.check("read");
    if (dst.length === 0) return 0;
    for (;;) {
      if (this.readClosed) return 0;
      if (link.stalled) {
        // Nothing crosses a stalled link, not even the end of stream.
        this.readable.register(cx);
        return PENDING;
      }
      if (this.head === this.chunks.length) {
        if (this.writeClosed) return 0;
        this.readable.register(cx);
        return PENDING;
      }
      const front = this.chunks[this.head]!;
      if (front.at > Instant.now().ms) {
        // In flight: wait for its delivery time (and for a reset or close, through `readable`).
        const due = Instant.fromMillis(front.at);
        if (this.timer === null) this.timer = sleepUntil(due);
        else this.timer.reset(due);
        this.readable.register(cx);
        if (this.timer.poll(cx) === PENDING) return PENDING;
        continue;
      }
      return this.take(dst);
    }
  }

  private take(dst: Uint8Array): number {
    const now = Instant.now().ms;
    let n = 0;
    while (n < dst.length && this.head < this.chunks.length) {
      const c = this.chunks[this.head]!;
      if (c.at > now) break;
      const k = Math.min(dst.length - n, c.bytes.length - c.offset);
      dst.set(c.bytes.subarray(c.offset, c.offset + k), n);
      c.offset += k;
      n += k;
      if (c.offset === c.bytes.length) this.chunks[this.head++] = undefined as unknown as Chunk;
    }
    if (this.head === this.chunks.length) {
      this.chunks.length = 0;
      this.head = 0;
    }
    this.queued -= n;
    this.writable.wake();
    return n;
  }

  pollWrite(cx: Context, src: Uint8Array): Poll<number> {
    this.link.check("write");
    const { what, address } = this.link;
    if (this.readClosed)
      throw new IoError("BrokenPipe", `${what} write: the other side was closed`, { address });
    if (this.writeClosed) {
      throw new IoError("BrokenPipe", `${what} write after shutdown(): this side's write half is closed`, {
        address,
      });
    }
    if (src.length === 0) return 0;
    const room = this.capacity - this.queued;
    if (room === 0) {
      this.writable.register(cx);
      return PENDING;
    }
    const n = Math.min(room, src.length);
    const at = Math.max(Instant.now().ms + this.link.latency(), this.lastAt);
    this.lastAt = at;
    this.chunks.push({ at, bytes: src.slice(0, n), offset: 0 });
    this.queued += n;
    this.readable.wake();
    return n;
  }

  closeWrite(): void {
    this.writeClosed = true;
    this.wakeAll();
  }

  closeRead(): void {
    this.readClosed = true;
    this.chunks.length = 0;
    this.head = 0;
    this.queued = 0;
    this.timer?.cancel();
    this.wakeAll();
  }
}

/**
 * One end of a {@link faultyDuplex} pair: an `AsyncRead + AsyncWrite` like `duplex`'s ends, so
 * `BufReader`, codecs and `split()` work on it.
 *
 * @example
 * const [client, server, faults] = faultyDuplex(4096, { latencyMs: 5 });
 * faults.reset(); // the next read on either end throws IoError "ConnectionReset"
 */
export class FaultyDuplexStream extends AsyncReadWriteBase {
  /** @internal use {@link faultyDuplex}. */
  constructor(
    private readonly rx: Direction,
    private readonly tx: Direction,
  ) {
    super();
  }

  pollRead(cx: Context, buf: Uint8Array): Poll<number> {
    return this.rx.pollRead(cx, buf);
  }

  override cancelRead(): void {
    this.rx.readable.clear();
  }

  pollWrite(cx: Context, buf: Uint8Array): Poll<number> {
    return this.tx.pollWrite(cx, buf);
  }

  pollFlush(): Poll<void> {}

  pollShutdown(): Poll<void> {
    if (!this.tx.writeClosed) this.tx.closeWrite();
  }

  override cancelWrite(): void {
    this.tx.writable.clear();
  }

  /** Drop this end: the peer reads what was sent and then end of stream; its writes fail. */
  close(): void {
    if (!this.tx.writeClosed) this.tx.closeWrite();
    if (!this.rx.readClosed) this.rx.closeRead();
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  override describe(): string {
    return `FaultyDuplexStream (${this.rx.queued} bytes to read, ${this.tx.queued} unread by the peer)`;
  }
}

/** @internal validate `latencyMs`; the generator of delays it gives. */
export function checkLatency(latency: FaultyDuplexOptions["latencyMs"], fn = "faultyDuplex"): () => number {
  const bad = (what: unknown) =>
    new RangeError(
      `${fn} option latencyMs must be a number of milliseconds >= 0 or { min, max } with 0 <= min <= max; got ${JSON.stringify(what)}.`,
    );
  if (latency === undefined) return () => 0;
  if (typeof latency === "number") {
    if (!(latency >= 0) || !Number.isFinite(latency)) throw bad(latency);
    return () => latency;
  }
  if (typeof latency !== "object" || latency === null) throw bad(latency);
  const { min, max } = latency;
  if (!(min >= 0) || !(max >= min) || !Number.isFinite(max)) throw bad(latency);
  return () => Math.round(min + Math.random() * (max - min));
}

/**
 * Two connected in-memory streams like `duplex(maxBufSize)`, with a network's faults: latency on
 * the (simulated) clock, and switches to reset or stall the link. Returns `[a, b, faults]`.
 *
 * When to use: a protocol's tests under `simulate`/`explore` (a codec, a client and server pair)
 * that must see slow links, resets and stalls, without sockets. It also works on a normal
 * runtime, where latency is real time.
 *
 * Cost: one small object per write (the chunk, a copy of the bytes written).
 *
 * @example
 * await simulate(function* () {
 *   const [client, server, faults] = faultyDuplex(1024, { latencyMs: { min: 1, max: 20 } });
 *   spawn(function* () { yield* sleep(5); faults.reset(); });
 *   yield* client.read(new Uint8Array(16)); // throws IoError kind "ConnectionReset"
 * }, { seed: 1 });
 */
export function faultyDuplex(
  maxBufSize: number,
  options: FaultyDuplexOptions = {},
): [FaultyDuplexStream, FaultyDuplexStream, DuplexFaults] {
  if (!Number.isSafeInteger(maxBufSize) || maxBufSize < 1) {
    throw new RangeError(
      `faultyDuplex(maxBufSize) must be a positive integer (bytes); got ${String(maxBufSize)}.`,
    );
  }
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`faultyDuplex options must be an object; got ${String(options)}.`);
  }
  for (const key of Object.keys(options)) {
    if (key !== "latencyMs")
      throw new TypeError(`unknown faultyDuplex option "${key}"; known options: latencyMs.`);
  }
  const link = new Link(checkLatency(options.latencyMs));
  const ab = new Direction(link, maxBufSize);
  const ba = new Direction(link, maxBufSize);
  link.dirs.push(ab, ba);
  return [new FaultyDuplexStream(ba, ab), new FaultyDuplexStream(ab, ba), link];
}
