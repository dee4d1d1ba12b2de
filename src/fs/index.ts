/**
 * `pollux/fs`: the file system as futures (Tokio's `tokio::fs`), on Node's callback API.
 *
 * - Whole files: `read`, `readToString`, `write`.
 * - Open files: `File.open`, `File.create` → `File`, a reader and writer (the `pollux/io` surface)
 *   with `seek`, `setLen`, `syncAll`, `syncData`, `metadata`, `close`.
 * - Directories: `readDir` (a stream of `DirEntry`), `createDir`, `createDirAll`, `removeDir`,
 *   `removeDirAll`.
 * - Entries: `metadata`, `symlinkMetadata`, `removeFile`, `rename`, `copy`.
 *
 * Every operation is a lazy leaf future: nothing touches the disk until it is polled. Each one is
 * one Node callback call (no promise per call) whose callback wakes the task. Failures are
 * `IoError`s with a Rust `kind` (`"NotFound"`, `"PermissionDenied"`, ...) and the `path`.
 *
 * Cancellation: libuv cannot stop file system work once started. Cancelling a future drops its
 * registration and ignores its result; a file descriptor it opened is closed, so cancelled opens
 * leak nothing. Operations that change the file system may still take effect.
 *
 * @module
 */
export { createDir, createDirAll, removeDir, removeDirAll } from "./dirs.js";
export { copy, removeFile, rename } from "./entries.js";
export { File, FileOp, type OpenFlags, type SeekFrom } from "./file.js";
export { Metadata, metadata, symlinkMetadata } from "./metadata.js";
export type { PathOp } from "./op.js";
export type { PathLike } from "./path.js";
export { DirEntry, type FileType, ReadDir, readDir } from "./read-dir.js";
export { read, readToString, write } from "./read-write.js";
