/**
 * Directory creation and removal: `createDir`, `createDirAll`, `removeDir`, `removeDirAll`
 * (Tokio's `fs::create_dir`, `create_dir_all`, `remove_dir`, `remove_dir_all`), each one Node
 * callback call completed into a `PathOp`.
 */
import * as fs from "node:fs";
import { PathOp as Op, type OpArgs, type PathOp } from "./op.js";
import { checkPath, type PathLike } from "./path.js";

const RECURSIVE = { recursive: true } as const;

function startMkdir(op: OpArgs): void {
  fs.mkdir(op.path, op.cb);
}
function startMkdirAll(op: OpArgs): void {
  fs.mkdir(op.path, RECURSIVE, op.cb);
}
function startRmdir(op: OpArgs): void {
  fs.rmdir(op.path, op.cb);
}
function startRmAll(op: OpArgs): void {
  fs.rm(op.path, RECURSIVE, op.cb);
}
function nothing(): void {}

/**
 * Create a directory. Fails with kind `"AlreadyExists"` if it exists, `"NotFound"` if its parent
 * does not.
 *
 * Cost: one `mkdir`. Cancel safety: a cancelled call may still create the directory.
 *
 * @example
 * yield* fs.createDir("out");
 */
export function createDir(path: PathLike): PathOp<void> {
  return new Op<void>(startMkdir, "create directory", checkPath(path, "fs.createDir()"), undefined, nothing);
}

/**
 * Create a directory and every missing parent; succeeds if it already exists (`mkdir -p`).
 *
 * Cost: one recursive `mkdir` (one syscall per missing level). Cancel safety: a cancelled call may
 * still create some levels.
 *
 * @example
 * yield* fs.createDirAll("out/2024/06");
 */
export function createDirAll(path: PathLike): PathOp<void> {
  return new Op<void>(
    startMkdirAll,
    "create directory (all)",
    checkPath(path, "fs.createDirAll()"),
    undefined,
    nothing,
  );
}

/**
 * Remove an empty directory. A non-empty one fails (kind `"AlreadyExists"`, errno `ENOTEMPTY`).
 *
 * Cost: one `rmdir`. Cancel safety: a cancelled call may still remove it.
 *
 * @example
 * yield* fs.removeDir("out/tmp");
 */
export function removeDir(path: PathLike): PathOp<void> {
  return new Op<void>(startRmdir, "remove directory", checkPath(path, "fs.removeDir()"), undefined, nothing);
}

/**
 * Remove a directory and everything in it (`rm -r`). A missing path is an `IoError` of kind
 * `"NotFound"`. Symbolic links inside are removed, not followed. Like `rm -r`, it also removes a
 * plain file given as `path`.
 *
 * Cost: one Node `fs.rm` (a syscall per entry). Cancel safety: a cancelled call keeps removing in
 * the background.
 *
 * @example
 * yield* fs.removeDirAll("build");
 */
export function removeDirAll(path: PathLike): PathOp<void> {
  return new Op<void>(
    startRmAll,
    "remove directory (all)",
    checkPath(path, "fs.removeDirAll()"),
    undefined,
    nothing,
  );
}
