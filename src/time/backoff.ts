/**
 * Backoff schedules for `retry`: how long to wait after each failed attempt. A schedule is a plain
 * object with one method, so a user can write their own; `exponential` and `fixed` cover the usual
 * cases (Rust's `backoff` crate, Effect's `Schedule.exponential`/`Schedule.spaced`).
 */
import { checkDuration, MAX_DURATION_MS } from "./duration.js";

/**
 * A backoff schedule: the delay before the next attempt.
 *
 * @example
 * const linear: Backoff = { delay: (failures) => 100 * failures };
 * yield* retry(() => connect(addr), { attempts: 5, backoff: linear });
 */
export interface Backoff {
  /**
   * Milliseconds to wait after the `failures`-th failed attempt (1 after the first), before the
   * next. `random` returns a number in [0, 1): the jitter source `retry` was given (seeded or
   * injected), so a schedule that uses it stays deterministic in tests.
   */
  delay(failures: number, random: () => number): number;
}

/** Options of {@link exponential}. */
export interface ExponentialOptions {
  /** Delay after the first failure, in milliseconds. */
  base: number;
  /** Each further failure multiplies the delay by this. Default 2. */
  factor?: number;
  /** The delay never exceeds this many milliseconds (before jitter). Default 30,000. */
  max?: number;
  /**
   * Fraction of the delay that is random, from 0 (none, the default) to 1 ("full jitter": uniform
   * in [0, delay]). With 0.5 the delay is uniform in [delay / 2, delay]. Jitter spreads the
   * retries of many clients that failed together, so they do not hit the server in lockstep.
   */
  jitter?: number;
}

function checkNumber(
  where: string,
  name: string,
  value: unknown,
  min: number,
  max: number,
  hint: string,
): number {
  if (typeof value !== "number" || !(value >= min && value <= max)) {
    throw new RangeError(
      `${where}: ${name} must be a number from ${min} to ${max}; got ${String(value)}. ${hint}`,
    );
  }
  return value;
}

class Exponential implements Backoff {
  constructor(
    private readonly base: number,
    private readonly factor: number,
    private readonly max: number,
    private readonly jitter: number,
  ) {}

  delay(failures: number, random: () => number): number {
    const d = Math.min(this.max, this.base * this.factor ** (failures - 1));
    return this.jitter === 0 ? d : d - d * this.jitter * random();
  }
}

/**
 * An exponential backoff: `base`, `base × factor`, `base × factor²`, ... milliseconds, capped at
 * `max`, with an optional random `jitter` fraction.
 *
 * When to use: retrying a remote call (network, database) whose failures may last a while and may
 * be caused by load: the growing wait lets the other side recover.
 *
 * Cost: nothing per attempt beyond one `Math.pow`.
 *
 * @example
 * import { exponential, retry } from "pollux/time";
 * const res = yield* retry(() => fetchJson(url), {
 *   attempts: 5,
 *   backoff: exponential({ base: 100, factor: 2, max: 5_000, jitter: 1 }),
 * });
 */
export function exponential(options: ExponentialOptions): Backoff {
  const where = "exponential()";
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${where} expects options { base, factor?, max?, jitter? }; got ${String(options)}.`);
  }
  const base = checkDuration(options.base, `${where} base`);
  const factor = checkNumber(where, "factor", options.factor ?? 2, 1, 1_000, "Use 2 to double the delay.");
  const max = checkDuration(options.max ?? 30_000, `${where} max`);
  const jitter = checkNumber(
    where,
    "jitter",
    options.jitter ?? 0,
    0,
    1,
    "Use 0 for none, 1 for full jitter.",
  );
  return new Exponential(base, factor, Math.min(max, MAX_DURATION_MS), jitter);
}

class Fixed implements Backoff {
  constructor(private readonly ms: number) {}

  delay(): number {
    return this.ms;
  }
}

/**
 * The same delay after every failure.
 *
 * When to use: polling-style retries where load is not the cause (waiting for a file or a
 * service to appear), or tests.
 *
 * @example
 * yield* retry(() => connect(socketPath), { attempts: 20, backoff: fixed(50) });
 */
export function fixed(ms: number): Backoff {
  return new Fixed(checkDuration(ms, "fixed()"));
}

/**
 * @internal A seeded pseudo-random source in [0, 1) (mulberry32): the same seed gives the same
 * jitter, so a retry schedule is reproducible in tests and in bug reports.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
