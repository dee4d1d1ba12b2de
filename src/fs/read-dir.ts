/**
 * `readDir(path)`: a stream of the entries of a directory (Tokio's `fs::read_dir` / `ReadDir`).
 *
 * HOW: `fs.opendir` (callback form) opens a directory handle that reads entries from the OS 32 at
 * a time; `dir.read(cb)` hands them out one by one. The stream keeps one `dir.read` in flight
 * ahead of the consumer and queues at most `READ_AHEAD` entries, so a slow consumer of a huge
 * directory holds a bounded number of entries (backpressure), and a fast one usually finds the next
 * entry already there. The two Node callbacks are created once per stream. The handle is closed
 * at the end of the listing, on error, and when the stream is dropped (`cancel`/`using`); a close
 * requested while a read is in flight is queued by Node behind it.
 */
import type { Dir, Dirent } from "node:fs";
import * as fs from "node:fs";
import { join } from "node:path";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { IoError } from "../io/error.js";
import { Readiness } from "../io/registration.js";
import { END, type End } from "../stream/poll-next.js";
import { Next, StreamBase } from "../stream/stream.js";
import { pollProceed } from "../task/coop.js";
import type { Metadata } from "./metadata.js";
import { symlinkMetadata } from "./metadata.js";
import type { PathOp } from "./op.js";
import { checkPath, type PathLike } from "./path.js";

/** The most entries queued ahead of the consumer. */
const READ_AHEAD = 32;
const OPEN_OPTIONS = { bufferSize: READ_AHEAD } as const;

/** The type of a directory entry, without following symbolic links. */
export type FileType = "file" | "dir" | "symlink" | "other";

function fileTypeOf(d: Dirent): FileType {
  if (d.isFile()) return "file";
  if (d.isDirectory()) return "dir";
  if (d.isSymbolicLink()) return "symlink";
  return "other";
}

/**
 * One entry of a directory listing: its `name`, its full `path` (the directory's path joined with
 * the name) and its `fileType` as the directory reported it (a symbolic link is `"symlink"`, not
 * what it points to).
 *
 * @example
 * for (let e = yield* entries.next(); e !== END; e = yield* entries.next()) {
 *   if (e.fileType === "file") console.log(e.path);
 * }
 */
export class DirEntry {
  /** @internal */
  constructor(
    /** The file name, without the directory. */
    readonly name: string,
    /** The directory's path joined with `name`. */
    readonly path: string,
    /** What the entry is, without following links. */
    readonly fileType: FileType,
  ) {}

  /**
   * True when the entry is a regular file.
   *
   * @example
   * const files = yield* fs.readDir(".").filter((e) => e.isFile()).collect();
   */
  isFile(): boolean {
    return this.fileType === "file";
  }

  /**
   * True when the entry is a directory.
   *
   * @example
   * if (e.isDir()) yield* walk(e.path);
   */
  isDir(): boolean {
    return this.fileType === "dir";
  }

  /**
   * True when the entry is a symbolic link.
   *
   * @example
   * if (e.isSymlink()) console.log(`${e.name} is a link`);
   */
  isSymlink(): boolean {
    return this.fileType === "symlink";
  }

  /**
   * The entry's metadata, without following a symbolic link (as Tokio's `DirEntry::metadata`).
   *
   * Cost: one `lstat`. Cancel safety: cancel-safe.
   *
   * @example
   * const size = (yield* entry.metadata()).len;
   */
  metadata(): PathOp<Metadata> {
    return symlinkMetadata(this.path);
  }
}

/**
 * The stream returned by {@link readDir}: each item is a {@link DirEntry}; `.` and `..` are not
 * listed; the order is the file system's. Errors while listing are thrown from `next()` as
 * `IoError`s naming the directory.
 *
 * Cancel safety: `next()` is cancel-safe: no entry is lost. Dropping the stream (`cancel()`,
 * `using`) closes the directory handle.
 *
 * @example
 * using entries = fs.readDir("logs");
 * const names = (yield* entries.collect()).map((e) => e.name);
 */
export class ReadDir extends StreamBase<DirEntry> {
  private dir: Dir | null = null;
  private started = false;
  private reading = false;
  private ended = false;
  private closed = false;
  private error: IoError | null = null;
  private queue: DirEntry[] = [];
  private head = 0;
  private readonly readiness = new Readiness();
  private readonly onOpen = (err: NodeJS.ErrnoException | null, dir?: Dir): void => this.opened(err, dir);
  private readonly onRead = (err: NodeJS.ErrnoException | null, d?: Dirent | null): void =>
    this.readDone(err, d);

  /** @internal use {@link readDir}. */
  constructor(readonly path: string) {
    super();
  }

  pollNext(cx: Context): Poll<DirEntry | End> {
    if (this.head < this.queue.length) {
      if (!pollProceed(cx)) return PENDING;
      const e = this.queue[this.head]!;
      this.queue[this.head++] = undefined as never;
      if (this.head === this.queue.length) {
        this.queue.length = 0;
        this.head = 0;
      }
      this.readAhead();
      return e;
    }
    const error = this.error;
    if (error !== null) {
      this.error = null;
      this.ended = true;
      throw error;
    }
    if (this.ended || this.closed) return END;
    if (!this.started) {
      this.started = true;
      fs.opendir(this.path, OPEN_OPTIONS, this.onOpen);
    }
    this.readiness.register(cx);
    return PENDING;
  }

  /** Keep one read in flight while the queue has room. */
  private readAhead(): void {
    const dir = this.dir;
    if (dir === null || this.reading || this.ended || this.closed) return;
    if (this.queue.length - this.head >= READ_AHEAD) return;
    this.reading = true;
    dir.read(this.onRead);
  }

  private opened(err: NodeJS.ErrnoException | null, dir: Dir | undefined): void {
    if (this.closed) {
      if (dir !== undefined) dir.close(ignore);
      return;
    }
    if (err !== null) {
      this.fail(err);
      return;
    }
    this.dir = dir!;
    this.readAhead();
  }

  private readDone(err: NodeJS.ErrnoException | null, d: Dirent | null | undefined): void {
    this.reading = false;
    if (this.closed) return;
    if (err !== null) {
      this.fail(err);
      return;
    }
    if (d === null || d === undefined) {
      this.ended = true;
      this.closeDir();
    } else {
      this.queue.push(new DirEntry(d.name, join(this.path, d.name), fileTypeOf(d)));
      this.readAhead();
    }
    this.readiness.wake();
  }

  private fail(err: NodeJS.ErrnoException): void {
    this.error = IoError.from(err, "read directory", { path: this.path });
    this.closeDir();
    this.readiness.wake();
  }

  private closeDir(): void {
    const dir = this.dir;
    this.dir = null;
    if (dir !== null) dir.close(ignore);
  }

  /** A future of the next entry, or `END` at the end; cancelling it drops its registration. */
  override next(): Next<DirEntry> {
    return new ReadDirNext(this);
  }

  /** @internal a `next()` future was cancelled. */
  dropWaker(): void {
    this.readiness.clear();
  }

  /** Close the directory handle; the stream ends. Idempotent. */
  override cancel(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.head = 0;
    this.readiness.clear();
    this.closeDir();
  }

  override describe(): string {
    return `fs.readDir(${this.path})`;
  }
}

class ReadDirNext extends Next<DirEntry> {
  constructor(private readonly rd: ReadDir) {
    super(rd);
  }
  override cancel(): void {
    this.rd.dropWaker();
  }
}

function ignore(): void {}

/**
 * List a directory as a stream of {@link DirEntry} (name, path, file type), read in batches and
 * bounded ahead of the consumer. A missing directory is an `IoError` of kind `"NotFound"`, thrown
 * by the first `next()`.
 *
 * Cost: one directory handle while listing; about one small object per entry. Nothing happens
 * until the stream is first polled.
 *
 * Cancel safety: see {@link ReadDir}.
 *
 * @example
 * using entries = fs.readDir("photos");
 * for (let e = yield* entries.next(); e !== END; e = yield* entries.next()) {
 *   if (e.isFile() && e.name.endsWith(".jpg")) yield* upload(e.path);
 * }
 */
export function readDir(path: PathLike): ReadDir {
  return new ReadDir(checkPath(path, "fs.readDir()"));
}
