/**
 * Argument checks shared by the `pollux/sync` constructors: every bad count names the value it got
 * and what to pass instead.
 */

/** @internal name a bad argument in an error message. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean")
    return String(value);
  if (value === null || value === undefined) return String(value);
  return typeof value;
}

/** Largest count (capacity, permits) accepted anywhere in `pollux/sync`. */
export const MAX_COUNT = 2 ** 31 - 1;

/**
 * @internal throw a RangeError unless `value` is an integer in [min, MAX_COUNT].
 * `hint` finishes the sentence with the fix.
 */
export function checkCount(where: string, value: unknown, min: number, hint: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > MAX_COUNT) {
    throw new RangeError(
      `${where} must be an integer from ${min} to ${MAX_COUNT}; got ${describe(value)}. ${hint}`,
    );
  }
  return value;
}
