/**
 * `pollux/future`: the future contract and the basic futures.
 *
 * A future is a lazy state machine: nothing runs until an executor polls it. Inside a task,
 * `yield* fut` awaits it and evaluates to its output.
 *
 * @module
 */
export { AsyncFnFuture, asyncFn } from "./async-fn.js";
export { EMPTY, type Empty, END, type End } from "./end.js";
export { type Async, type Future, FutureBase, isFuture, type Output, type Suspend } from "./future.js";
export { type GeneratorObject, type IntoFuture, type IntoOutput, intoFuture } from "./into-future.js";
export { type JoinOutput, join } from "./join.js";
export { JoinAll, joinAll } from "./join-all.js";
export { Pending, pending } from "./pending.js";
export { type Context, PENDING, type Poll, type Waker } from "./poll.js";
export { PollFn, pollFn } from "./poll-fn.js";
export { fromPromise, PromiseFuture } from "./promise.js";
export { race } from "./race.js";
export { Ready, ready } from "./ready.js";
export { Select, type SelectOutput, select } from "./select.js";
export { tryJoin, tryJoinAll } from "./try-join.js";
