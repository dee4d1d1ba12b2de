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
  type Future,
  FutureBase,
  fromPromise,
  PENDING,
  type Poll,
  pending,
  pollFn,
  ready,
  toPromise,
  type Waker,
} from "./future/index.js";
export { DeadlockError, Runtime, type RuntimeOptions, run, runMain } from "./runtime/index.js";
export { JoinError, type JoinHandle, spawn, yieldNow } from "./task/index.js";
