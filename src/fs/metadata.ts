/**
 * `Metadata` and `metadata(path)` / `symlinkMetadata(path)` (Tokio's `fs::metadata`,
 * `fs::symlink_metadata`): Node's `fs.Stats`, behind Rust's method names.
 */
import * as fs from "node:fs";
import { PathOp as Op, type OpArgs, type PathOp } from "./op.js";
import { checkPath, type PathLike } from "./path.js";

/**
 * What the file system knows about a file: type, size, times, permissions. The raw Node
 * `fs.Stats` is available as `stats` for anything not mirrored here.
 *
 * @example
 * const m = yield* fs.metadata("data.bin");
 * if (m.isFile()) console.log(`${m.len} bytes, modified ${m.modified.toISOString()}`);
 */
export class Metadata {
  /** @internal */
  constructor(
    /** Node's `fs.Stats` this wraps. */
    readonly stats: fs.Stats,
  ) {}

  /**
   * True for a regular file.
   *
   * @example
   * if ((yield* fs.metadata(p)).isFile()) yield* fs.removeFile(p);
   */
  isFile(): boolean {
    return this.stats.isFile();
  }

  /**
   * True for a directory.
   *
   * @example
   * if ((yield* fs.metadata(p)).isDir()) yield* fs.removeDirAll(p);
   */
  isDir(): boolean {
    return this.stats.isDirectory();
  }

  /**
   * True for a symbolic link; only `symlinkMetadata` (which does not follow links) can say so.
   *
   * @example
   * if ((yield* fs.symlinkMetadata(p)).isSymlink()) console.log("a link");
   */
  isSymlink(): boolean {
    return this.stats.isSymbolicLink();
  }

  /** Size in bytes. */
  get len(): number {
    return this.stats.size;
  }

  /** Last modification time. */
  get modified(): Date {
    return this.stats.mtime;
  }

  /** Last access time. */
  get accessed(): Date {
    return this.stats.atime;
  }

  /** Creation ("birth") time, where the file system records it. */
  get created(): Date {
    return this.stats.birthtime;
  }

  /** Permission bits and file type, as `st_mode` (`mode & 0o777` are the permissions). */
  get mode(): number {
    return this.stats.mode;
  }
}

/** @internal wrap Node's stats. */
export function toMetadata(value: unknown): Metadata {
  return new Metadata(value as fs.Stats);
}

function startStat(op: OpArgs): void {
  fs.stat(op.path, op.cb);
}

function startLstat(op: OpArgs): void {
  fs.lstat(op.path, op.cb);
}

/**
 * Metadata of the file at `path`, following symbolic links. A missing file is an `IoError` of kind
 * `"NotFound"`.
 *
 * Cost: one `stat` on libuv's thread pool.
 *
 * Cancel safety: cancel-safe (it only reads).
 *
 * @example
 * const size = (yield* fs.metadata("big.log")).len;
 */
export function metadata(path: PathLike): PathOp<Metadata> {
  return new Op<Metadata>(startStat, "metadata", checkPath(path, "fs.metadata()"), undefined, toMetadata);
}

/**
 * Metadata of `path` itself, without following a symbolic link (`lstat`).
 *
 * Cost: one `lstat`. Cancel safety: cancel-safe.
 *
 * @example
 * const isLink = (yield* fs.symlinkMetadata("current")).isSymlink();
 */
export function symlinkMetadata(path: PathLike): PathOp<Metadata> {
  return new Op<Metadata>(
    startLstat,
    "symlink metadata",
    checkPath(path, "fs.symlinkMetadata()"),
    undefined,
    toMetadata,
  );
}
