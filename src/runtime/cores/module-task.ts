/**
 * `ModuleTask`: what `spawnOn` and `spawnAnywhere` run. A worker runtime shares no variables with
 * the caller's module, so a task is named by where its code lives (a module URL and an export),
 * as in `spawnBlocking`'s module form; the export is an async fn (a generator function, or a
 * function returning a future), called with the arguments in the worker and run as a task there.
 */

import type { Future } from "../../future/future.js";

/** What `transfer` may move: ArrayBuffers and MessagePorts (structurally, to need no `@types/node`). */
export type CoreTransferable = ArrayBuffer | { postMessage(message: unknown): void };

// biome-ignore lint/suspicious/noExplicitAny: a module task's function takes anything the caller passes.
export type AnyTaskFn = (...args: any[]) => unknown;

/** Brand carrying the task function's type; declared only, never set at run time. */
declare const taskFn: unique symbol;
declare const untyped: unique symbol;

/**
 * The function type of a `ModuleTask` written without one: its arguments are not checked and
 * `spawnOn<T>(...)` names the result type. A typed task (`ModuleTask<typeof fn>`) is not one, so
 * wrong arguments to it are an error rather than a fall back to the unchecked form.
 */
export type UntypedTaskFn = AnyTaskFn & { readonly [untyped]: true };

/**
 * A task that runs on another runtime: the async fn `export` of the ES module `module`. Give it
 * the function's type (`ModuleTask<typeof resize>`, with `import type`) and `spawnOn` checks the
 * arguments and types the result.
 *
 * @example
 * import type { resize } from "./resize.js";
 * const RESIZE: ModuleTask<typeof resize> = { module: new URL("./resize.js", import.meta.url), export: "resize" };
 * const small = yield* spawnOn(1, RESIZE, image, 64); // typed: resize's output
 */
export interface ModuleTask<F extends AnyTaskFn = UntypedTaskFn> {
  /** @internal type only. */
  readonly [taskFn]?: F;
  /** Absolute URL of the module, usually `new URL("./work.js", import.meta.url)`, or a `file:` URL string. */
  readonly module: { readonly href: string } | string;
  /** The exported async fn's name. Default `"default"`. */
  readonly export?: string;
  /** ArrayBuffers and MessagePorts among the arguments to move instead of copying. */
  readonly transfer?: readonly CoreTransferable[];
  /** Task name, in errors and reports. Default `"<export> from <file>"`. */
  readonly name?: string;
}

/**
 * What a task function's task outputs: `R` for a generator function returning `R` or a function
 * returning a `Future<R>`.
 */
export type TaskOutput<F> = F extends UntypedTaskFn
  ? unknown
  : F extends (...args: never[]) => infer G
    ? G extends Generator<unknown, infer R, never>
      ? R
      : G extends Future<infer R>
        ? R
        : unknown
    : unknown;

/** A validated {@link ModuleTask}. */
export interface ResolvedTask {
  readonly url: string;
  readonly exportName: string;
  /** Names the (module, export) pair in messages to worker runtimes, the same in every group. */
  readonly targetId: number;
  readonly transfer: readonly CoreTransferable[] | undefined;
  readonly label: string;
  /** The label was given as `name`. */
  readonly named: boolean;
}

/** Task objects are usually module-level constants: validate each once (transfer lists vary). */
const resolved = new WeakMap<object, ResolvedTask>();
const targetIds = new Map<string, number>();

/** Check `task` (once per task object) and name what is wrong with it, with the fix. */
export function resolveTask(task: unknown, where: string): ResolvedTask {
  if (typeof task === "object" && task !== null) {
    const r = resolved.get(task);
    if (r !== undefined) {
      const transfer = (task as ModuleTask).transfer;
      if (transfer === r.transfer) return r;
    }
  }
  const r = resolveFresh(task, where);
  resolved.set(task as object, r);
  return r;
}

function resolveFresh(task: unknown, where: string): ResolvedTask {
  if (typeof task !== "object" || task === null || !("module" in task)) {
    throw new TypeError(
      `${where}: the task must be { module: new URL("./work.js", import.meta.url), export: "name" } ` +
        `(an async fn exported by an ES module); got ${task === null ? "null" : typeof task}. ` +
        "A function cannot be sent to another thread's runtime: its variables live on this thread's heap.",
    );
  }
  const t = task as ModuleTask;
  const m = t.module as unknown;
  let url: string;
  if (m instanceof URL) url = m.href;
  else if (typeof m === "string" && /^(file|data):/.test(m)) url = m;
  else {
    throw new TypeError(
      `${where}: module must be a URL, e.g. new URL("./work.js", import.meta.url), or a file: URL string; ` +
        `got ${JSON.stringify(m)}. A relative path would resolve against the worker, not your module.`,
    );
  }
  const exportName = t.export ?? "default";
  if (typeof exportName !== "string") {
    throw new TypeError(
      `${where}: export must be a string naming the module's export; got ${typeof exportName}.`,
    );
  }
  if (t.transfer !== undefined && !Array.isArray(t.transfer)) {
    throw new TypeError(`${where}: transfer must be an array of ArrayBuffers and MessagePorts.`);
  }
  if (t.name !== undefined && typeof t.name !== "string") {
    throw new TypeError(`${where}: name must be a string; got ${typeof t.name}.`);
  }
  const key = `${exportName}\u0000${url}`;
  let targetId = targetIds.get(key);
  if (targetId === undefined) targetIds.set(key, (targetId = targetIds.size + 1));
  return {
    url,
    exportName,
    targetId,
    transfer: t.transfer,
    label: t.name ?? `${exportName} from ${url.slice(url.lastIndexOf("/") + 1)}`,
    named: t.name !== undefined,
  };
}
