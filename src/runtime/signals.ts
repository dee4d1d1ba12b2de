/**
 * The signal registry: one Node `process.on(name)` listener per signal, shared by every pollux
 * subscriber of that signal, installed when the first subscriber arrives and removed when the last
 * one leaves. It lives in `runtime/` because `runMain` subscribes to SIGINT/SIGTERM and
 * `pollux/signal` builds on it (an import never points up a layer).
 *
 * WHY one shared listener: Node turns off its default action for a signal (exit on SIGINT/SIGTERM)
 * while at least one listener exists. Tokio turns it off for good once a signal is registered;
 * pollux restores it when nobody listens any more, which only works if pollux's own listener count
 * is exact. A set of subscribers behind one handler keeps `process.listenerCount(name)` at most
 * one higher than the user's own, whatever the number of pollux listeners.
 *
 * Keep-alive: Node's signal watchers do not keep the event loop alive, but a task awaiting a signal
 * must (as `ctrl_c().await` blocks `#[tokio::main]`). While at least one signal future waits, one
 * ref'd idle timer keeps the loop alive; it is created once and only ref'd/unref'd afterwards
 * (a flag flip, no allocation per wait).
 */
import { constants } from "node:os";

/** A pollux party interested in a signal. */
export interface Subscriber {
  /** The signal arrived. Called synchronously from Node's signal listener. */
  notify(name: NodeJS.Signals): void;
}

/** Signals that cannot be caught (KILL, STOP) or whose handlers cannot safely run JavaScript. */
const FORBIDDEN: ReadonlySet<string> = new Set([
  "SIGKILL",
  "SIGSTOP",
  "SIGSEGV",
  "SIGBUS",
  "SIGFPE",
  "SIGILL",
]);

class Slot {
  readonly subscribers = new Set<Subscriber>();
  /** Bound once per signal name: the one function handed to `process.on`. */
  readonly handler: () => void;

  constructor(readonly name: NodeJS.Signals) {
    this.handler = () => {
      // Iterating a Set while a subscriber removes itself is safe: removed entries are skipped.
      for (const s of this.subscribers) s.notify(this.name);
    };
  }
}

const slots = new Map<string, Slot>();

/**
 * Validate a signal name; returns it typed. Throws a `TypeError`/`RangeError` naming the value and
 * the fix.
 */
export function checkSignalName(name: unknown, what: string): NodeJS.Signals {
  if (typeof name !== "string") {
    throw new TypeError(`${what} expects a signal name such as "SIGTERM"; got ${typeof name}.`);
  }
  if (!Object.hasOwn(constants.signals, name)) {
    const hint = Object.hasOwn(constants.signals, `SIG${name.toUpperCase()}`)
      ? ` Did you mean "SIG${name.toUpperCase()}"?`
      : "";
    throw new RangeError(
      `${what}: unknown signal ${JSON.stringify(name)}.${hint} Use a name from os.constants.signals, e.g. "SIGINT", "SIGTERM", "SIGHUP", "SIGUSR2".`,
    );
  }
  if (FORBIDDEN.has(name)) {
    throw new RangeError(
      `${what}: ${name} cannot be listened for (${name === "SIGKILL" || name === "SIGSTOP" ? "the OS never delivers it to the process" : "its handler cannot safely run JavaScript"}).`,
    );
  }
  return name as NodeJS.Signals;
}

/** Start delivering `name` to `s`. Installs Node's listener for the first subscriber. */
export function subscribe(name: NodeJS.Signals, s: Subscriber): void {
  let slot = slots.get(name);
  if (slot === undefined) {
    slot = new Slot(name);
    slots.set(name, slot);
  }
  if (slot.subscribers.size === 0) process.on(name, slot.handler);
  slot.subscribers.add(s);
}

/** Stop delivering `name` to `s`. Removes Node's listener with the last subscriber. Idempotent. */
export function unsubscribe(name: NodeJS.Signals, s: Subscriber): void {
  const slot = slots.get(name);
  if (slot === undefined || !slot.subscribers.delete(s)) return;
  if (slot.subscribers.size === 0) process.off(name, slot.handler);
}

/** Number of pollux subscribers of `name` (tests and diagnostics). */
export function subscriberCount(name: NodeJS.Signals): number {
  return slots.get(name)?.subscribers.size ?? 0;
}

let keepAlive: NodeJS.Timeout | null = null;
let waiting = 0;

/** A signal future started waiting: keep the event loop alive. */
export function waitStarted(): void {
  if (waiting++ === 0) {
    if (keepAlive === null) keepAlive = setInterval(noop, 0x7fffffff);
    else keepAlive.ref();
  }
}

/** A signal future stopped waiting (signalled, cancelled or disposed). */
export function waitEnded(): void {
  if (--waiting === 0) keepAlive!.unref();
}

function noop(): void {}
