/**
 * `pollux/sync`: channels and locks for tasks, following Tokio's `tokio::sync`.
 *
 * Every primitive is made of leaf futures that register the waiting task's waker and are woken
 * exactly when they can make progress: no polling loops, no timers, no promises. Waiters are
 * served first come, first served. Cancelling a waiting operation (aborting its task, losing a
 * `select`, a `timeout`) removes it from the queue; a lock, permit or slot already granted to it is
 * handed to the next waiter, so nothing is lost or leaked. Each method's JSDoc states its cancel
 * safety.
 *
 * | need | use |
 * |---|---|
 * | a stream of work or results, with backpressure | `mpsc.channel(capacity)` |
 * | the same from callbacks, without backpressure | `mpsc.unbounded()` |
 * | a work queue drained by several workers | `mpmc.channel(capacity)`, `mpmc.unbounded()` |
 * | one reply | `oneshot()` |
 * | every value to every listener | `broadcast(capacity)` |
 * | only the latest value | `watch(initial)` |
 * | exclusive access across awaits | `Mutex`, `RwLock` |
 * | at most N at a time | `Semaphore` |
 * | a bare wake-up signal | `Notify` |
 * | n tasks meet | `Barrier` |
 * | lazy one-time initialization | `OnceCell` |
 *
 * Guards and permits have `release()` and implement `Symbol.dispose`:
 * `using guard = yield* mutex.lock();` releases at scope exit, also on error and cancellation.
 *
 * @module
 */

export { EMPTY, type Empty, END, type End } from "../future/end.js";
export { Barrier, BarrierWaitResult } from "./barrier.js";
export { BroadcastReceiver, BroadcastSender, broadcast } from "./broadcast.js";
export { Closed } from "./closed-signal.js";
/**
 * Multi-producer, multi-consumer channels, the work queue: `mpmc.channel(capacity)` and
 * `mpmc.unbounded()`. Clone the receiver for each worker; each message goes to exactly one
 * receiver, waiting receivers are served in arrival order.
 *
 * @example
 * const [tx, rx] = mpmc.channel<Job>(64);
 * for (let i = 0; i < 4; i++) s.spawn(worker(rx.clone()));
 */
export * as crossThread from "./cross-thread/index.js";
export { AcquireError, Lagged, RecvError, SendError, SendTimeoutError } from "./errors.js";
export * as mpmc from "./mpmc.js";
/**
 * Multi-producer, single-consumer channels: `mpsc.channel(capacity)` (bounded: `send` waits for
 * room, FIFO among senders) and `mpsc.unbounded()` (`send` is synchronous). `recv()` resolves
 * `END` once every sender is closed and the buffer is drained, so any `T` (even `undefined`) can
 * be sent.
 *
 * @example
 * const [tx, rx] = mpsc.channel<Job>(64);
 * spawn(function* () {
 *   for (let job = yield* rx.recv(); job !== END; job = yield* rx.recv()) yield* run(job);
 * });
 * yield* tx.send(job);
 */
export * as mpsc from "./mpsc.js";
export { MappedMutexGuard, Mutex, MutexGuard } from "./mutex.js";
export { Notified, Notify } from "./notify.js";
export { OnceCell } from "./once-cell.js";
export { OneshotReceiver, OneshotSender, oneshot } from "./oneshot.js";
export { RwLock, RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard } from "./rwlock.js";
export { Semaphore, SemaphorePermit } from "./semaphore.js";
export { WatchReceiver, WatchSender, watch } from "./watch.js";
