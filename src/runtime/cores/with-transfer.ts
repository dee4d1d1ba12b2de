/**
 * `withTransfer`: a remote task's result whose buffers move back instead of being copied.
 */
import type { CoreTransferable } from "./module-task.js";

const BRAND = Symbol.for("pollux.withTransfer");

/** A value and the buffers/ports inside it to move (see {@link withTransfer}). */
export interface WithTransfer<T> {
  readonly value: T;
  readonly transfer: readonly CoreTransferable[];
  readonly [BRAND]: true;
}

/**
 * Return this from a task run by `spawnOn`/`spawnAnywhere` to move `transfer` (ArrayBuffers,
 * MessagePorts inside `value`) to the awaiting thread instead of copying them; the awaiting
 * `JoinHandle` yields `value`. Use it for large byte results: a move costs the same at any size.
 *
 * @example
 * export function* render(width: number) {
 *   const pixels = new Uint8Array(width * width);
 *   // ... fill it ...
 *   return withTransfer(pixels, [pixels.buffer]);
 * }
 */
export function withTransfer<T>(value: T, transfer: readonly CoreTransferable[]): T {
  if (!Array.isArray(transfer)) {
    throw new TypeError(
      "withTransfer(value, transfer): transfer must be an array of ArrayBuffers and MessagePorts.",
    );
  }
  return { value, transfer, [BRAND]: true } as unknown as T;
}

export function isWithTransfer(v: unknown): v is WithTransfer<unknown> {
  return typeof v === "object" && v !== null && (v as Record<symbol, unknown>)[BRAND] === true;
}
