/**
 * What the cross-thread channel ends share: the URL a worker imports to rebuild an end that moved
 * to it, the error for a moved end, and typed MessagePorts. (A task waiting on another thread
 * parks with `task/parked.ts`, so that it counts as a wake source.)
 */

import { MessageChannel } from "node:worker_threads";
import { runnableUrl } from "../../runtime/cores/entry-url.js";

/** URL of the module that registers the revivers of the cross-thread ends (index.ts). */
export const MODULE_URL = runnableUrl(import.meta.url).replace(/shared\.js$/, "index.js");

/** Throw a RangeError naming `fn` unless `capacity` is an integer from 1 to 2^30. */
export function checkCapacity(fn: string, capacity: unknown): void {
  if (typeof capacity !== "number" || !Number.isInteger(capacity) || capacity < 1 || capacity > 2 ** 30) {
    throw new RangeError(
      `${fn}(capacity): capacity must be an integer from 1 to 2^30; got ${String(capacity)}.`,
    );
  }
}

/** The error for using an end after it moved to another thread. */
export function movedEnd(what: string): Error {
  return new Error(
    `${what}: this channel end was moved to another runtime (passed to spawnOn/spawnAnywhere), so it is ` +
      "unusable here, as a transferred MessagePort is. Clone a sender before passing it if this thread still needs one.",
  );
}

/**
 * The MessagePort methods the channel ends use, declared here so that pollux's public types do
 * not require `@types/node`.
 */
export interface Port {
  postMessage(value: unknown, transfer?: readonly unknown[]): void;
  // biome-ignore lint/suspicious/noExplicitAny: Node's listener signature.
  on(event: string, listener: (...args: any[]) => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: Node's listener signature.
  off(event: string, listener: (...args: any[]) => void): unknown;
  ref(): void;
  unref(): void;
  close(): void;
}

/** A new MessagePort pair, typed as {@link Port}s. */
export function portPair(): [Port, Port] {
  const { port1, port2 } = new MessageChannel();
  return [port1 as unknown as Port, port2 as unknown as Port];
}
