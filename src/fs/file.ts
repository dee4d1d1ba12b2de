/**
 * `File`: an open file as an `AsyncRead + AsyncWrite` with `seek`, `setLen`, `syncAll`, `metadata`
 * (Tokio's `tokio::fs::File`).
 *
 * HOW: Node has no `lseek`, so the file keeps its own cursor (`pos`) and passes it to every
 * positional `fs.read`/`fs.write` (pread/pwrite). At most one operation is in flight per file, as
 * in Tokio; every poll method first waits for it (one `Readiness`, so a task waiting on a file is a
 * runtime wake source).
 *
 * WHY an internal buffer: libuv writes into the buffer of an in-flight read later, on its own
 * thread. If `pollRead` handed the caller's buffer to libuv and the read future were then cancelled,
 * the caller could reuse that memory while libuv still writes into it. So reads land in the file's
 * own buffer and are copied out; bytes the caller had no room for stay there for the next read.
 * Writes are copied in too, and `pollWrite` reports them accepted at once (Tokio does the same):
 * the write runs in the background, `flush()` waits for it, and its error is reported by the next
 * operation. Cost: one copy per read or write, and one buffer per file (at most 1 MiB).
 *
 * Closing while an operation is in flight closes the descriptor when that operation completes. A
 * `File` dropped without `close()` is closed when it is garbage-collected (see `leaked`).
 */
import * as fs from "node:fs";
import { FutureBase } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { AsyncReadWriteBase } from "../io/async-io.js";
import { IoError } from "../io/error.js";
import { Readiness } from "../io/registration.js";
import { Metadata } from "./metadata.js";
import { type OpArgs, PathOp } from "./op.js";
import { checkPath, describeArg, type PathLike } from "./path.js";

/** Largest single read or write, and the most the internal buffer grows to. */
const MAX_BUF = 1024 * 1024;

// What is in flight.
const IDLE = 0;
const READ = 1;
const WRITE = 2;
const AUX = 3;

// Auxiliary operations (one future class drives them all).
const STAT = 0;
const TRUNCATE = 1;
const SYNC = 2;
const DATASYNC = 3;
const SEEK = 4;

/** Node's open flags accepted by `File.open`. */
export type OpenFlags =
  | "r"
  | "r+"
  | "rs+"
  | "w"
  | "wx"
  | "w+"
  | "wx+"
  | "a"
  | "ax"
  | "a+"
  | "ax+"
  | "as"
  | "as+";

const FLAGS: ReadonlySet<string> = new Set([
  "r",
  "r+",
  "rs+",
  "w",
  "wx",
  "w+",
  "wx+",
  "a",
  "ax",
  "a+",
  "ax+",
  "as",
  "as+",
]);

/**
 * Where `seek` moves the cursor (Rust's `SeekFrom`): a number is an offset from the start;
 * `{ start: n }` from the start, `{ current: n }` from the cursor, `{ end: n }` from the end (`n`
 * may be negative for `current` and `end`).
 */
export type SeekFrom = number | { start: number } | { current: number } | { end: number };

function ignore(): void {}

/**
 * Rust closes a file when it is dropped; JavaScript has no drop, so a `File` that becomes garbage
 * without `close()` has its descriptor closed by this registry (as Node does for a `FileHandle`).
 * `close()` unregisters. In-flight operations keep the `File` reachable through their callbacks,
 * so a descriptor is never closed under a running operation.
 */
const leaked = new FinalizationRegistry<number>((fd) => fs.close(fd, ignore));

function startOpen(op: OpArgs): void {
  fs.open(op.path, op.arg as string, 0o666, op.cb);
}

function toFile(fd: unknown, op: OpArgs): File {
  return new File(fd as number, op.path, (op.arg as string).startsWith("a"));
}

function closeFd(fd: unknown): void {
  fs.close(fd as number, ignore);
}

/**
 * An open file. Read and write it with the `pollux/io` futures (`read`, `readExact`, `readToEnd`,
 * `write`, `writeAll`, `flush`, ...), move with `seek`, and close it with `close()` or `using`.
 *
 * One user at a time: like Tokio's `File` (whose methods take `&mut self`), a file serves one
 * operation at a time; give each task its own `File` for concurrent access.
 *
 * Writes are accepted into the file's buffer and written in the background: call `flush()` (or
 * `syncAll()` for durability) before closing if you need to know that they succeeded.
 *
 * Cancel safety: `read` is cancel-safe (bytes read but not returned stay for the next read);
 * `write` is cancel-safe once accepted; `seek`, `setLen` and `syncAll` may take effect even if
 * cancelled.
 *
 * @example
 * using f = yield* File.create("log.txt");
 * yield* f.writeAll(new TextEncoder().encode("hello\n"));
 * yield* f.syncAll();
 */
export class File extends AsyncReadWriteBase implements Disposable {
  private fdValue: number;
  /** The cursor: where the next byte returned by `pollRead` (or written) is. */
  private pos = 0;
  private buf: Buffer | null = null;
  /** Unread bytes of the last read are `buf[bufStart, bufEnd)`; they sit at file offset `pos`. */
  private bufStart = 0;
  private bufEnd = 0;
  private busy = IDLE;
  /** The last read found the end of the file: the next `pollRead` returns 0 without reading. */
  private eof = false;
  private closeRequested = false;
  /** The error of a background write, reported by the next operation. */
  private pendingError: IoError | null = null;
  /** Background write progress: bytes `buf[wOff, wEnd)` go to file offset `wPos` (-1: append). */
  private wOff = 0;
  private wEnd = 0;
  private wPos = 0;
  /** Auxiliary operation results, matched to their future by `auxTicket`. */
  private auxTicket = 0;
  private auxDone = 0;
  private auxValue: unknown = undefined;
  private auxError: IoError | null = null;
  private readonly readiness = new Readiness();
  private readonly onRead = (err: NodeJS.ErrnoException | null, n: number): void => this.readDone(err, n);
  private readonly onWrite = (err: NodeJS.ErrnoException | null, n: number): void => this.writeDone(err, n);
  private readonly onAux = (err: NodeJS.ErrnoException | null, value?: unknown): void =>
    this.auxFinished(err, value);

  /** @internal use `File.open` / `File.create`. */
  constructor(
    fd: number,
    /** The path the file was opened with (in errors). */
    readonly path: string,
    private readonly append: boolean,
  ) {
    super();
    this.fdValue = fd;
    leaked.register(this, fd, this);
  }

  /**
   * Open a file. `flags` are Node's (`"r"` read-only, the default; `"r+"` read-write; `"w"`/`"w+"`
   * create or truncate; `"wx"` create, failing if it exists; `"a"`/`"a+"` append). A missing file
   * is an `IoError` of kind `"NotFound"` naming the path.
   *
   * In append mode writes always go to the end of the file and do not move the read cursor.
   *
   * Cost: one `open`. Cancel safety: a cancelled open closes the descriptor when it arrives, so
   * nothing leaks.
   *
   * @example
   * using f = yield* File.open("data.bin");
   * const header = new Uint8Array(16);
   * yield* f.readExact(header);
   */
  static open(path: PathLike, flags: OpenFlags = "r"): PathOp<File> {
    const p = checkPath(path, "File.open()");
    if (typeof flags !== "string" || !FLAGS.has(flags)) {
      throw new TypeError(
        `File.open() flags must be one of ${[...FLAGS].map((f) => JSON.stringify(f)).join(", ")}; got ${describeArg(flags)}.`,
      );
    }
    return new PathOp<File>(startOpen, "open", p, flags, toFile, closeFd);
  }

  /**
   * Create a file (or truncate an existing one) and open it for writing and reading (flags `"w+"`;
   * Tokio's `create` is write-only, reading too lets you read back what you wrote after a `seek`).
   *
   * Cost: one `open`. Cancel safety: as `open`; the file may have been created.
   *
   * @example
   * using f = yield* File.create("out.csv");
   * yield* f.writeAll(csvBytes);
   */
  static create(path: PathLike): PathOp<File> {
    return new PathOp<File>(startOpen, "create", checkPath(path, "File.create()"), "w+", toFile, closeFd);
  }

  /** The file descriptor, or -1 once closed. */
  get fd(): number {
    return this.closeRequested ? -1 : this.fdValue;
  }

  // --- AsyncRead / AsyncWrite ---

  pollRead(cx: Context, dst: Uint8Array): Poll<number> {
    if (this.bufEnd > this.bufStart) return this.copyOut(dst);
    if (!this.pollIdle(cx)) return PENDING;
    if (this.bufEnd > this.bufStart) return this.copyOut(dst);
    if (this.eof) {
      this.eof = false;
      return 0;
    }
    if (dst.length === 0) return 0;
    const size = Math.min(dst.length, MAX_BUF);
    const buf = this.bufferOf(size);
    this.busy = READ;
    fs.read(this.fdValue, buf, 0, size, this.pos, this.onRead);
    this.readiness.register(cx);
    return PENDING;
  }

  pollWrite(cx: Context, src: Uint8Array): Poll<number> {
    if (!this.pollIdle(cx)) return PENDING;
    this.discardReadAhead();
    if (src.length === 0) return 0;
    const n = Math.min(src.length, MAX_BUF);
    const buf = this.bufferOf(n);
    buf.set(n === src.length ? src : src.subarray(0, n), 0);
    this.wOff = 0;
    this.wEnd = n;
    if (this.append) this.wPos = -1;
    else {
      this.wPos = this.pos;
      this.pos += n;
    }
    this.busy = WRITE;
    this.startWrite();
    return n;
  }

  pollFlush(cx: Context): Poll<void> {
    return this.pollIdle(cx) ? undefined : PENDING;
  }

  /** Same as flush: a file has no write side to close. */
  pollShutdown(cx: Context): Poll<void> {
    return this.pollIdle(cx) ? undefined : PENDING;
  }

  override cancelRead(): void {
    this.readiness.clear();
  }

  override cancelWrite(): void {
    this.readiness.clear();
  }

  // --- seek, setLen, sync, metadata ---

  /**
   * Move the cursor; resolves to the new position from the start. Seeking past the end is
   * allowed (a later write leaves a hole); before the start is an `IoError` of kind
   * `"InvalidInput"`. Bytes read ahead are discarded.
   *
   * Cost: free, except `{ end }`, which needs one `fstat`. Cancel safety: cancel-safe until it
   * completes (the cursor moves only then).
   *
   * @example
   * yield* f.seek({ end: -16 }); // the last 16 bytes
   * yield* f.readExact(trailer);
   */
  seek(to: SeekFrom): FileOp<number> {
    let kind: number;
    let offset: number;
    if (typeof to === "number") {
      kind = 0;
      offset = to;
    } else if (typeof to === "object" && to !== null && "start" in to) {
      kind = 0;
      offset = to.start;
    } else if (typeof to === "object" && to !== null && "current" in to) {
      kind = 1;
      offset = to.current;
    } else if (typeof to === "object" && to !== null && "end" in to) {
      kind = 2;
      offset = to.end;
    } else {
      throw new TypeError(
        `File.seek() expects a position: a number, { start: n }, { current: n } or { end: n }; got ${describeArg(to)}.`,
      );
    }
    if (typeof offset !== "number" || !Number.isSafeInteger(offset)) {
      throw new TypeError(`File.seek() expects an integer offset; got ${describeArg(offset)}.`);
    }
    if (kind === 0 && offset < 0) {
      throw new RangeError(`File.seek(${offset}): a position from the start cannot be negative.`);
    }
    return new FileOp<number>(this, SEEK, kind, offset);
  }

  /**
   * Truncate or extend the file to `len` bytes (extending fills with zeros). The cursor does not
   * move. Cost: one `ftruncate`. Cancel safety: may take effect even if cancelled.
   *
   * @example
   * yield* f.setLen(0); // empty the file
   */
  setLen(len: number): FileOp<void> {
    if (typeof len !== "number" || !Number.isSafeInteger(len) || len < 0) {
      throw new RangeError(`File.setLen() expects a non-negative integer length; got ${describeArg(len)}.`);
    }
    return new FileOp<void>(this, TRUNCATE, 0, len);
  }

  /**
   * Wait for pending writes, then flush data and metadata to the storage device (`fsync`).
   * Cost: one `fsync` (can take milliseconds). Cancel safety: the sync still happens.
   *
   * @example
   * yield* f.writeAll(record);
   * yield* f.syncAll(); // durable now
   */
  syncAll(): FileOp<void> {
    return new FileOp<void>(this, SYNC, 0, 0);
  }

  /**
   * Like `syncAll`, but only the data and what is needed to read it back (`fdatasync`).
   *
   * @example
   * yield* f.syncData();
   */
  syncData(): FileOp<void> {
    return new FileOp<void>(this, DATASYNC, 0, 0);
  }

  /**
   * The open file's metadata (`fstat`), after pending writes.
   * Cost: one `fstat`. Cancel safety: cancel-safe.
   *
   * @example
   * const size = (yield* f.metadata()).len;
   */
  metadata(): FileOp<Metadata> {
    return new FileOp<Metadata>(this, STAT, 0, 0);
  }

  /**
   * Close the file. Idempotent. If an operation is in flight, the descriptor is closed when it
   * completes. (A `File` that is never closed is closed when garbage-collected; do not rely on it.) A background write's error is lost: `flush()` first to see it. Later operations
   * throw an `IoError`. `using` calls it at scope exit.
   *
   * @example
   * const f = yield* File.open("a.txt");
   * try { yield* f.readToString(); } finally { f.close(); }
   */
  close(): void {
    if (this.closeRequested) return;
    this.closeRequested = true;
    leaked.unregister(this);
    this.buf = null;
    this.bufStart = this.bufEnd = 0;
    // A task waiting on this file re-polls and gets "the file was closed" instead of hanging.
    this.readiness.wake();
    if (this.busy === IDLE) fs.close(this.fdValue, ignore);
  }

  /** Same as {@link File.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  override describe(): string {
    return `File(${this.path})`;
  }

  // --- internals ---

  /** @internal true when nothing is in flight (throws a background error); else registers. */
  pollIdle(cx: Context): boolean {
    if (this.closeRequested) throw new IoError("Other", "the file was closed", { path: this.path });
    if (this.busy !== IDLE) {
      this.readiness.register(cx);
      return false;
    }
    const e = this.pendingError;
    if (e !== null) {
      this.pendingError = null;
      throw e;
    }
    return true;
  }

  /** @internal start an auxiliary operation; returns its ticket. */
  startAux(op: number, arg: number): number {
    this.busy = AUX;
    const fd = this.fdValue;
    switch (op) {
      case STAT:
        fs.fstat(fd, this.onAux);
        break;
      case TRUNCATE:
        this.discardReadAhead();
        fs.ftruncate(fd, arg, this.onAux);
        break;
      case SYNC:
        fs.fsync(fd, this.onAux);
        break;
      default:
        fs.fdatasync(fd, this.onAux);
    }
    return ++this.auxTicket;
  }

  /** @internal the result of auxiliary operation `ticket`, once it is done (else PENDING). */
  pollAux(cx: Context, ticket: number): Poll<unknown> {
    if (this.auxDone !== ticket) {
      if (this.auxTicket !== ticket) {
        throw new Error("a File operation was overtaken by another one: use a File from one task at a time.");
      }
      if (this.closeRequested) throw new IoError("Other", "the file was closed", { path: this.path });
      this.readiness.register(cx);
      return PENDING;
    }
    const e = this.auxError;
    const v = this.auxValue;
    this.auxError = null;
    this.auxValue = undefined;
    if (e !== null) throw e;
    return v;
  }

  /** @internal move the cursor (seek). */
  setPos(pos: number): number {
    if (pos < 0) {
      throw new IoError("InvalidInput", `seek failed: position ${pos} is before the start of the file`, {
        path: this.path,
      });
    }
    this.discardReadAhead();
    this.pos = pos;
    return pos;
  }

  /** @internal */
  get cursor(): number {
    return this.pos;
  }

  private copyOut(dst: Uint8Array): number {
    const n = Math.min(dst.length, this.bufEnd - this.bufStart);
    const buf = this.buf!;
    dst.set(buf.subarray(this.bufStart, this.bufStart + n), 0);
    this.bufStart += n;
    this.pos += n;
    return n;
  }

  private discardReadAhead(): void {
    this.bufStart = this.bufEnd = 0;
    this.eof = false;
  }

  private bufferOf(size: number): Buffer {
    let buf = this.buf;
    if (buf === null || buf.length < size) {
      // Grow in powers of two from 8 KiB, so small reads keep a small buffer.
      let cap = buf === null ? 8192 : buf.length;
      while (cap < size) cap *= 2;
      buf = this.buf = Buffer.allocUnsafe(Math.min(cap, MAX_BUF));
    }
    return buf;
  }

  private startWrite(): void {
    fs.write(
      this.fdValue,
      this.buf!,
      this.wOff,
      this.wEnd - this.wOff,
      this.wPos < 0 ? null : this.wPos,
      this.onWrite,
    );
  }

  private readDone(err: NodeJS.ErrnoException | null, n: number): void {
    this.busy = IDLE;
    if (this.closeRequested) {
      fs.close(this.fdValue, ignore);
      return;
    }
    if (err !== null) this.pendingError = IoError.from(err, "read", { path: this.path });
    else {
      this.bufStart = 0;
      this.bufEnd = n;
      this.eof = n === 0;
    }
    this.readiness.wake();
  }

  private writeDone(err: NodeJS.ErrnoException | null, n: number): void {
    if (err === null && n > 0 && this.wOff + n < this.wEnd) {
      // A short write: write the rest before the file is idle again.
      this.wOff += n;
      if (this.wPos >= 0) this.wPos += n;
      this.startWrite();
      return;
    }
    this.busy = IDLE;
    if (this.closeRequested) {
      fs.close(this.fdValue, ignore);
      return;
    }
    if (err !== null) this.pendingError = IoError.from(err, "write", { path: this.path });
    else if (n === 0 && this.wOff < this.wEnd) {
      this.pendingError = new IoError("WriteZero", "write failed: the file accepted no bytes", {
        path: this.path,
      });
    }
    this.readiness.wake();
  }

  private auxFinished(err: NodeJS.ErrnoException | null, value: unknown): void {
    this.busy = IDLE;
    this.auxDone = this.auxTicket;
    if (this.closeRequested) {
      fs.close(this.fdValue, ignore);
      return;
    }
    this.auxError = err === null ? null : IoError.from(err, "file operation", { path: this.path });
    this.auxValue = value;
    this.readiness.wake();
  }
}

/**
 * The future of `File.seek`, `setLen`, `syncAll`, `syncData` and `metadata`: waits for the
 * operation in flight, runs its own, and resolves with its result.
 *
 * Cancel safety: see each method; a cancelled one drops its registration, and its result (if the
 * operation had started) is ignored.
 *
 * @example
 * const pos: FileOp<number> = f.seek({ current: 0 });
 */
export class FileOp<T> extends FutureBase<T> {
  private ticket = 0;

  /** @internal */
  constructor(
    private readonly file: File,
    private readonly op: number,
    private readonly whence: number,
    private readonly arg: number,
  ) {
    super();
  }

  poll(cx: Context): Poll<T> {
    const file = this.file;
    if (this.ticket === 0) {
      if (!file.pollIdle(cx)) return PENDING;
      if (this.op === SEEK) {
        if (this.whence === 0) return file.setPos(this.arg) as T;
        if (this.whence === 1) return file.setPos(file.cursor + this.arg) as T;
        this.ticket = file.startAux(STAT, 0);
      } else {
        this.ticket = file.startAux(this.op, this.arg);
      }
    }
    const out = file.pollAux(cx, this.ticket);
    if (out === PENDING) return PENDING;
    switch (this.op) {
      case SEEK:
        return file.setPos((out as fs.Stats).size + this.arg) as T;
      case STAT:
        return new Metadata(out as fs.Stats) as T;
      default:
        return undefined as T;
    }
  }

  override cancel(): void {
    this.file.cancelRead();
  }

  override describe(): string {
    return `${this.file.describe()}.${["metadata", "setLen", "syncAll", "syncData", "seek"][this.op]}()`;
  }
}
