/**
 * pollux: Rust's async model for TypeScript on Node.js. The root module re-exports the everyday
 * names; each subpath (`pollux/future`, `pollux/task`, `pollux/runtime`, ...) holds a whole module.
 *
 * @module
 */
export {
  type Async,
  asyncFn,
  type Context,
  EMPTY,
  type Empty,
  END,
  type End,
  type Future,
  FutureBase,
  fromPromise,
  join,
  joinAll,
  PENDING,
  type Poll,
  pending,
  pollFn,
  race,
  ready,
  type Suspend,
  select,
  tryJoin,
  tryJoinAll,
  type Waker,
} from "./future/index.js";
export {
  DeadlockError,
  Handle,
  type RunMainOptions,
  Runtime,
  type RuntimeOptions,
  run,
  runMain,
  type ShutdownOptions,
  type ShutdownReport,
  type SlowPollInfo,
  type TaskMeta,
  type TaskTerminateMeta,
  toPromise,
} from "./runtime/index.js";
export { FuturesUnordered } from "./stream/index.js";
export {
  type AbortHandle,
  CANCELLED,
  CancellationToken,
  JoinError,
  type JoinHandle,
  JoinSet,
  Scope,
  scope,
  spawn,
  spawnBlocking,
  unconstrained,
  yieldNow,
} from "./task/index.js";
export { Elapsed, Instant, interval, sleep, sleepUntil, timeout } from "./time/index.js";
