/**
 * Operations on directory entries by name: `removeFile`, `rename`, `copy` (Tokio's
 * `fs::remove_file`, `fs::rename`, `fs::copy`).
 */
import * as fs from "node:fs";
import { PathOp as Op, type OpArgs, type PathOp } from "./op.js";
import { checkPath, type PathLike } from "./path.js";

function startUnlink(op: OpArgs): void {
  fs.unlink(op.path, op.cb);
}
function startRename(op: OpArgs): void {
  fs.rename(op.path, op.arg as string, op.cb);
}
function startCopy(op: OpArgs): void {
  fs.copyFile(op.path, op.arg as string, op.cb);
}
function nothing(): void {}

/**
 * Remove a file (or a symbolic link; the target is untouched). A missing file is an `IoError` of
 * kind `"NotFound"`.
 *
 * Cost: one `unlink`. Cancel safety: a cancelled call may still remove the file.
 *
 * @example
 * yield* fs.removeFile("app.pid");
 */
export function removeFile(path: PathLike): PathOp<void> {
  return new Op<void>(startUnlink, "remove file", checkPath(path, "fs.removeFile()"), undefined, nothing);
}

/**
 * Rename (move) `from` to `to`, replacing `to` if it is a file. Both must be on one file system.
 * Errors name `from` as the path and `to` in the message.
 *
 * Cost: one `rename`. Cancel safety: a cancelled call may still rename.
 *
 * @example
 * yield* fs.write("config.json.tmp", text);
 * yield* fs.rename("config.json.tmp", "config.json"); // atomic replace
 */
export function rename(from: PathLike, to: PathLike): PathOp<void> {
  const src = checkPath(from, "fs.rename() (from)");
  const dst = checkPath(to, "fs.rename() (to)");
  return new Op<void>(startRename, `rename to ${dst}`, src, dst, nothing);
}

/**
 * Copy the contents of file `from` to `to`, creating or truncating `to`. Unlike Tokio's `copy`,
 * it does not return the byte count (Node's `copyFile` does not report it); use `metadata(to)`.
 *
 * Cost: one Node `copyFile` (copy-on-write clone or kernel copy where available).
 *
 * Cancel safety: a cancelled copy keeps running in the background and may leave `to` partial.
 *
 * @example
 * yield* fs.copy("template.html", "index.html");
 */
export function copy(from: PathLike, to: PathLike): PathOp<void> {
  const src = checkPath(from, "fs.copy() (from)");
  const dst = checkPath(to, "fs.copy() (to)");
  return new Op<void>(startCopy, `copy to ${dst}`, src, dst, nothing);
}
