/**
 * `retry`: run an operation again after it fails, waiting a backoff schedule between attempts.
 *
 * HOW: one async fn, a loop of `yield* op(attempt)` and `yield* sleep(delay)`. Everything it waits
 * on is a child future of that generator, so cancelling `retry` (an abort, a `timeout`, losing a
 * `select`) cancels the attempt in flight or the sleep, and nothing keeps running afterwards. The
 * sleeps are ordinary timers: on the paused clock a whole schedule runs in microseconds.
 */
import { asyncFn, describeValue } from "../future/async-fn.js";
import type { Future } from "../future/future.js";
import { type IntoFuture, intoFuture } from "../future/into-future.js";
import { type Backoff, exponential, seededRandom } from "./backoff.js";
import { sleep } from "./sleep.js";

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Attempts in all, the first included: `attempts: 1` never retries. An integer ≥ 1. */
  attempts: number;
  /** The wait between attempts. Default `exponential({ base: 100 })`: 100, 200, 400 ms, ... up to 30 s. */
  backoff?: Backoff;
  /**
   * Whether to retry after this error (`attempt` is the attempt that threw, from 1). Default:
   * every error. Return false for errors that another attempt cannot fix (bad input, 4xx): the
   * error is thrown at once.
   */
  retryIf?: (error: unknown, attempt: number) => boolean;
  /** Called before each wait, e.g. to log: the error, the attempt that threw, the delay chosen. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Seed of the jitter's random source: the same seed gives the same delays. */
  seed?: number;
  /** The jitter's random source, returning numbers in [0, 1). Default `Math.random`. */
  random?: () => number;
}

const DEFAULT_BACKOFF = exponential({ base: 100 });
const OPTION_KEYS = new Set(["attempts", "backoff", "retryIf", "onRetry", "seed", "random"]);

const retryLoop = asyncFn(function* <T>(
  op: (attempt: number) => IntoFuture<T>,
  attempts: number,
  backoff: Backoff,
  retryIf: ((error: unknown, attempt: number) => boolean) | undefined,
  onRetry: ((error: unknown, attempt: number, delayMs: number) => void) | undefined,
  random: () => number,
) {
  for (let attempt = 1; ; attempt++) {
    // A fresh future per attempt: a future runs once, so the op must build a new one each time.
    const fut = intoFuture(op(attempt), "retry() op");
    try {
      return yield* fut;
    } catch (error) {
      if (attempt >= attempts || (retryIf !== undefined && !retryIf(error, attempt))) throw error;
      const delay = backoff.delay(attempt, random);
      onRetry?.(error, attempt, delay);
      yield* sleep(delay);
    }
  }
});

/**
 * Run `op(attempt)` and return its output; when it throws, wait `backoff`'s delay and run it
 * again, up to `attempts` attempts in all. Throws the last error, unchanged, when the attempts
 * are spent or `retryIf` declines it.
 *
 * `op` is a function returning a FRESH future per attempt (a future runs once): pass
 * `() => fetchUser(id)`, not `fetchUser(id)`. It receives the attempt number, from 1.
 *
 * Testing: the waits are pollux timers, so under `run(main, { clock: "paused" })` a schedule of
 * minutes runs at once and deterministically; pass `seed` (or `random`) to fix the jitter.
 *
 * Cost: per failed attempt one timer and whatever `op` builds; nothing when the first attempt
 * succeeds beyond one small future.
 *
 * Cancel safety: cancelling `retry` cancels the attempt in flight (its `finally` blocks run) or
 * the wait between attempts; no further attempt starts.
 *
 * @example
 * import { exponential, retry } from "pollux/time";
 * const user = yield* retry((attempt) => fetchUser(id), {
 *   attempts: 5,
 *   backoff: exponential({ base: 100, factor: 2, max: 2_000, jitter: 0.5 }),
 *   retryIf: (e) => !(e instanceof NotFound),
 * });
 */
export function retry<T>(op: (attempt: number) => IntoFuture<T>, options: RetryOptions): Future<T> {
  if (typeof op !== "function") {
    throw new TypeError(
      `retry() expects a function returning a fresh future per attempt, e.g. retry(() => fetchUser(id), { attempts: 3 }); got ${describeValue(op)}.`,
    );
  }
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`retry() expects options { attempts, backoff?, retryIf? }; got ${String(options)}.`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      throw new TypeError(`unknown retry() option "${key}"; known options: ${[...OPTION_KEYS].join(", ")}.`);
    }
  }
  const { attempts, backoff = DEFAULT_BACKOFF, retryIf, onRetry, seed, random } = options;
  if (typeof attempts !== "number" || !Number.isInteger(attempts) || attempts < 1) {
    throw new RangeError(
      `retry() option attempts must be an integer ≥ 1 (attempts in all, the first included); got ${String(attempts)}.`,
    );
  }
  if (typeof backoff !== "object" || backoff === null || typeof backoff.delay !== "function") {
    throw new TypeError(
      `retry() option backoff must be a schedule such as exponential({ base: 100 }) or fixed(50); got ${String(backoff)}.`,
    );
  }
  for (const [name, fn] of [
    ["retryIf", retryIf],
    ["onRetry", onRetry],
    ["random", random],
  ] as const) {
    if (fn !== undefined && typeof fn !== "function") {
      throw new TypeError(`retry() option ${name} must be a function; got ${describeValue(fn)}.`);
    }
  }
  if (seed !== undefined && (typeof seed !== "number" || !Number.isInteger(seed))) {
    throw new TypeError(`retry() option seed must be an integer; got ${String(seed)}.`);
  }
  if (seed !== undefined && random !== undefined) {
    throw new TypeError("retry(): pass seed or random, not both (seed builds the random source).");
  }
  const source = random ?? (seed !== undefined ? seededRandom(seed) : Math.random);
  return retryLoop(op, attempts, backoff, retryIf, onRetry, source);
}
