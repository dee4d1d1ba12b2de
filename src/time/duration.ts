/**
 * Durations: plain numbers of milliseconds, checked once where they enter the API.
 *
 * The wheel has 6 levels of 64 slots at 1 ms, so it spans 64^6 ms = 2^36 ms (about 2.18 years).
 * Longer durations are clamped to that span rather than rejected: "wait a very long time" is a
 * legitimate request (a lease that never expires in practice) and nothing observable breaks, the
 * timer simply fires after 2.18 years. Negative, NaN and infinite durations are always bugs (a
 * subtraction gone wrong, `undefined * 1000`), so they throw instead of being silently rounded.
 */

/**
 * The longest duration a timer can wait: 2^36 − 1 ms (about 795 days, 2.18 years), the span of
 * the timing wheel. `sleep`, `timeout`, `interval` and `advance` clamp longer durations (and
 * deadlines further ahead) to it rather than throwing.
 *
 * @example
 * sleep(10 * 365 * 86_400_000).deadline; // now + MAX_DURATION_MS, not ten years
 */
export const MAX_DURATION_MS = 2 ** 36 - 1;

/**
 * @internal check a duration argument. Returns it clamped to {@link MAX_DURATION_MS}; throws a `TypeError`
 * for a non-number and a `RangeError` for a negative, NaN or infinite number, naming the value.
 */
export function checkDuration(ms: unknown, where: string, zeroAllowed = true): number {
  // Fast path: a number in range (NaN fails both comparisons).
  if (typeof ms === "number" && ms <= MAX_DURATION_MS && (zeroAllowed ? ms >= 0 : ms > 0)) return ms;
  if (typeof ms !== "number") {
    const shown = typeof ms === "string" ? JSON.stringify(ms) : String(ms);
    const hint =
      typeof ms === "string" && ms.trim() !== "" && !Number.isNaN(Number(ms)) ? ` (use ${ms.trim()})` : "";
    throw new TypeError(
      `${where}: the duration must be a number of milliseconds; got ${typeof ms} ${shown}${hint}.`,
    );
  }
  if (Number.isNaN(ms)) {
    throw new RangeError(
      `${where}: the duration is NaN; pass a number of milliseconds (often NaN comes from arithmetic on undefined).`,
    );
  }
  if (ms === Number.POSITIVE_INFINITY) {
    throw new RangeError(
      `${where}: the duration is Infinity; to wait forever use pending(), or a finite number of milliseconds ` +
        `(at most ${MAX_DURATION_MS}, about 2.18 years).`,
    );
  }
  if (ms < 0 || ms === Number.NEGATIVE_INFINITY) {
    throw new RangeError(
      `${where}: the duration must not be negative; got ${ms} ms. Use 0 for "as soon as possible" ` +
        "or Math.max(0, ms) if the value is computed.",
    );
  }
  if (ms === 0) throw new RangeError(`${where}: the period must be greater than 0 ms; got 0.`);
  return MAX_DURATION_MS; // finite and longer than the wheel's span: clamped (documented)
}
