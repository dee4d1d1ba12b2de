/**
 * Can anything outside pollux still wake a task?
 *
 * The runtime knows its own wake sources (timers, pending `fromPromise` promises, IO registrations),
 * but user code may wake tasks from its own Node callbacks: a `setInterval` that sends on a
 * channel, a `node:net` server whose handler calls `waker.wake()`, another runtime's timer. Such a
 * callback can only run while Node keeps something alive that can call it, so before declaring a
 * deadlock the runtime asks Node which ref'd resources are alive, whatever their age: timers
 * (`Timeout`), handles (sockets, servers, child processes, ...) and requests in flight (a file
 * read, a DNS lookup). A false deadlock kills a correct program, so any of them vetoes it.
 *
 * Not counted: the process's own stdio and its IPC channel to a parent (a test runner's worker
 * pipes). They are alive for the whole life of the process, and a program does not wake tasks from
 * a write to stdout. `Immediate` entries are counted (a chain of them may end in a wake), but the
 * runtime checks again after one turn rather than backing off; the one running the check is not
 * listed by Node.
 *
 * Cost: only on the deadlock check (the run queue emptied while `run()` waits and the runtime
 * knows no wake source), never on the hot path.
 */

interface HandleLike {
  fd?: number;
  _handle?: { fd?: number; constructor?: { name?: string } } | null;
  constructor?: { name?: string };
}

/** The kind name `process.getActiveResourcesInfo()` gives a handle of libuv type `type`. */
const RESOURCE_OF_HANDLE: Record<string, string> = {
  Pipe: "PipeWrap",
  TTY: "TTYWrap",
  TCP: "TCPSocketWrap",
};

function isProcessOwn(h: HandleLike, channelFd: number | undefined): boolean {
  const fd = h._handle?.fd ?? h.fd;
  return typeof fd === "number" && (fd <= 2 || fd === channelFd);
}

/**
 * Kinds of ref'd Node resources alive now that might still call user code (one entry per
 * resource, e.g. `["Timeout", "TCPServerWrap"]`); empty when nothing outside the runtime can.
 */
export function foreignWakeSources(): string[] {
  const kinds = process.getActiveResourcesInfo();
  if (kinds.length === 0) return kinds;
  // Remove the entries of the process's own stdio and IPC channel.
  const getHandles = (process as unknown as { _getActiveHandles?: () => HandleLike[] })._getActiveHandles;
  if (typeof getHandles !== "function") return kinds;
  const channelFd = (process as unknown as { channel?: { fd?: number } }).channel?.fd;
  for (const h of getHandles.call(process)) {
    if (!isProcessOwn(h, channelFd)) continue;
    const type = (h._handle ?? h).constructor?.name ?? "";
    const i = kinds.indexOf(RESOURCE_OF_HANDLE[type] ?? `${type}Wrap`);
    if (i >= 0) kinds.splice(i, 1);
  }
  return kinds;
}

/** `["Timeout", "Timeout", "UDPWrap"]` → `"Timeout ×2, UDPWrap"`. */
export function summarizeKinds(kinds: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const k of kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts].map(([k, n]) => (n === 1 ? k : `${k} ×${n}`)).join(", ");
}
