/**
 * `pollux/task`: spawning tasks, awaiting and aborting them, and cooperative yielding.
 *
 * @module
 */
export { END, type End } from "../future/end.js";
export type { AbortHandle } from "./abort-handle.js";
export type { BlockingPoolMetrics } from "./blocking/metrics.js";
export {
  type BlockingFunctionTarget,
  type BlockingModuleTarget,
  type BlockingOptions,
  type BlockingTransferable,
  spawnBlocking,
} from "./blocking/spawn-blocking.js";
export {
  CANCELLED,
  CancellationToken,
  type Cancelled,
  RunUntilCancelled,
  WaitForCancellation,
} from "./cancellation-token.js";
export { consumeBudget, pollProceed } from "./coop.js";
export { DropGuard } from "./drop-guard.js";
export { id, tryId } from "./id.js";
export { JoinError } from "./join-error.js";
export { JoinNext, JoinNextWithId, JoinSet, JoinSetShutdown } from "./join-set.js";
export { JoinSetJoinAll } from "./join-set-all.js";
export { Scope, scope } from "./scope.js";
export { spawn } from "./spawn.js";
export type { JoinHandle } from "./task.js";
export { TaskLocal, TaskLocalScope, taskLocal } from "./task-local.js";
export { Unconstrained, unconstrained } from "./unconstrained.js";
export { yieldNow } from "./yield-now.js";
