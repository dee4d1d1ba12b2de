/**
 * `CoreWorker`: the calling side of one worker runtime (a `worker_threads` Worker running a full
 * pollux runtime, see `worker-entry.ts`).
 *
 * - Calls in flight are kept by id; replies arrive in batches and settle them (waking the local
 *   tasks straight from the port callback).
 * - The thread is `ref`'d only while calls are in flight: an idle worker runtime never keeps the
 *   process alive, so a program ends on its own after its last remote task.
 * - A crash (an error thrown outside any task, `process.exit`, out of memory) fails the calls in
 *   flight on that thread only, with an error naming the thread; the group starts a new worker
 *   runtime in its slot on next use.
 */
import { Worker } from "node:worker_threads";
import { rebuildError, type SerializedError } from "../../task/blocking/remote-error.js";
import { workerEntryUrl } from "./entry-url.js";
import type { ResolvedTask } from "./module-task.js";
import { Outbox } from "./outbox.js";
import { ABORT, CANCELLED, DEFINE, ERR, METRICS, SPAWN, type WorkerInit } from "./protocol.js";
import { type CallSink, DONE_CANCELLED, DONE_ERR, DONE_OK, type RemoteCall } from "./remote-call.js";

/** What a worker needs of its group. */
export interface WorkerOwner {
  readonly loads: Int32Array;
  readonly loadsBuffer: SharedArrayBuffer;
  readonly instrument: boolean;
  /** The worker in slot `index` is gone: forget it. */
  lost(index: number, worker: CoreWorker): void;
}

export class CoreWorker implements CallSink {
  readonly label: string;
  private readonly worker: Worker;
  private readonly calls = new Map<number, RemoteCall>();
  private readonly defined = new Set<number>();
  private readonly outbox: Outbox;
  private dead = false;

  constructor(
    readonly index: number,
    private readonly owner: WorkerOwner,
  ) {
    const init: WorkerInit = { index, loads: owner.loadsBuffer, instrument: owner.instrument };
    this.worker = new Worker(workerEntryUrl(), { workerData: init, name: `pollux-runtime-${index}` });
    this.label = `worker runtime ${index} (thread ${this.worker.threadId})`;
    this.worker.unref();
    this.outbox = new Outbox(this.worker, (msg, error) => this.unsendable(msg, error));
    this.worker.on("message", (batch: unknown[]) => this.onBatch(batch));
    this.worker.on("error", (error) => this.crashed(error, "crashed"));
    this.worker.on("exit", (code) =>
      this.crashed(new Error(`the thread exited with code ${code}`), "exited (process.exit() in a task?)"),
    );
  }

  /** Calls in flight. */
  get inFlight(): number {
    return this.calls.size;
  }

  /** Send a task (its module and export cross once per thread, then go by `targetId`). */
  spawn(call: RemoteCall, t: ResolvedTask, args: unknown[]): void {
    const targetId = t.targetId;
    if (!this.defined.has(targetId)) {
      this.defined.add(targetId);
      this.outbox.push4(DEFINE, targetId, t.url, t.exportName);
    }
    this.track(call);
    // The worker names the task after its export unless a name was given.
    this.outbox.push5(SPAWN, call.id, targetId, args, t.named ? t.label : null, call.transfer);
  }

  /** Ask for the worker runtime's `metrics()`. */
  metrics(call: RemoteCall): void {
    this.track(call);
    this.outbox.push2(METRICS, call.id);
  }

  abort(call: RemoteCall): void {
    if (this.calls.get(call.id) === call) this.outbox.push2(ABORT, call.id);
  }

  /** Stop the thread; calls in flight fail (the group is shutting down). */
  terminate(): Promise<number> {
    if (!this.dead) this.fail(new Error(`${this.label} was terminated: its runtime group shut down.`));
    this.dead = true;
    return this.worker.terminate();
  }

  private track(call: RemoteCall): void {
    this.calls.set(call.id, call);
    if (this.calls.size === 1) this.worker.ref();
  }

  private untrack(id: number): RemoteCall | undefined {
    const call = this.calls.get(id);
    if (call === undefined) return undefined;
    this.calls.delete(id);
    if (this.calls.size === 0 && !this.dead) this.worker.unref();
    return call;
  }

  private onBatch(batch: unknown[]): void {
    let i = 0;
    while (i < batch.length) {
      const kind = batch[i] as number;
      const call = this.untrack(batch[i + 1] as number);
      if (kind === CANCELLED) {
        i += 2;
        call?.settle(DONE_CANCELLED, undefined);
        continue;
      }
      const value = batch[i + 2];
      i += 3;
      if (call === undefined) continue;
      if (kind === ERR) call.settle(DONE_ERR, rebuildError(value as SerializedError));
      else call.settle(DONE_OK, value); // OK, METRICS_REPLY
    }
  }

  /** A message of the batch could not be cloned: fail its call (the rest of the batch went). */
  private unsendable(msg: unknown[], error: unknown): void {
    if (msg[0] !== SPAWN) return;
    const call = this.untrack(msg[1] as number);
    // It never reached the worker, which would have taken it off its published load.
    if (call?.placed) Atomics.sub(this.owner.loads, this.index, 1);
    call?.settle(
      DONE_ERR,
      new TypeError(
        `${call.label}: the arguments could not be sent to ${this.label} (structured clone failed: ${
          (error as Error)?.message ?? String(error)
        }). Pass plain data (objects, arrays, strings, numbers, typed arrays, Maps, Sets); functions and ` +
          "class instances do not cross threads.",
        { cause: error },
      ),
    );
  }

  private crashed(cause: unknown, how: string): void {
    if (this.dead) return;
    this.dead = true;
    this.owner.lost(this.index, this);
    const n = this.calls.size;
    this.fail(
      new Error(
        `${this.label} ${how}: ${(cause as Error)?.message ?? String(cause)}. The ${n} task${
          n === 1 ? "" : "s"
        } in flight on it failed; other runtimes are unaffected and a new worker runtime takes its place on next use.`,
        { cause },
      ),
    );
    this.worker.unref();
  }

  private fail(error: Error): void {
    const calls = [...this.calls.values()];
    for (const call of calls) this.untrack(call.id);
    Atomics.store(this.owner.loads, this.index, 0);
    for (const call of calls) call.settle(DONE_ERR, error);
  }
}
