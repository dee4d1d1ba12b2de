/**
 * The messages between a runtime and its worker runtimes. Every post carries a batch (an array of
 * messages, each an array whose first element is its kind): everything one side has to say to a
 * peer during one drain goes in one `postMessage`, because a post costs ~5–10 µs of the sender's
 * and the receiver's time whatever it carries, and a structured clone of a larger array costs far
 * less than that.
 *
 * parent → worker:
 * - `[DEFINE, targetId, moduleUrl, exportName]`: the first spawn of a target on this worker; later
 *   spawns name it by id, so a module URL crosses once per worker.
 * - `[SPAWN, callId, targetId, args, name]`: run the export as a task on the worker's runtime.
 * - `[ABORT, callId]`: abort that task; its reply comes when its cleanup has finished.
 * - `[METRICS, callId]`: reply with the worker runtime's `metrics()`.
 *
 * worker → parent:
 * - `[OK, callId, value]`, `[ERR, callId, SerializedError]`, `[CANCELLED, callId]` (a task ended),
 *   `[METRICS_REPLY, callId, RuntimeMetrics]`.
 */
export const DEFINE = 0;
export const SPAWN = 1;
export const ABORT = 2;
export const METRICS = 3;

export const OK = 10;
export const ERR = 11;
export const CANCELLED = 12;
export const METRICS_REPLY = 13;

/** What a worker runtime receives as `workerData`. */
export interface WorkerInit {
  /** Index of this runtime in its group (1 … n − 1; 0 is the calling thread's). */
  readonly index: number;
  /** One Int32 per runtime of the group: tasks placed there and not finished (see `group.ts`). */
  readonly loads: SharedArrayBuffer;
  /** The worker runtime's `instrument` option. */
  readonly instrument: boolean;
}
