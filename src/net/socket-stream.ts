/**
 * `SocketStream`: the byte-stream state machine shared by `TcpStream` and `UnixStream`, turning a
 * Node `net.Socket` into `AsyncRead` + `AsyncWrite` with backpressure both ways.
 *
 * HOW, read side. Node reads; pollux tasks pull (`pollRead`). Node reads each time the kernel
 * has bytes into one buffer shared by all sockets and calls back (`onread`, see user-buffer-read.ts),
 * and the stream copies the bytes into a chunk of its own; where `onread` is not available it takes
 * Node's 'data' chunks as they are. Between Node and the task sits a queue of those chunks (one more
 * copy, into the caller's buffer, on read). Reading from the kernel starts only at the first
 * `pollRead` (the socket is created paused), and stops whenever the queue holds
 * `readHighWaterMark` bytes (default 64 KiB): the socket is paused and Node stops reading the file
 * descriptor, so the kernel's receive window closes and the peer's writes block. It resumes as soon
 * as a read takes the queue below the mark. Memory per stream is bounded by the mark + one read
 * (+ Node's readable buffer, 16 KiB, on the 'data' path).
 *
 * HOW, write side. `pollWrite` hands Node a private copy of the caller's bytes (the caller may reuse
 * its buffer as soon as the write returns, as with Rust's `write`; Node may keep the chunk until
 * libuv sent it) and returns PENDING while Node's writable buffer is over its mark
 * (`writableNeedDrain`) until 'drain'. So a slow reader on the far side slows the writer here.
 *
 * Wakes. Each direction has one `Readiness` (one waiting task, as in Tokio), registered only when a
 * poll returns PENDING; a Node event wakes it only if someone waits, so a burst of chunks arriving
 * while the task is already scheduled costs no wake at all. Node listeners are attached once per
 * socket, as bound methods; no poll allocates anything but the write copy.
 */
import type { Socket } from "node:net";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { AsyncReadWriteBase } from "../io/async-io.js";
import { IoError } from "../io/error.js";
import { Readiness } from "../io/registration.js";
import { RECYCLED_ABOVE, readChunk, releaseChunk } from "./read-chunks.js";
import { adoptOnRead } from "./user-buffer-read.js";

/**
 * Default `readHighWaterMark` of a stream: 64 KiB received and not yet read before pollux stops
 * reading from the kernel. (Tokio has no such buffer: it reads straight into the caller's buffer;
 * Node delivers chunks on its own schedule, so pollux queues them, bounded by this mark.)
 *
 * @example
 * yield* TcpStream.connect(addr, { readHighWaterMark: 4 * DEFAULT_READ_HIGH_WATER_MARK });
 */
export const DEFAULT_READ_HIGH_WATER_MARK = 64 * 1024;

/**
 * Largest slice one `pollWrite` accepts. A single write of 100 MB would otherwise be copied whole
 * into Node's buffer; `writeAll` loops anyway.
 */
const MAX_WRITE = 64 * 1024;

/**
 * Write pools. Every byte handed to Node's `write` is a copy carved from a shared 64 KiB pool. A
 * pool counts its writes in flight; Node completes a socket's writes in order, so each stream keeps
 * the pools of its in-flight writes in a FIFO and releases one per write callback; a write the
 * kernel took during the call (the common case) gives its bytes back at once instead, since Node
 * holds nothing and calls back only on the next tick. When the current pool has nothing in flight
 * it is rewound and reused, and a full pool whose writes have all completed goes to a small free
 * list. Why not a fresh buffer per write: a new `ArrayBuffer` costs a malloc, fresh pages and
 * cache misses on both copies, and at 16 KiB messages that cost more than the write system call.
 * With rewinding, an echo server writes from the same hot 64 KiB all along.
 * Pools stay small (64 KiB, chunks up to 16 KiB) because a write still in flight keeps its whole
 * pool alive: with many slow peers, big pools would pin much more memory than the bytes in flight.
 */
const POOL_SIZE = 64 * 1024;
const POOL_MAX_CHUNK = 16 * 1024;
const FREE_POOLS = 8;

/** @internal */
export class WritePool {
  readonly buf = Buffer.allocUnsafeSlow(POOL_SIZE);
  offset = 0;
  pending = 0;
}

let pool = new WritePool();
const freePools: WritePool[] = [];

/** Copy `src` into pool memory (or a buffer of its own when larger than a pool chunk). */
function carve(src: Uint8Array): Buffer {
  const n = src.length;
  let p = pool;
  if (p.offset + n > POOL_SIZE) {
    p = pool = freePools.pop() ?? new WritePool();
    p.offset = 0;
  }
  const chunk = p.buf.subarray(p.offset, p.offset + n);
  chunk.set(src);
  // 8-byte alignment, as Node's own pool: later views stay aligned for any typed array.
  p.offset = (p.offset + n + 7) & ~7;
  p.pending++;
  return chunk;
}

function releasePool(p: WritePool): void {
  if (--p.pending !== 0) return;
  if (p === pool) p.offset = 0;
  else if (freePools.length < FREE_POOLS) freePools.push(p);
}

/** Give back a chunk Node no longer refers to; the latest carve of the current pool is rewound. */
function uncarve(p: WritePool, chunk: Buffer): void {
  const start = chunk.byteOffset - p.buf.byteOffset;
  if (p === pool && ((start + chunk.length + 7) & ~7) === p.offset) p.offset = start;
  releasePool(p);
}

/**
 * Options shared by `TcpStream.connect`, `UnixStream.connect` and the listeners' `bind` (which
 * apply them to every accepted stream).
 *
 * @example
 * yield* UnixStream.connect(path, { readHighWaterMark: 16 * 1024 });
 */
export interface StreamOptions {
  /**
   * Bytes received from the peer and not yet read by the task, beyond which pollux stops reading
   * from the kernel (the peer then blocks). Default 64 KiB. Also settable later with
   * `setReadHighWaterMark`.
   */
  readHighWaterMark?: number;
}

/** @internal validate a high-water mark option. */
export function checkHighWaterMark(value: unknown, what: string): number {
  if (value === undefined) return DEFAULT_READ_HIGH_WATER_MARK;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new IoError(
      "InvalidInput",
      `${what}: readHighWaterMark must be a positive integer number of bytes; got ${String(value)}. The default is 65536.`,
    );
  }
  return value;
}

/**
 * What {@link TcpStream} and {@link UnixStream} share: a connected byte stream that is an
 * `AsyncRead` and an `AsyncWrite` (so it has `read`, `readExact`, `readToEnd`, `readToString`,
 * `write`, `writeAll`, `flush`, `shutdown`), with backpressure both ways. Not constructed directly:
 * use `connect` or a listener's `accept`. Type a parameter as `SocketStream` to accept either.
 *
 * Cost: per stream, one Node socket, five Node listeners (six without `onread`) attached once,
 * two registrations; per read, one copy out of Node's read buffer and one into the caller's; per
 * write, one copy into a shared pool.
 *
 * Cancel safety: `read`, `write`, `flush`, `shutdown` are cancel-safe; `readExact`, `readToEnd`,
 * `writeAll` are not (bytes already moved are lost to the caller).
 *
 * @example
 * function* greet(conn: SocketStream): Async<void> {
 *   yield* conn.writeAll(new TextEncoder().encode("hello\n"));
 * }
 */
export abstract class SocketStream extends AsyncReadWriteBase {
  /** @internal the Node socket. Exposed for tests and adapters; do not read or write it directly. */
  readonly socket: Socket;
  /** What error messages and `IoError.address` name: the peer's address or the socket path. */
  protected readonly target: string;

  private readonly readReady = new Readiness();
  private readonly writeReady = new Readiness();

  // Read queue: a ring of Node's chunks (power-of-two capacity; it rarely holds more than one),
  // consumed from `head` at byte `offset`. A ring, not push/shift or `length = 0` on an array:
  // truncating an array's length is a runtime call, and it showed up once per message.
  private ring: (Buffer | undefined)[] = new Array(8).fill(undefined);
  private head = 0;
  private count = 0;
  private offset = 0;
  private buffered = 0;
  private hwm: number;
  private started = false;
  private paused = true;
  /** @internal reading through Node's `onread` into the shared buffer (else through 'data' events). */
  readonly readsViaOnRead: boolean;
  private eof = false;

  /** Pool of each write in flight, oldest first (null: the write had its own buffer). */
  private readonly writePools: (WritePool | null)[] = [];

  private error: IoError | null = null;
  private closed = false;
  private writeEnded = false;
  private finished = false;

  /** @internal */
  constructor(socket: Socket, target: string, readHighWaterMark: number) {
    super();
    this.socket = socket;
    this.target = target;
    this.hwm = readHighWaterMark;
    // Paused before reading is set up (`onread`, or a 'data' listener, which would otherwise start
    // the flow): nothing is read from the kernel until a task asks.
    socket.pause();
    // Node's `onread` when it can be had (see user-buffer-read.ts), 'data' events otherwise.
    this.readsViaOnRead = adoptOnRead(socket, this.onRead);
    if (!this.readsViaOnRead) socket.on("data", this.onData);
    socket.on("end", this.onEnd);
    socket.on("error", this.onError);
    socket.on("close", this.onClose);
    socket.on("drain", this.onDrain);
    socket.on("finish", this.onFinish);
  }

  /**
   * What deadlock reports and `runtime.tasks()` show for a read or write waiting on this stream,
   * e.g. `TcpStream(127.0.0.1:6379).read() (waiting for bytes)`.
   *
   * @example
   * conn.describe(); // "TcpStream(127.0.0.1:6379)"
   */
  override describe(): string {
    return `${this.constructor.name}(${this.target})`;
  }

  // --- Node side: bound once per socket ---

  /** `onread` mode: copy the read out of the shared buffer (Node reads into it again next). */
  private readonly onRead = (n: number, shared: Buffer): boolean => {
    // Closed while Node was still reading (a `close()` that lets pending writes finish): drop the
    // bytes, as the kernel does for a closed socket, and have Node stop reading.
    if (this.closed) return false;
    this.onData(readChunk(shared, n));
    return true;
  };

  private readonly onData = (chunk: Buffer): void => {
    let ring = this.ring;
    if (this.count === ring.length) ring = this.grow();
    ring[(this.head + this.count++) & (ring.length - 1)] = chunk;
    this.buffered += chunk.length;
    if (this.buffered >= this.hwm && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    this.readReady.wake();
  };

  private readonly onEnd = (): void => {
    this.eof = true;
    this.readReady.wake();
  };

  private readonly onError = (err: Error): void => {
    if (this.error === null) this.error = IoError.from(err, this.describeOp(err), { address: this.target });
    this.readReady.wake();
    this.writeReady.wake();
  };

  private readonly onClose = (): void => {
    // Closed by Node without 'end' or 'error' (destroyed): the stream is over for both directions.
    this.eof = true;
    this.readReady.wake();
    this.writeReady.wake();
  };

  private readonly onDrain = (): void => {
    this.writeReady.wake();
  };

  private readonly onFinish = (): void => {
    this.finished = true;
    this.writeReady.wake();
  };

  /** Write completion: wakes a `flush` waiting for Node's buffer to empty (and reports errors). */
  private readonly onWritten = (err?: Error | null): void => {
    const p = this.writePools.shift();
    if (p != null) releasePool(p);
    if (err) {
      if (this.error === null) this.error = IoError.from(err, "write", { address: this.target });
      this.writeReady.wake();
    } else if (this.socket.writableLength === 0) {
      this.writeReady.wake();
    }
  };

  private describeOp(err: Error): string {
    const code = (err as { code?: string }).code;
    return code === "EPIPE" ? "write" : "socket IO";
  }

  private closedError(op: string): IoError {
    return new IoError(
      op === "read" ? "Other" : "BrokenPipe",
      `${op} on a closed ${this.constructor.name}: close() (or disposal with \`using\`) ended it`,
      { address: this.target },
    );
  }

  // --- AsyncRead ---

  /**
   * Copy received bytes into `buf`; 0 at end of stream (the peer shut down its write side).
   * Cancel-safe: bytes stay queued until a read returns them. Most code calls `read(buf)`
   * instead; this is the `AsyncRead` method adapters and codecs poll.
   *
   * @example
   * const n = conn.pollRead(cx, buf); // PENDING, or bytes copied (0 = EOF)
   */
  pollRead(cx: Context, buf: Uint8Array): Poll<number> {
    if (buf.length === 0) return 0;
    if (this.buffered > 0) return this.take(buf);
    if (this.closed) throw this.closedError("read");
    if (this.error !== null) throw this.error;
    if (this.eof) return 0;
    if (this.paused) this.resume();
    this.readReady.register(cx);
    return PENDING;
  }

  /**
   * Drop the waker of an abandoned read (its future was cancelled); queued bytes stay. Called by
   * the read futures' `cancel`.
   *
   * @example
   * override cancel() { this.conn.cancelRead(); }
   */
  override cancelRead(): void {
    this.readReady.clear();
  }

  private grow(): (Buffer | undefined)[] {
    const old = this.ring;
    const ring: (Buffer | undefined)[] = new Array(old.length * 2).fill(undefined);
    for (let i = 0; i < this.count; i++) ring[i] = old[(this.head + i) & (old.length - 1)];
    this.ring = ring;
    this.head = 0;
    return ring;
  }

  private take(buf: Uint8Array): number {
    const ring = this.ring;
    const mask = ring.length - 1;
    let n = 0;
    while (n < buf.length && this.count > 0) {
      const chunk = ring[this.head]!;
      const offset = this.offset;
      const avail = chunk.length - offset;
      const want = buf.length - n;
      if (avail <= want) {
        buf.set(offset === 0 ? chunk : chunk.subarray(offset), n);
        n += avail;
        ring[this.head] = undefined; // release it now
        // Every byte of it is taken: a recycled buffer can hold the next read.
        if (chunk.length > RECYCLED_ABOVE && this.readsViaOnRead) releaseChunk(chunk);
        this.head = (this.head + 1) & mask;
        this.count--;
        this.offset = 0;
      } else {
        buf.set(chunk.subarray(offset, offset + want), n);
        n += want;
        this.offset = offset + want;
      }
    }
    this.buffered -= n;
    if (this.paused && this.buffered < this.hwm && !this.closed) this.resume();
    return n;
  }

  private resume(): void {
    if (this.closed || this.eof || this.error !== null) return;
    this.started = true;
    this.paused = false;
    this.socket.resume();
  }

  // --- AsyncWrite ---

  /**
   * Hand up to 64 KiB of `buf` to Node (copied: `buf` may be reused at once) and return how many
   * bytes; PENDING while Node's write buffer is over its mark. Cancel-safe: a pending write
   * accepted nothing.
   *
   * @example
   * const n = conn.pollWrite(cx, bytes); // PENDING, or bytes accepted
   */
  pollWrite(cx: Context, buf: Uint8Array): Poll<number> {
    if (this.error !== null) throw this.error;
    if (this.closed) throw this.closedError("write");
    if (this.writeEnded) {
      throw new IoError("BrokenPipe", "write after shutdown(): the write side is closed", {
        address: this.target,
      });
    }
    if (buf.length === 0) return 0;
    const socket = this.socket;
    if (socket.destroyed)
      throw new IoError("BrokenPipe", "write on a closed socket", { address: this.target });
    if (socket.writableNeedDrain) {
      this.writeReady.register(cx);
      return PENDING;
    }
    const n = buf.length < MAX_WRITE ? buf.length : MAX_WRITE;
    const src = n === buf.length ? buf : buf.subarray(0, n);
    let chunk: Buffer;
    if (n <= POOL_MAX_CHUNK) {
      chunk = carve(src);
      const p = pool;
      this.writePools.push(p);
      socket.write(chunk, this.onWritten);
      if (socket.writableLength === 0) {
        // Written to the kernel during the call (Node calls back later, on the next tick): the
        // pool bytes are free again now. Without this, a burst of writes in one drain (hundreds
        // of tasks answering at once) would hold a new pool per four 16 KiB writes until the
        // callbacks came, and drop most of them to the GC after.
        this.writePools[this.writePools.length - 1] = null;
        uncarve(p, chunk);
      }
      return n;
    }
    chunk = Buffer.allocUnsafeSlow(n);
    chunk.set(src);
    this.writePools.push(null);
    socket.write(chunk, this.onWritten);
    return n;
  }

  /**
   * Ready once Node has handed every accepted byte to the kernel. Cancel-safe.
   *
   * @example
   * if (conn.pollFlush(cx) === PENDING) return PENDING;
   */
  pollFlush(cx: Context): Poll<void> {
    if (this.error !== null) throw this.error;
    if (this.closed) throw this.closedError("flush");
    if (this.socket.writableLength === 0) return;
    this.writeReady.register(cx);
    return PENDING;
  }

  /**
   * Half-close: flush, then send FIN. The peer reads end of stream; this side can still read.
   * Idempotent. Cancel-safe: once started, the shutdown completes in the background.
   *
   * @example
   * if (conn.pollShutdown(cx) === PENDING) return PENDING;
   */
  pollShutdown(cx: Context): Poll<void> {
    if (this.error !== null) throw this.error;
    if (this.closed) throw this.closedError("shutdown");
    if (!this.writeEnded) {
      this.writeEnded = true;
      this.socket.end();
    }
    if (this.finished || this.socket.writableFinished) return;
    this.writeReady.register(cx);
    return PENDING;
  }

  /**
   * Drop the waker of an abandoned write, flush or shutdown.
   *
   * @example
   * override cancel() { this.conn.cancelWrite(); }
   */
  override cancelWrite(): void {
    this.writeReady.clear();
  }

  // --- handle ---

  /**
   * Limit of received-but-unread bytes before pollux stops reading from the kernel (default
   * 64 KiB). Lower it for many idle connections, raise it for bulk transfer.
   *
   * @example
   * conn.setReadHighWaterMark(1024 * 1024);
   */
  setReadHighWaterMark(bytes: number): void {
    this.hwm = checkHighWaterMark(bytes, `${this.constructor.name}.setReadHighWaterMark`);
    if (this.paused && this.started && this.buffered < this.hwm) this.resume();
  }

  /**
   * Bytes received and not yet read by the task (at most `readHighWaterMark` plus one chunk).
   *
   * @example
   * if (conn.bufferedBytes > 0) console.log("a read will not wait");
   */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * Close both directions now. Bytes already accepted by `write` are still sent (then the socket
   * is destroyed), as the kernel does for a closed socket; unread received bytes are dropped. Every
   * task waiting on this stream is woken and its read or write fails. Idempotent.
   *
   * @example
   * conn.close();
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const socket = this.socket;
    socket.off("data", this.onData);
    socket.off("end", this.onEnd);
    socket.off("drain", this.onDrain);
    socket.off("finish", this.onFinish);
    // 'error' and 'close' stay: a late error from the background flush must not crash the process.
    this.ring = new Array(8).fill(undefined);
    this.head = 0;
    this.count = 0;
    this.offset = 0;
    this.buffered = 0;
    if (!socket.destroyed) {
      if (socket.writableLength > 0 && !this.writeEnded) {
        // Deliver what was accepted, then destroy; like a closed fd, it must not keep the process
        // alive while the peer is slow to take it.
        socket.destroySoon();
        socket.unref();
      } else socket.destroy();
    }
    this.readReady.wake();
    this.writeReady.wake();
  }

  /**
   * True after `close()` (or disposal).
   *
   * @example
   * if (!conn.isClosed) conn.close();
   */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Same as `close()`, so `using` closes the stream at scope exit, on every path.
   *
   * @example
   * using conn = yield* TcpStream.connect(addr);
   */
  [Symbol.dispose](): void {
    this.close();
  }
}
