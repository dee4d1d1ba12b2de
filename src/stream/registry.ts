/**
 * Late-bound constructors of the stream adapters that live in their own files.
 *
 * Why: every adapter extends `StreamBase`, and `StreamBase`'s methods build adapters. With the
 * adapters in other files, `base.ts` importing them would make a module cycle in which an adapter
 * module runs `class X extends StreamBase` before `StreamBase` exists. So `base.ts` imports only
 * this table (which imports nothing at run time); each adapter module fills in its entry when it
 * loads; and `stream.ts`, the file every other module imports `StreamBase` from, loads `base.ts`
 * and then every adapter module, so the table is full before any stream exists.
 */
import type { IntoFuture, IntoOutput } from "../future/into-future.js";
import type { StreamBase } from "./base.js";
import type { End, Stream } from "./poll-next.js";

/** The table; see the file header. Entries are set by the adapter modules. */
export interface Adapters {
  andThen<T, F extends IntoFuture<unknown>>(up: Stream<T>, fn: (item: T) => F): StreamBase<IntoOutput<F>>;
  filterMap<T, U>(up: Stream<T>, fn: (item: T) => U | undefined): StreamBase<U>;
  skip<T>(up: Stream<T>, n: number): StreamBase<T>;
  skipWhile<T>(up: Stream<T>, predicate: (item: T) => boolean): StreamBase<T>;
  takeWhile<T>(up: Stream<T>, predicate: (item: T) => boolean): StreamBase<T>;
  mapWhile<T, U>(up: Stream<T>, fn: (item: T) => U | End): StreamBase<U>;
  chain<T, U>(first: Stream<T>, second: Stream<U>): StreamBase<T | U>;
  zip<T, U>(a: Stream<T>, b: Stream<U>): StreamBase<[T, U]>;
  flatten<T>(up: Stream<Stream<T>>): StreamBase<T>;
  peekable<T>(up: Stream<T>): StreamBase<T>;
  timeout<T>(up: Stream<T>, ms: number): StreamBase<T>;
  throttle<T>(up: Stream<T>, ms: number): StreamBase<T>;
  chunksTimeout<T>(up: Stream<T>, max: number, ms: number): StreamBase<T[]>;
}

export const adapters = {} as Adapters;
