/**
 * `IoError`: the one error type of pollux's IO (`pollux/io`, `net`, `fs`, `process`, `signal`).
 *
 * Node reports IO failures as plain `Error`s with an errno `code` ("ECONNREFUSED"); Rust reports
 * an `io::Error` whose `kind()` is portable. `IoError` carries both: `kind` (Rust's
 * `io::ErrorKind` name, so code can branch on "NotFound" without knowing errno spellings), `code`
 * (Node's errno code when there is one) and what the operation was about (`address` or `path`),
 * which is also part of the message so a log line alone says what failed where.
 */

/** Rust's `io::ErrorKind` names, as strings. */
export type IoErrorKind =
  | "NotFound"
  | "PermissionDenied"
  | "ConnectionRefused"
  | "ConnectionReset"
  | "BrokenPipe"
  | "AddrInUse"
  | "AddrNotAvailable"
  | "UnexpectedEof"
  | "WriteZero"
  | "TimedOut"
  | "InvalidInput"
  | "InvalidData"
  | "AlreadyExists"
  | "Other";

/** What an IO operation was about; shown in the message and kept in the error's fields. */
export interface IoTarget {
  /** A network address, `"host:port"` or a Unix socket path. */
  address?: string;
  /** A file system path (or a program name, for `pollux/process`). */
  path?: string;
}

/** Options of the {@link IoError} constructor. */
export interface IoErrorOptions extends IoTarget {
  /** Node's errno code, e.g. `"ECONNREFUSED"`. */
  code?: string;
  /** The underlying error. */
  cause?: unknown;
}

const KIND_OF_CODE: Record<string, IoErrorKind> = {
  ENOENT: "NotFound",
  ENOTFOUND: "NotFound",
  EACCES: "PermissionDenied",
  EPERM: "PermissionDenied",
  ECONNREFUSED: "ConnectionRefused",
  ECONNRESET: "ConnectionReset",
  ECONNABORTED: "ConnectionReset",
  EPIPE: "BrokenPipe",
  ERR_STREAM_DESTROYED: "BrokenPipe",
  ERR_STREAM_WRITE_AFTER_END: "BrokenPipe",
  EADDRINUSE: "AddrInUse",
  EADDRNOTAVAIL: "AddrNotAvailable",
  ETIMEDOUT: "TimedOut",
  EINVAL: "InvalidInput",
  ERR_INVALID_ARG_TYPE: "InvalidInput",
  ERR_INVALID_ARG_VALUE: "InvalidInput",
  ERR_SOCKET_BAD_PORT: "InvalidInput",
  EEXIST: "AlreadyExists",
  ENOTEMPTY: "AlreadyExists",
};

/** Rust's `io::ErrorKind` for a Node errno code; `"Other"` when it has no closer match. */
export function kindOfCode(code: string | undefined): IoErrorKind {
  return (code !== undefined && KIND_OF_CODE[code]) || "Other";
}

/**
 * An IO operation failed. Branch on `kind` (portable, Rust's `io::ErrorKind` names); `code` is
 * Node's errno code when the failure came from the operating system; `address` or `path` says
 * what the operation was about.
 *
 * @example
 * try {
 *   const conn = yield* TcpStream.connect("127.0.0.1:6379");
 * } catch (e) {
 *   if (e instanceof IoError && e.kind === "ConnectionRefused") console.log("is the server up?");
 *   else throw e;
 * }
 */
export class IoError extends Error {
  override readonly name: string = "IoError";
  /** Rust's `io::ErrorKind` name. */
  readonly kind: IoErrorKind;
  /** Node's errno code (`"ENOENT"`), when there is one. */
  readonly code: string | undefined;
  /** The network address the operation was about, when there is one. */
  readonly address: string | undefined;
  /** The file system path (or program) the operation was about, when there is one. */
  readonly path: string | undefined;

  constructor(kind: IoErrorKind, message: string, options: IoErrorOptions = {}) {
    const about =
      options.address !== undefined
        ? ` (address ${options.address})`
        : options.path !== undefined
          ? ` (path ${options.path})`
          : "";
    super(`${message}${about}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.code = options.code;
    this.address = options.address;
    this.path = options.path;
  }

  /**
   * Wrap an error from a Node API: `kind` from its errno code, the original as `cause`. An
   * `IoError` passes through unchanged. `what` names the operation ("connect", "open").
   *
   * @example
   * fs.open(path, "r", (err, fd) => { if (err) fail(IoError.from(err, "open", { path })); });
   */
  static from(error: unknown, what: string, target: IoTarget = {}): IoError {
    if (error instanceof IoError) return error;
    const code =
      typeof error === "object" && error !== null && typeof (error as { code?: unknown }).code === "string"
        ? (error as { code: string }).code
        : undefined;
    const detail = error instanceof Error ? error.message : String(error);
    return new IoError(kindOfCode(code), `${what} failed: ${detail}`, { ...target, code, cause: error });
  }
}
