/**
 * `SO_REUSEPORT` for `TcpListener.bind(addr, { reusePort: true })`: several listeners (one per
 * thread or process) bind the same port and the kernel spreads new connections over them. Node's
 * `server.listen({ reusePort })` arrived in v23.1.0 and v22.12.0; older versions ignore the option
 * silently, so pollux refuses it there instead, and points to the descriptor-sharing alternative.
 */

/** True when this Node supports `listen({ reusePort: true })`. */
export function supportsReusePort(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split(".").map((n) => Number.parseInt(n, 10));
  if (major >= 24) return true;
  if (major === 23) return minor >= 1;
  if (major === 22) return minor >= 12;
  return false;
}

export function reusePortUnsupported(version: string = process.versions.node): Error {
  return new Error(
    `TcpListener.bind(addr, { reusePort: true }) needs Node 22.12+ or 23.1+ (this is Node ${version}). ` +
      "On this Node, bind once on the main runtime and let each worker runtime accept on the same socket: " +
      "pass listener.fd to the worker's task and call TcpListener.fromFd(fd) there (docs/guide-cores.md).",
  );
}
