/**
 * `BlockingPool`: the `worker_threads` behind `spawnBlocking`, Tokio's blocking pool.
 *
 * - Threads start lazily, one per job while fewer than `maxThreads` exist; beyond that jobs wait
 *   in a FIFO queue. A thread that finishes a job takes the next queued one directly.
 * - An idle thread is `unref`'d (it never keeps the process alive) and exits after `keepAliveMs`
 *   without work; one shared, unref'd timer sweeps idle threads, not one timer per thread.
 * - A crash (an error thrown outside the job, `process.exit` in the job, out of memory) fails
 *   only the job that thread was running and the thread is replaced on demand.
 * - Written here rather than on piscina/tinypool: the parent side is a plain message callback
 *   that wakes a task (no promise, no AbortSignal per job), see the note in `docs/guide-blocking.md`.
 *
 * One pool per configuration per process (`poolFor`): runtimes with the same options share their
 * threads, so short-lived `run()` calls do not each pay thread start-up (~20–40 ms).
 */
import { type MessagePort, Worker } from "node:worker_threads";
import type { BlockingPoolMetrics } from "./metrics.js";
import { rebuildError, type SerializedError } from "./remote-error.js";
import { WORKER_SOURCE } from "./worker-source.js";

/** Job states. */
export const QUEUED = 0;
export const RUNNING = 1;
export const DONE = 2;
/** Aborted: removed from the queue, or its result will be discarded. */
export const DROPPED = 3;

/** Kinds of target, as the worker protocol numbers them. */
export const FUNCTION_SOURCE = 0;
export const MODULE_URL = 1;
/** Protocol only: a function source the thread already compiled, sent by id. */
const KNOWN_FUNCTION = 2;

/** One unit of blocking work. The future awaiting it sets `onDone`. */
export class BlockingJob {
  state = QUEUED;
  ok = false;
  /** The result, or the rebuilt error once DONE. */
  value: unknown = undefined;
  /** Called once when the job is DONE (not when DROPPED). */
  onDone: (() => void) | null = null;
  worker: PoolWorker | null = null;

  constructor(
    readonly id: number,
    readonly kind: number,
    readonly target: string,
    readonly exportName: string,
    readonly args: unknown[],
    readonly transfer: readonly Transferable[] | undefined,
    readonly terminateOnAbort: boolean,
    readonly label: string,
  ) {}
}

type Transferable = ArrayBuffer | MessagePort;

/** Snapshot of a pool's state, part of `runtime.metrics()`. */
/** Ids of function sources, so that a thread is sent each source once (see `worker-source.ts`). */
const sourceIds = new Map<string, number>();

class PoolWorker {
  job: BlockingJob | null = null;
  /** Source ids this thread has compiled. */
  readonly known = new Set<number>();
  dead = false;
  idleSince = 0;
  constructor(readonly worker: Worker) {}
}

/** A pool of worker threads running blocking jobs. Use `poolFor`; see the module comment. */
export class BlockingPool {
  private readonly queue: (BlockingJob | null)[] = [];
  private queueHead = 0;
  private queued = 0;
  private readonly idle: PoolWorker[] = [];
  private threads = 0;
  private completed = 0;
  private failed = 0;
  private sweepTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly maxThreads: number,
    readonly keepAliveMs: number,
  ) {}

  metrics(): BlockingPoolMetrics {
    return {
      blockingThreads: this.threads,
      blockingIdleThreads: this.idle.length,
      blockingQueueDepth: this.queued,
      blockingJobsCompleted: this.completed,
      blockingJobsFailed: this.failed,
    };
  }

  /** Start `job` on an idle thread, a new thread, or queue it. */
  submit(job: BlockingJob): void {
    const idle = this.idle.pop();
    if (idle !== undefined) {
      this.start(idle, job);
    } else if (this.threads < this.maxThreads) {
      this.start(this.newWorker(), job);
    } else {
      this.queue.push(job);
      this.queued++;
    }
  }

  /**
   * The awaiting future was dropped. A queued job leaves the queue; a running one runs to its end
   * (its result is discarded), unless it asked for `terminateOnAbort`.
   */
  abort(job: BlockingJob): void {
    const state = job.state;
    if (state === DONE || state === DROPPED) return;
    job.state = DROPPED;
    job.onDone = null;
    if (state === QUEUED) {
      const i = this.queue.indexOf(job, this.queueHead);
      if (i >= 0) this.queue[i] = null;
      this.queued--;
      return;
    }
    if (job.terminateOnAbort && job.worker !== null) {
      const pw = job.worker;
      this.retire(pw);
      void pw.worker.terminate();
      this.next(null);
    }
  }

  private newWorker(): PoolWorker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: "pollux-blocking" });
    const pw = new PoolWorker(worker);
    this.threads++;
    worker.on("message", (msg: [number, boolean, unknown]) => this.onMessage(pw, msg));
    worker.on("error", (error) => this.onCrash(pw, error, "threw outside the job"));
    worker.on("exit", (code) =>
      this.onCrash(
        pw,
        new Error(`the worker thread exited with code ${code}`),
        `exited (process.exit(${code}) in the job?)`,
      ),
    );
    return pw;
  }

  private start(pw: PoolWorker, job: BlockingJob): void {
    pw.job = job;
    job.worker = pw;
    job.state = RUNNING;
    pw.worker.ref();
    let msg: unknown[];
    if (job.kind === FUNCTION_SOURCE) {
      let sid = sourceIds.get(job.target);
      if (sid === undefined) sourceIds.set(job.target, (sid = sourceIds.size + 1));
      if (pw.known.has(sid)) msg = [job.id, KNOWN_FUNCTION, sid, "", job.args];
      else {
        pw.known.add(sid);
        msg = [job.id, FUNCTION_SOURCE, job.target, sid, job.args];
      }
    } else {
      msg = [job.id, job.kind, job.target, job.exportName, job.args];
    }
    try {
      if (job.transfer === undefined) pw.worker.postMessage(msg);
      else pw.worker.postMessage(msg, job.transfer as never);
    } catch (error) {
      pw.job = null;
      job.worker = null;
      this.finish(
        job,
        false,
        new TypeError(
          `spawnBlocking(${job.label}): the arguments could not be sent to the worker thread (structured clone failed: ${(error as Error).message}). Pass plain data; functions and class instances do not cross threads.`,
          { cause: error },
        ),
      );
      this.next(pw);
    }
  }

  private onMessage(pw: PoolWorker, msg: [number, boolean, unknown]): void {
    const job = pw.job;
    if (job === null || job.id !== msg[0]) return;
    pw.job = null;
    job.worker = null;
    if (job.state === RUNNING) {
      this.finish(job, msg[1], msg[1] ? msg[2] : rebuildError(msg[2] as SerializedError));
    }
    this.next(pw);
  }

  private onCrash(pw: PoolWorker, cause: unknown, how: string): void {
    if (pw.dead) return;
    const job = pw.job;
    this.retire(pw);
    if (job !== null && job.state === RUNNING) {
      this.finish(
        job,
        false,
        new Error(
          `spawnBlocking(${job.label}): the worker thread running this job ${how}: ${(cause as Error)?.message ?? String(cause)}. ` +
            "Only this job failed; the thread is replaced.",
          { cause },
        ),
      );
    }
    this.next(null);
  }

  /** Forget a worker that is gone or being terminated. */
  private retire(pw: PoolWorker): void {
    pw.dead = true;
    pw.job = null;
    this.threads--;
    const i = this.idle.indexOf(pw);
    if (i >= 0) this.idle.splice(i, 1);
    pw.worker.unref();
  }

  private finish(job: BlockingJob, ok: boolean, value: unknown): void {
    job.state = DONE;
    job.ok = ok;
    job.value = value;
    if (ok) this.completed++;
    else this.failed++;
    const done = job.onDone;
    job.onDone = null;
    if (done !== null) done();
  }

  /** A thread is free (`pw`), or one was lost (`null`): run the next queued job. */
  private next(pw: PoolWorker | null): void {
    let job: BlockingJob | null = null;
    while (this.queued > 0) {
      job = this.queue[this.queueHead]!;
      this.queue[this.queueHead++] = null;
      if (job !== null) {
        this.queued--;
        break;
      }
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    if (this.queued === 0 && this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    }
    if (job !== null) {
      if (pw !== null && !pw.dead) this.start(pw, job);
      else if (this.threads < this.maxThreads) this.start(this.newWorker(), job);
      else this.submit(job);
      return;
    }
    if (pw === null || pw.dead) return;
    pw.worker.unref();
    pw.idleSince = performance.now();
    this.idle.push(pw);
    if (this.sweepTimer === null) this.armSweep(this.keepAliveMs);
  }

  private armSweep(ms: number): void {
    this.sweepTimer = setTimeout(this.sweep, Math.max(1, ms));
    this.sweepTimer.unref();
  }

  /** Terminate threads idle for `keepAliveMs`; re-arm for the next one. */
  private readonly sweep = (): void => {
    this.sweepTimer = null;
    const now = performance.now();
    let earliest = Number.POSITIVE_INFINITY;
    for (const pw of [...this.idle]) {
      if (now - pw.idleSince >= this.keepAliveMs) {
        this.retire(pw);
        void pw.worker.terminate();
      } else if (pw.idleSince < earliest) {
        earliest = pw.idleSince;
      }
    }
    if (earliest !== Number.POSITIVE_INFINITY) this.armSweep(earliest + this.keepAliveMs - now);
  };
}

const pools = new Map<string, BlockingPool>();

/** The process-wide pool for this configuration, created on first use (no threads until a job). */
export function poolFor(maxThreads: number, keepAliveMs: number): BlockingPool {
  const key = `${maxThreads}/${keepAliveMs}`;
  let pool = pools.get(key);
  if (pool === undefined) {
    pool = new BlockingPool(maxThreads, keepAliveMs);
    pools.set(key, pool);
  }
  return pool;
}

const NO_POOL: BlockingPoolMetrics = {
  blockingThreads: 0,
  blockingIdleThreads: 0,
  blockingQueueDepth: 0,
  blockingJobsCompleted: 0,
  blockingJobsFailed: 0,
};

/** Metrics of the pool for this configuration; zeros if none was created. */
export function blockingPoolMetrics(maxThreads: number, keepAliveMs: number): BlockingPoolMetrics {
  return pools.get(`${maxThreads}/${keepAliveMs}`)?.metrics() ?? NO_POOL;
}
