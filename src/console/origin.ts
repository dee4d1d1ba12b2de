/**
 * Which web pages may open the console's WebSocket.
 *
 * A browser lets any page it shows open a WebSocket to 127.0.0.1, and the socket carries task
 * names, what they await and source paths. What a browser cannot fake is the `Origin` header it
 * sends with the upgrade, so the server accepts only its own origin: `http://127.0.0.1:<port>`,
 * `http://localhost:<port>` (or `[::1]`), and the host it was explicitly bound to. DNS rebinding
 * (a hostile name that resolves to 127.0.0.1) arrives with the hostile name as its origin and is
 * refused too. A wildcard bind (`0.0.0.0`, `::`) also accepts an origin that is an IP address
 * equal to the request's `Host`, since an address, unlike a name, cannot be rebound. A request
 * without `Origin` does not come from a web page (a script, `wscat`) and is accepted: it could as
 * well have read the port directly.
 */

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const WILDCARD = new Set(["0.0.0.0", "::", "[::]"]);

/** `host` as it appears in a URL (IPv6 addresses in brackets). */
export function urlHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** True for the hosts that only this machine can reach. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(urlHost(host)) || host.startsWith("127.");
}

/** May a WebSocket upgrade with these headers go ahead, on a console bound to `bound`:`port`? */
export function originAllowed(
  origin: string | undefined,
  hostHeader: string | undefined,
  bound: string,
  port: number,
): boolean {
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== "http:" || Number(url.port || 80) !== port) return false;
  const host = url.hostname;
  if (LOOPBACK.has(host) || host === urlHost(bound)) return true;
  if (WILDCARD.has(urlHost(bound)) || WILDCARD.has(bound)) {
    const isAddress = /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.startsWith("[");
    return isAddress && hostHeader === url.host;
  }
  return false;
}
