/**
 * What the cross-thread channel ends share: a leaf-future registration that counts as a wake
 * source of the waiting runtime (a task waiting on another thread is not a deadlock), and the
 * URL a worker imports to rebuild an end that moved to it.
 */

import { MessageChannel } from "node:worker_threads";
import { type AmbientRuntime, current } from "../../future/current.js";
import type { Waker } from "../../future/poll.js";
import { runnableUrl } from "../../runtime/cores/entry-url.js";

/** URL of the module that registers the revivers of the cross-thread ends (index.ts). */
export const MODULE_URL = runnableUrl(import.meta.url).replace(/shared\.js$/, "index.js");

/** A waiter parked on another thread's progress. */
export class Parked {
  waker: Waker | null = null;
  private rt: AmbientRuntime | null = null;

  /** Register (or refresh) the waker; true on the first registration. */
  park(waker: Waker): boolean {
    const first = this.waker === null;
    if (first) {
      const rt = current.runtime;
      this.rt = rt;
      if (rt !== null) rt.sources++;
    }
    this.waker = waker;
    return first;
  }

  /** Forget the waker (cancelled, or ready). */
  unpark(): void {
    if (this.waker === null) return;
    this.waker = null;
    const rt = this.rt;
    this.rt = null;
    if (rt !== null) rt.sources--;
  }

  /** Wake the parked task from a port callback. */
  wake(): void {
    const waker = this.waker;
    if (waker === null) return;
    const rt = this.rt;
    this.unpark();
    if (rt !== null) rt.wakeGuarded(waker);
    else waker.wake();
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
