/** Argument checks shared by `pollux/io`: bad input fails at the call, naming the value and the fix. */

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return (value as object).constructor?.name ?? "object";
  if (typeof value === "string") return `a string (${JSON.stringify(value.slice(0, 20))})`;
  return `${typeof value} ${String(value)}`;
}

/** `buf` must be a `Uint8Array` (a Node `Buffer` is one). */
export function checkBuf(where: string, buf: unknown): Uint8Array {
  if (!(buf instanceof Uint8Array)) {
    throw new TypeError(
      `${where} expects a Uint8Array (or Buffer); got ${describe(buf)}. ` +
        "Encode strings first, e.g. new TextEncoder().encode(text) or Buffer.from(text).",
    );
  }
  return buf;
}

/** A positive integer (or Infinity when `infiniteOk`), e.g. a size or a limit. */
export function checkSize(where: string, value: unknown, infiniteOk = false): number {
  if (
    typeof value !== "number" ||
    !(Number.isInteger(value) || (infiniteOk && value === Number.POSITIVE_INFINITY)) ||
    value < 1
  ) {
    throw new RangeError(
      `${where} must be a positive integer${infiniteOk ? " (or Infinity)" : ""}; got ${describe(value)}.`,
    );
  }
  return value;
}

/** Check that `value` has `pollRead`. */
export function checkReader(where: string, value: unknown): void {
  if (typeof (value as { pollRead?: unknown } | null)?.pollRead !== "function") {
    throw new TypeError(
      `${where} expects an AsyncRead (an object with pollRead(cx, buf)); got ${describe(value)}. ` +
        "Wrap a Node stream with fromNodeReadable(stream).",
    );
  }
}

/** Check that `value` has `pollWrite`, `pollFlush` and `pollShutdown`. */
export function checkWriter(where: string, value: unknown): void {
  const w = value as { pollWrite?: unknown; pollFlush?: unknown; pollShutdown?: unknown } | null;
  if (
    typeof w?.pollWrite !== "function" ||
    typeof w.pollFlush !== "function" ||
    typeof w.pollShutdown !== "function"
  ) {
    throw new TypeError(
      `${where} expects an AsyncWrite (pollWrite, pollFlush, pollShutdown); got ${describe(value)}. ` +
        "Wrap a Node stream with fromNodeWritable(stream).",
    );
  }
}
