/**
 * The main module of a worker runtime: a complete pollux `Runtime` (its own run queue, timer wheel
 * and IO) on a worker thread, running the tasks its group sends (see `protocol.ts`).
 *
 * No `run()` is waiting here: tasks are spawned from the port callback onto the runtime (as
 * `Handle.spawn` does from any Node callback), and each task's completion is observed through its
 * join waker, which queues the reply; replies go out batched, one post per drain.
 *
 * The thread lives as long as the group: its `parentPort` listener keeps it alive, and the calling
 * thread `unref`s it while nothing is in flight, so it never holds the process open.
 */
import { parentPort, workerData } from "node:worker_threads";
import { serializeError } from "../../task/blocking/remote-error.js";
import { FAILED, OK as T_OK, type Task } from "../../task/task.js";
import { Runtime } from "../runtime.js";
import { Outbox } from "./outbox.js";
import {
  ABORT,
  CANCELLED,
  DEFINE,
  ERR,
  METRICS,
  METRICS_REPLY,
  OK,
  SPAWN,
  type WorkerInit,
} from "./protocol.js";
import { fromWire, type Revived } from "./wire.js";
import { isWithTransfer } from "./with-transfer.js";

const port = parentPort;
if (port === null) throw new Error("pollux: worker-entry.js runs only as a worker runtime's thread.");
const init = workerData as WorkerInit;
const loads = new Int32Array(init.loads);
const index = init.index;
// `workers: 1`: a worker runtime places tasks on itself only (spawnOn(0), spawnAnywhere run
// here), never on threads of its own: no runtime groups inside runtime groups.
const rt = new Runtime({ instrument: init.instrument, onOrphans: false, workers: 1 });

const outbox = new Outbox(port as never, (msg, error) => {
  // A result that cannot be cloned: say so instead.
  outbox.push3(
    ERR,
    msg[1],
    serializeError(
      new TypeError(
        `the task's result could not be sent back to the calling thread (structured clone failed: ${
          (error as Error)?.message ?? String(error)
        }). Return plain data (objects, arrays, strings, numbers, typed arrays, Maps, Sets), or move buffers with withTransfer(value, [buffer]).`,
      ),
    ),
  );
});

/** A spawn target: a module's export, loaded once per thread. */
class Target {
  fn: ((...args: unknown[]) => unknown) | null = null;
  error: unknown = null;
  /** Spawns that arrived while the module was loading: [callId, args, name, moved-in objects]. */
  waiting: [number, unknown[], string | null, Revived[] | null][] | null = [];

  constructor(
    readonly url: string,
    readonly exportName: string,
  ) {
    import(url).then(
      (m: Record<string, unknown>) => {
        const fn = m[exportName];
        if (typeof fn === "function") this.fn = fn as (...args: unknown[]) => unknown;
        else {
          this.error = new TypeError(
            `module ${url} has no exported function "${exportName}" (exports: ${Object.keys(m).join(", ") || "none"}).`,
          );
        }
        this.flushWaiting();
      },
      (error: unknown) => {
        this.error = error;
        this.flushWaiting();
      },
    );
  }

  private flushWaiting(): void {
    const waiting = this.waiting!;
    this.waiting = null;
    for (const [id, args, name, owned] of waiting) start(this, id, args, name, owned);
  }
}

const targets = new Map<number, Target>();
/** Tasks running here, by call id (for aborts). */
const tasks = new Map<number, Task<unknown>>();
/** Calls aborted before their module loaded. */
const abortedEarly = new Set<number>();
/** Calls received but not started yet (their module or a channel's module is loading). */
const starting = new Set<number>();

/** Observes one task's end (its join waker) and replies. */
class Reply {
  constructor(
    readonly id: number,
    readonly task: Task<unknown>,
    readonly owned: Revived[] | null,
  ) {}

  wake(): void {
    const { id, task } = this;
    closeAll(this.owned);
    tasks.delete(id);
    Atomics.sub(loads, index, 1);
    const outcome = task.outcome;
    if (outcome === T_OK) {
      const v = task.result;
      if (isWithTransfer(v)) outbox.push3(OK, id, v.value, v.transfer);
      else outbox.push3(OK, id, v);
    } else if (outcome === FAILED) {
      outbox.push3(ERR, id, serializeError(task.result));
    } else {
      outbox.push2(CANCELLED, id);
    }
  }
}

/** Channel ends a task received are closed when it ends (a task is their owner, as in Rust). */
function closeAll(owned: Revived[] | null): void {
  if (owned === null) return;
  for (const o of owned) {
    try {
      o.close();
    } catch {
      // Already closed or moved on: nothing to release.
    }
  }
}

/** A task that failed before it started: its load is taken back and the caller gets the error. */
function failBeforeStart(id: number, error: unknown): void {
  Atomics.sub(loads, index, 1);
  outbox.push3(ERR, id, serializeError(error));
}

function start(
  target: Target,
  id: number,
  args: unknown[],
  name: string | null,
  owned: Revived[] | null,
): void {
  starting.delete(id);
  if (abortedEarly.delete(id)) {
    closeAll(owned);
    Atomics.sub(loads, index, 1);
    outbox.push2(CANCELLED, id);
    return;
  }
  let task: Task<unknown>;
  try {
    if (target.fn === null) throw target.error;
    task = rt.spawn(target.fn(...args) as never, { name: name ?? target.exportName }) as Task<unknown>;
  } catch (error) {
    closeAll(owned);
    failBeforeStart(id, error);
    return;
  }
  task.markObserved();
  tasks.set(id, task);
  task.joinWaker = new Reply(id, task, owned);
}

/** A spawn whose arguments are rebuilt (channel ends revived), possibly after an import. */
function spawnMsg(target: Target, id: number, args: unknown[], name: string | null): void {
  let owned: Revived[] | null | Promise<Revived[]>;
  try {
    owned = fromWire(args);
  } catch (error) {
    failBeforeStart(id, error);
    return;
  }
  if (owned instanceof Promise) {
    starting.add(id);
    owned.then(
      (o) => queueOrStart(target, id, args, name, o),
      (error: unknown) => {
        starting.delete(id);
        abortedEarly.delete(id);
        failBeforeStart(id, error);
      },
    );
  } else {
    queueOrStart(target, id, args, name, owned);
  }
}

function queueOrStart(
  target: Target,
  id: number,
  args: unknown[],
  name: string | null,
  owned: Revived[] | null,
): void {
  if (target.waiting !== null) {
    starting.add(id);
    target.waiting.push([id, args, name, owned]);
  } else {
    start(target, id, args, name, owned);
  }
}

port.on("message", (b: unknown[]) => {
  let i = 0;
  while (i < b.length) {
    switch (b[i]) {
      case SPAWN:
        spawnMsg(
          targets.get(b[i + 2] as number)!,
          b[i + 1] as number,
          b[i + 3] as unknown[],
          b[i + 4] as string | null,
        );
        i += 5;
        break;
      case DEFINE:
        targets.set(b[i + 1] as number, new Target(b[i + 2] as string, b[i + 3] as string));
        i += 4;
        break;
      case ABORT: {
        const id = b[i + 1] as number;
        const task = tasks.get(id);
        if (task !== undefined) task.abort();
        // An abort that crossed the task's reply needs nothing; one for a task not started yet
        // cancels it when it would start.
        else if (starting.has(id)) abortedEarly.add(id);
        i += 2;
        break;
      }
      case METRICS:
        outbox.push3(METRICS_REPLY, b[i + 1], rt.metrics());
        i += 2;
        break;
      default:
        throw new Error(`pollux internal error: worker runtime got message kind ${String(b[i])}.`);
    }
  }
});
