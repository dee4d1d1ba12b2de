/** Path validation shared by `pollux/fs`: one place that turns bad input into a clear error. */
import { fileURLToPath } from "node:url";

/** A file system path: a string, or a `file:` URL. */
export type PathLike = string | URL;

/** @internal describe a value for an error message without dumping it. */
export function describeArg(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string")
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === "object") return (value as object).constructor?.name ?? "an object";
  return `${typeof value} ${String(value)}`;
}

/** @internal the path as a string; throws a `TypeError` naming the value and the fix. */
export function checkPath(path: unknown, what: string): string {
  if (typeof path === "string") {
    if (path.length === 0) throw new TypeError(`${what} expects a path; got the empty string "".`);
    if (path.includes("\0")) {
      throw new TypeError(
        `${what}: the path ${describeArg(path)} contains a NUL byte, which no file name can.`,
      );
    }
    return path;
  }
  if (path instanceof URL) {
    if (path.protocol !== "file:") {
      throw new TypeError(
        `${what} expects a path or a file: URL; got a ${path.protocol} URL (${path.href}).`,
      );
    }
    return fileURLToPath(path);
  }
  throw new TypeError(`${what} expects a path (a string or a file: URL); got ${describeArg(path)}.`);
}
