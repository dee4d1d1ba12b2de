/**
 * Objects that move to another runtime as arguments of `spawnOn`/`spawnAnywhere`: the ends of
 * cross-thread channels (`pollux/sync`'s `crossThread`). Structured clone keeps no prototypes, so
 * such an object turns itself into plain data plus the MessagePorts to transfer (`[WIRE]()`), and
 * the receiving thread rebuilds it with the reviver registered under its `kind`. The data names the
 * module that registers the reviver, so a worker that has not imported it yet does so first.
 *
 * Only top-level arguments are looked at: an end nested in an object is not converted (and fails
 * to clone with a clear error).
 */

/** The method a movable object implements (a registered symbol: shared by every copy of pollux). */
export const WIRE: unique symbol = Symbol.for("pollux.wire") as never;

/** What `[WIRE]()` returns. */
export interface Wired {
  /** The reviver's key, e.g. `"crossThread.sender"`. */
  readonly kind: string;
  /** URL of the module that registers the reviver (see `runnableUrl`). */
  readonly module: string;
  readonly data: unknown;
  readonly transfer: readonly unknown[];
}

/** An object that can move to another runtime. */
export interface Movable {
  [WIRE](): Wired;
}

/** What a revived object must offer: the task that received it closes it when it ends. */
export interface Revived {
  close(): void;
}

/** A moved argument as it travels. */
interface WireArg {
  readonly __polluxWire: string;
  readonly module: string;
  readonly data: unknown;
}

const revivers = new Map<string, (data: unknown) => Revived>();

/** Called by a movable class's module, once per thread, when it is imported. */
export function registerWire(kind: string, revive: (data: unknown) => Revived): void {
  revivers.set(kind, revive);
}

function isMovable(v: unknown): v is Movable {
  return typeof v === "object" && v !== null && typeof (v as Movable)[WIRE] === "function";
}

/** Replace the movable arguments with their wire form; their ports join `transfer`. */
export function toWire(
  args: unknown[],
  transfer: readonly unknown[] | undefined,
): [unknown[], readonly unknown[] | undefined] {
  let out: unknown[] | null = null;
  let moved: unknown[] | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!isMovable(a)) continue;
    out ??= args.slice();
    moved ??= transfer === undefined ? [] : [...transfer];
    const w = a[WIRE]();
    out[i] = { __polluxWire: w.kind, module: w.module, data: w.data } satisfies WireArg;
    for (const t of w.transfer) moved.push(t);
  }
  return out === null ? [args, transfer] : [out, moved!];
}

function isWireArg(v: unknown): v is WireArg {
  return typeof v === "object" && v !== null && typeof (v as WireArg).__polluxWire === "string";
}

/**
 * Rebuild the moved arguments (in place) and return the revived objects, for closing when the
 * task ends; a promise when a reviver's module must be imported first.
 */
export function fromWire(args: unknown[]): Revived[] | Promise<Revived[]> | null {
  let missing: Promise<unknown>[] | null = null;
  let any = false;
  for (const a of args) {
    if (!isWireArg(a)) continue;
    any = true;
    if (!revivers.has(a.__polluxWire)) (missing ??= []).push(import(a.module));
  }
  if (!any) return null;
  if (missing !== null) return Promise.all(missing).then(() => reviveAll(args));
  return reviveAll(args);
}

function reviveAll(args: unknown[]): Revived[] {
  const revived: Revived[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!isWireArg(a)) continue;
    const revive = revivers.get(a.__polluxWire);
    if (revive === undefined) {
      throw new Error(
        `pollux internal error: ${a.module} did not register how to rebuild a ${a.__polluxWire}.`,
      );
    }
    const obj = revive(a.data);
    args[i] = obj;
    revived.push(obj);
  }
  return revived;
}
