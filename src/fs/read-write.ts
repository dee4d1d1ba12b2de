/**
 * Whole-file helpers: `read`, `readToString`, `write` (Tokio's `fs::read`, `fs::read_to_string`,
 * `fs::write`).
 *
 * They use Node's callback `fs.readFile`/`fs.writeFile`, which chain open → fstat → read → close
 * inside Node without a promise per step (`fs/promises.readFile` goes through a `FileHandle` and
 * several awaits, which is why it is slower for small files).
 */
import { isUtf8 } from "node:buffer";
import * as fs from "node:fs";
import { IoError } from "../io/error.js";
import { PathOp as Op, type OpArgs, type PathOp } from "./op.js";
import { checkPath, describeArg, type PathLike } from "./path.js";

function startRead(op: OpArgs): void {
  fs.readFile(op.path, op.cb);
}

function toUtf8(value: unknown, op: OpArgs): string {
  const buf = value as Buffer;
  if (!isUtf8(buf)) {
    throw new IoError("InvalidData", "read to string failed: the file is not valid UTF-8", { path: op.path });
  }
  return buf.toString("utf8");
}

function startWrite(op: OpArgs): void {
  fs.writeFile(op.path, op.arg as Uint8Array | string, op.cb);
}

/**
 * Read a whole file into bytes. A missing file is an `IoError` of kind `"NotFound"` whose `path`
 * (and message) name it.
 *
 * When to use: configuration, small to medium files. For large files, stream with `File.open`.
 *
 * Cost: one Node `fs.readFile` (open, fstat, read, close on libuv's thread pool); the bytes are a
 * `Buffer` (a `Uint8Array`), not copied again.
 *
 * Cancel safety: cancelling cannot stop the read in progress; its result is dropped and Node closes
 * the file itself.
 *
 * @example
 * const bytes = yield* fs.read("logo.png");
 * console.log(bytes.length);
 */
export function read(path: PathLike): PathOp<Uint8Array> {
  return new Op<Uint8Array>(startRead, "read", checkPath(path, "fs.read()"), undefined, null);
}

/**
 * Read a whole file as UTF-8 text. Invalid UTF-8 is an `IoError` of kind `"InvalidData"` (as in
 * Rust), not silently replaced characters.
 *
 * Cost: `read` plus one UTF-8 validation and decode.
 *
 * Cancel safety: as `read`.
 *
 * @example
 * const config = JSON.parse(yield* fs.readToString("config.json"));
 */
export function readToString(path: PathLike): PathOp<string> {
  return new Op<string>(startRead, "read to string", checkPath(path, "fs.readToString()"), undefined, toUtf8);
}

/**
 * Write `data` as the whole content of a file, creating it or truncating it first. Strings are
 * written as UTF-8.
 *
 * Cost: one Node `fs.writeFile`. The data is not copied; do not change it until the write is done.
 *
 * Cancel safety: not cancel-safe. A cancelled write still completes (or fails) in the background,
 * possibly leaving the file half written: libuv cannot stop it.
 *
 * @example
 * yield* fs.write("out.txt", "hello\n");
 */
export function write(path: PathLike, data: Uint8Array | string): PathOp<void> {
  const p = checkPath(path, "fs.write()");
  if (typeof data !== "string" && !(data instanceof Uint8Array)) {
    throw new TypeError(`fs.write() expects the data as a Uint8Array or a string; got ${describeArg(data)}.`);
  }
  return new Op<void>(startWrite, "write", p, data, null);
}
