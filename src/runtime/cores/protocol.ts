/**
 * The messages between a runtime and its worker runtimes. Every post carries a batch: the
 * messages one side has for a peer during one drain, laid out flat in one array (each message is
 * its kind followed by a fixed number of fields), in one `postMessage`, because a post costs
 * several microseconds of the sender's and the receiver's time whatever it carries, and a flat
 * array clones faster than an array of arrays.
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
