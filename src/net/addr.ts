/**
 * Socket addresses: parsing what users pass (`"host:port"`, `"[::1]:8080"`, `{ host, port }`) and
 * turning Node's `AddressInfo` into pollux's `SocketAddr`.
 *
 * Parsing happens when a future is built, not when it is polled, so a typo fails at the line that
 * made it, with the value and the fix in the message. Host names are not resolved here: Node's
 * `connect`/`listen` resolve them (with `dns.lookup`), as Tokio's `ToSocketAddrs` does.
 */
import type { AddressInfo } from "node:net";
import { IoError } from "../io/error.js";

/**
 * An IP socket address, Rust's `SocketAddr`: what `localAddr()`, `peerAddr()`, `accept()` and
 * `recvFrom()` return.
 *
 * @example
 * const { address, port, family } = listener.localAddr(); // "127.0.0.1", 40123, "IPv4"
 */
export interface SocketAddr {
  /** The IP address, e.g. `"127.0.0.1"` or `"::1"`. */
  readonly address: string;
  /** The port, 0..65535. */
  readonly port: number;
  /** `"IPv4"` or `"IPv6"`. */
  readonly family: "IPv4" | "IPv6";
}

/**
 * Where to bind or connect: `"host:port"` (IPv6 in brackets: `"[::1]:8080"`), or
 * `{ host, port }`, or a {@link SocketAddr} (`{ address, port }`, as returned by `localAddr()`,
 * `accept()` and `recvFrom()`). Port 0 when binding lets the operating system pick a free port (read it back
 * with `localAddr()`). Host names are resolved by Node's `dns.lookup`.
 *
 * @example
 * yield* TcpListener.bind("127.0.0.1:0");
 * yield* TcpStream.connect({ host: "localhost", port: 6379 });
 */
export type ToSocketAddr =
  | string
  | { readonly host: string; readonly port: number }
  | { readonly address: string; readonly port: number };

/** @internal a validated address: Node's `host` and `port` arguments plus a display form. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
  /** `"host:port"`, IPv6 hosts in brackets: used in error messages and `IoError.address`. */
  readonly text: string;
}

function badAddress(value: unknown, why: string): IoError {
  let shown: string;
  try {
    shown = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    shown = String(value);
  }
  return new IoError(
    "InvalidInput",
    `invalid socket address ${shown}: ${why}. Pass "host:port" (IPv6 as "[::1]:8080"), { host, port } or { address, port } with a port in 0..65535`,
  );
}

function checkPort(value: unknown, port: unknown): number {
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw badAddress(value, `port ${String(port)} is not an integer in 0..65535`);
  }
  return port;
}

/** Display form: IPv6 literals in brackets so the port stays unambiguous. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * @internal validate `addr` (see {@link ToSocketAddr}); throws `IoError` "InvalidInput" naming the
 * value and the expected forms.
 */
export function parseAddr(addr: ToSocketAddr): HostPort {
  if (typeof addr === "string") {
    let host: string;
    let portText: string;
    if (addr.startsWith("[")) {
      const close = addr.indexOf("]");
      if (close < 0 || addr[close + 1] !== ":")
        throw badAddress(addr, "an IPv6 host needs the form [addr]:port");
      host = addr.slice(1, close);
      portText = addr.slice(close + 2);
    } else {
      const colon = addr.lastIndexOf(":");
      if (colon < 0) throw badAddress(addr, "it has no port");
      host = addr.slice(0, colon);
      portText = addr.slice(colon + 1);
      if (host.includes(":")) throw badAddress(addr, "IPv6 hosts must be written in brackets");
    }
    if (host === "") throw badAddress(addr, "the host is empty (use 0.0.0.0, 127.0.0.1 or localhost)");
    if (!/^\d{1,5}$/.test(portText))
      throw badAddress(addr, `port ${JSON.stringify(portText)} is not a number`);
    const port = checkPort(addr, Number(portText));
    return { host, port, text: formatHostPort(host, port) };
  }
  if (typeof addr === "object" && addr !== null) {
    const o = addr as { host?: unknown; address?: unknown; port?: unknown };
    const host = o.host !== undefined ? o.host : o.address;
    const port = o.port;
    if (typeof host !== "string" || host === "")
      throw badAddress(addr, "host (or address) must be a non-empty string");
    const p = checkPort(addr, port);
    return { host, port: p, text: formatHostPort(host, p) };
  }
  throw badAddress(addr, `expected a string or { host, port }, got ${addr === null ? "null" : typeof addr}`);
}

/** @internal validate a Unix socket path. */
export function checkPath(path: unknown, what: string): string {
  if (typeof path !== "string" || path === "") {
    throw new IoError(
      "InvalidInput",
      `${what}: invalid Unix socket path ${JSON.stringify(path) ?? String(path)}; pass a non-empty file system path such as "/tmp/app.sock"`,
    );
  }
  return path;
}

/** @internal Node's `address()` result as a `SocketAddr`. */
export function toSocketAddr(info: AddressInfo | string | null | undefined | object): SocketAddr {
  if (info === null || info === undefined || typeof info === "string") {
    return { address: "", port: 0, family: "IPv4" };
  }
  const a = info as Partial<AddressInfo>;
  return {
    address: a.address ?? "",
    port: a.port ?? 0,
    family: a.family === "IPv6" || a.family === (6 as unknown as string) ? "IPv6" : "IPv4",
  };
}

/** @internal the remote address of a connected Node socket, as a `SocketAddr`. */
export function remoteOf(socket: {
  remoteAddress?: string | undefined;
  remotePort?: number | undefined;
  remoteFamily?: string | undefined;
}): SocketAddr {
  return {
    address: socket.remoteAddress ?? "",
    port: socket.remotePort ?? 0,
    family: socket.remoteFamily === "IPv6" ? "IPv6" : "IPv4",
  };
}
