/**
 * `END` and `EMPTY`: how every "next"-style API in pollux says "no item", without taking a value
 * from the user's `T`.
 *
 * Why sentinels and not `undefined`: a `JoinSet<void>`, a stream of `undefined` or a channel of
 * `T | undefined` would end at their first item if "no more" were `undefined`. A unique symbol can
 * never be a `T`, costs nothing (no result object per item), and narrows: after
 * `if (v === END) break`, `v` is `T`.
 *
 * The convention, everywhere: `stream.next()`, `pollNext`, `FuturesUnordered.next()`,
 * `JoinSet.joinNext()`, channel `recv()` and `SignalListener.recv()` resolve `END` once nothing more
 * will ever come; `tryRecv()` returns `EMPTY` when nothing can be taken right now.
 *
 * They live in `future/` (the bottom layer) so that every layer can speak them without an import
 * pointing up.
 */

/**
 * "No more items, ever": returned by `pollNext` and resolved by `next()`, `joinNext()` and `recv()`
 * once the stream ended, the set is empty or the channel is closed and drained (and on every later
 * call). A unique symbol, so it is never a value of the item type.
 *
 * @example
 * // msg is T inside the loop: the comparison with END narrows it
 * for (let msg = yield* rx.recv(); msg !== END; msg = yield* rx.recv()) handle(msg);
 */
export const END: unique symbol = Symbol("pollux.END");

/**
 * The type of {@link END}: "next"-style futures resolve `T | End`.
 *
 * @example
 * const v: number | End = yield* numbers.next();
 */
export type End = typeof END;

/**
 * "Nothing to take right now": returned by `tryRecv()` when no message is buffered. Unlike
 * {@link END} it is not final: a later `tryRecv()` or `recv()` may get a message. `tryRecv()`
 * returns `END` instead once the channel is closed and drained.
 *
 * @example
 * for (let m = rx.tryRecv(); m !== EMPTY && m !== END; m = rx.tryRecv()) batch.push(m);
 */
export const EMPTY: unique symbol = Symbol("pollux.EMPTY");

/**
 * The type of {@link EMPTY}.
 *
 * @example
 * const m: string | Empty | End = rx.tryRecv();
 */
export type Empty = typeof EMPTY;
