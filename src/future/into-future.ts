/**
 * `intoFuture`: what `spawn`, `run` and the combinators accept. A Future is used as is; a generator
 * object or a generator function (called with no arguments) is driven by an `AsyncFnFuture`.
 */
import { AsyncFnFuture, describeValue, isGeneratorFunction } from "./async-fn.js";
import { type Future, isFuture, type Suspend } from "./future.js";

/**
 * A generator object as `function*` makes it, typed so that `T` is only inferred from what `next`
 * returns. Not the lib's `Generator`: under `lib` ES2022/ES2023 a `FutureBase` (which has `next`,
 * `return` and `throw`) also matches `Generator<unknown, T, unknown>`, and inference through that
 * `return(value: T)` parameter turned `T` into `unknown` (issue 11). This shape is the same under
 * every `lib`, so a future's output is inferred from `Future<T>` alone. Its yield type is
 * `Suspend`, so a body that does `yield fut` (no star) does not type-check.
 */
export interface GeneratorObject<T> {
  next(...args: [] | [unknown]): IteratorResult<Suspend, T>;
  return(value: never): IteratorResult<Suspend, T>;
  throw(error: unknown): IteratorResult<Suspend, T>;
}

/** Anything that can be awaited or spawned: a future, a generator, or a generator function. */
export type IntoFuture<T> = Future<T> | GeneratorObject<T> | (() => GeneratorObject<T>);

/** The output type of an {@link IntoFuture}. */
export type IntoOutput<F> =
  F extends Future<infer T>
    ? T
    : F extends Generator<Suspend, infer T, unknown>
      ? T
      : F extends () => Generator<Suspend, infer T, unknown>
        ? T
        : never;

export function isGenerator(value: unknown): value is Generator<unknown, unknown, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Generator).next === "function" &&
    typeof (value as Generator).throw === "function" &&
    typeof (value as Generator)[Symbol.iterator] === "function"
  );
}

/**
 * Convert `value` to a future, or throw a TypeError naming what was passed and what to pass. For
 * writers of combinators that accept what `spawn` accepts.
 *
 * @example
 * const fut = intoFuture(function* () { return 1; }); // an AsyncFnFuture<number>
 */
export function intoFuture<T>(value: IntoFuture<T>, where = "spawn"): Future<T> {
  if (isFuture(value)) return value as Future<T>;
  if (isGenerator(value)) return new AsyncFnFuture<T>(value as Generator<unknown, T, unknown>);
  if (isGeneratorFunction(value)) return new AsyncFnFuture<T>(value() as Generator<unknown, T, unknown>);
  const hint =
    typeof (value as unknown as PromiseLike<unknown> | null)?.then === "function"
      ? " Promises are eager: wrap them as fromPromise(() => promise)."
      : typeof value === "function"
        ? " A plain or async function is not a future: write it as function* () { ... }."
        : "";
  throw new TypeError(
    `${where}() expects a Future, a generator object or a generator function; got ${describeValue(value)}.${hint}`,
  );
}
