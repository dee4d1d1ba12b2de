import { outsideRuntime } from "../../future/current.js";
import { FutureBase } from "../../future/future.js";
import { type Context, PENDING, type Poll } from "../../future/poll.js";
import { currentExecutor } from "../executor.js";
import { Parked } from "../parked.js";
import type { JoinHandle } from "../task.js";
import { BlockingJob, DONE, FUNCTION_SOURCE, MODULE_URL, poolFor, QUEUED } from "./pool.js";

/**
 * What `transfer` may move to the worker: ArrayBuffers and MessagePorts. Declared structurally
 * (a MessagePort is anything with `postMessage`) so the public types need no `@types/node`.
 */
export type BlockingTransferable = ArrayBuffer | { postMessage(message: unknown): void };
/** Options shared by both target forms of {@link spawnBlocking}. */
export interface BlockingOptions {
  /**
   * ArrayBuffers and MessagePorts among the arguments to move to the worker instead of copying
   * them (they become unusable in this thread, as with `postMessage`).
   */
  transfer?: readonly BlockingTransferable[];
  /**
   * When the handle is aborted after the job started: terminate its worker thread (and start a
   * replacement on demand) instead of letting the job run to its end. Default false, as in Tokio.
   */
  terminateOnAbort?: boolean;
  /** Task name shown in errors and reports. Default: `spawnBlocking <function or export name>`. */
  name?: string;
}

/** The module form: a function exported by an ES module, imported once per worker thread. */
export interface BlockingModuleTarget extends BlockingOptions {
  /** Absolute URL (usually `new URL("./hash.js", import.meta.url)`) or `file:` URL string. */
  module: { readonly href: string } | string;
  /** The exported function's name. Default `"default"`. */
  export?: string;
}

/** A self-contained function sent as source, with options. */
export interface BlockingFunctionTarget<F> extends BlockingOptions {
  fn: F;
}

// biome-ignore lint/suspicious/noExplicitAny: a job's function takes anything the caller passes.
type AnyFn = (...args: any[]) => unknown;

let nextJobId = 1;

/**
 * Run blocking or CPU-heavy work on a pool of `worker_threads` and await its result from a task,
 * Tokio's `spawn_blocking`. Use it for anything that would hold the event loop for more than a
 * millisecond or so (hashing, compression, parsing a large document, a synchronous library): a
 * task that does such work inline stalls every other task (see `slowPollMs`).
 *
 * `target` is either
 * - a self-contained function, sent as source (`fn.toString()`): it may use its arguments,
 *   globals and `require`/`import()`, but not variables of the enclosing scope. A closure fails
 *   with a `ReferenceError` naming the free variable and showing the module form; or
 * - the module form `{ module: new URL("./hash.js", import.meta.url), export: "hash" }`: the
 *   module is imported once per thread, and its function may use anything.
 * Either form can carry options: `{ fn, transfer, terminateOnAbort, name }` or
 * `{ module, export, transfer, terminateOnAbort, name }`.
 *
 * Arguments and the result go by structured clone; `transfer` moves ArrayBuffers and
 * MessagePorts. A function returning a promise is awaited in the worker. What it throws arrives
 * as a `JoinError` whose `cause` keeps the original class name, message, stack and own properties.
 *
 * The pool starts lazily with `maxBlockingThreads` threads at most (a Runtime option, default
 * `os.availableParallelism()`); more jobs wait in a FIFO queue. Idle threads never keep the
 * process alive and exit after `threadKeepAliveMs` (default 10 s). A crash of the thread (an
 * error thrown outside the job, `process.exit`, out of memory) fails only its job.
 *
 * Cancel safety: `handle.abort()` (or dropping the awaiting future through `select`, `timeout`,
 * shutdown) removes a job that has not started from the queue. A job that has started cannot be
 * interrupted and runs to its end, its result discarded, unless `terminateOnAbort: true`, which
 * terminates its thread (losing whatever else the thread held, such as module caches).
 *
 * Cost: one task, one message each way (~10–20 µs round trip), a structured clone of the
 * arguments and result, and one wake of the awaiting task when the result arrives. Thread start
 * (~20–40 ms) is paid once per thread.
 *
 * @example
 * const sum = yield* spawnBlocking((n: number) => {
 *   let s = 0;
 *   for (let i = 0; i < n; i++) s += i;
 *   return s;
 * }, 1e9);
 *
 * const digest = yield* spawnBlocking(
 *   { module: new URL("./hash.js", import.meta.url), export: "sha256", transfer: [bytes.buffer] },
 *   bytes,
 * );
 */
export function spawnBlocking<F extends AnyFn>(
  target: F | BlockingFunctionTarget<F>,
  ...args: Parameters<F>
): JoinHandle<Awaited<ReturnType<F>>>;
export function spawnBlocking<T = unknown>(target: BlockingModuleTarget, ...args: unknown[]): JoinHandle<T>;
export function spawnBlocking(target: unknown, ...args: unknown[]): JoinHandle<unknown> {
  const rt = currentExecutor();
  if (rt === null) throw outsideRuntime("spawnBlocking()");
  const job = makeJob(target, args);
  const pool = poolFor(rt.maxBlockingThreads, rt.threadKeepAliveMs);
  const future = new BlockingFuture(job, pool);
  // Spawn first: a runtime that has shut down throws, and then no job may be left running.
  const handle = rt.spawn(future, { name: job.label });
  pool.submit(job);
  return handle;
}

function makeJob(target: unknown, args: unknown[]): BlockingJob {
  let options: BlockingOptions = {};
  let kind: number;
  let source: string;
  let exportName = "";
  let label: string;
  if (typeof target === "function") {
    kind = FUNCTION_SOURCE;
    source = functionSource(target as AnyFn);
    label = target.name || "anonymous function";
  } else if (typeof target === "object" && target !== null && "fn" in target) {
    options = target as BlockingOptions;
    const fn = (target as BlockingFunctionTarget<unknown>).fn;
    if (typeof fn !== "function") {
      throw new TypeError(`spawnBlocking: { fn } must be a function; got ${typeof fn}.`);
    }
    kind = FUNCTION_SOURCE;
    source = functionSource(fn as AnyFn);
    label = (fn as AnyFn).name || "anonymous function";
  } else if (typeof target === "object" && target !== null && "module" in target) {
    options = target as BlockingOptions;
    const t = target as BlockingModuleTarget;
    kind = MODULE_URL;
    source = moduleUrl(t.module);
    exportName = t.export ?? "default";
    if (typeof exportName !== "string") {
      throw new TypeError(
        `spawnBlocking: export must be a string naming the module's export; got ${typeof exportName}.`,
      );
    }
    label = `${exportName} from ${source.slice(source.lastIndexOf("/") + 1)}`;
  } else {
    throw new TypeError(
      `spawnBlocking: target must be a function or { module: new URL("./file.js", import.meta.url), export: "name" }; got ${
        target === null ? "null" : typeof target
      }.`,
    );
  }
  const { transfer, terminateOnAbort, name } = options;
  if (transfer !== undefined && !Array.isArray(transfer)) {
    throw new TypeError("spawnBlocking: transfer must be an array of ArrayBuffers and MessagePorts.");
  }
  if (name !== undefined && typeof name !== "string") {
    throw new TypeError(`spawnBlocking: name must be a string; got ${typeof name}.`);
  }
  return new BlockingJob(
    nextJobId++,
    kind,
    source,
    exportName,
    args,
    transfer,
    terminateOnAbort === true,
    name ?? `spawnBlocking ${label}`,
  );
}

const sources = new WeakMap<AnyFn, string>();

/** The function's source as an expression the worker can evaluate; cached per function. */
function functionSource(fn: AnyFn): string {
  const cached = sources.get(fn);
  if (cached !== undefined) return cached;
  const src = Function.prototype.toString.call(fn);
  if (src.endsWith("{ [native code] }")) {
    throw new TypeError(
      `spawnBlocking: ${fn.name || "the function"} is native or bound, so its source cannot be sent to a worker thread. ` +
        'Wrap it in a self-contained arrow function, or use the module form { module: new URL("./work.js", import.meta.url), export: "work" }.',
    );
  }
  // Parse (not run) it here, so a syntax problem is reported in the caller's thread; a method
  // shorthand (`work(x) { ... }`) is not an expression on its own and gets a `function` keyword.
  let expr = src;
  if (!parses(expr)) {
    expr = src.startsWith("async") ? `async function ${src.slice(5).trimStart()}` : `function ${src}`;
    if (!parses(expr)) {
      throw new TypeError(
        `spawnBlocking: the source of ${fn.name || "the function"} is not a standalone function expression; ` +
          'use a function or arrow function, or the module form { module: new URL("./work.js", import.meta.url), export: "work" }.',
      );
    }
  }
  sources.set(fn, expr);
  return expr;
}

function parses(expr: string): boolean {
  try {
    new Function(`return (${expr});`);
    return true;
  } catch {
    return false;
  }
}

function moduleUrl(module: unknown): string {
  if (module instanceof URL) return module.href;
  if (typeof module === "string" && /^(file|data|node):/.test(module)) return module;
  throw new TypeError(
    `spawnBlocking: module must be a URL, e.g. new URL("./hash.js", import.meta.url), or a file: URL string; got ${JSON.stringify(
      module,
    )}. A relative path would resolve against the worker, not your module.`,
  );
}

/**
 * The leaf future a blocking job's task awaits. Like an IO `Readiness`: while it waits it counts
 * as a wake source of the runtime (so the task is never reported as deadlocked), and the worker's
 * message callback wakes the task directly, with no promise in between.
 */
class BlockingFuture extends FutureBase<unknown> {
  private readonly parked = new Parked();

  constructor(
    private readonly job: BlockingJob,
    private readonly pool: { abort(job: BlockingJob): void },
  ) {
    super();
  }

  poll(cx: Context): Poll<unknown> {
    const job = this.job;
    if (job.state === DONE) {
      if (job.ok) return job.value;
      throw job.value;
    }
    if (this.parked.park(cx.waker)) job.onDone = this.done;
    return PENDING;
  }

  private readonly done = (): void => this.parked.wake();

  override cancel(): void {
    this.parked.unpark();
    this.pool.abort(this.job);
  }

  override describe(): string {
    const state = this.job.state === QUEUED ? "queued" : this.job.state === DONE ? "done" : "running";
    return `${this.job.label} (${state} on the blocking pool)`;
  }
}
