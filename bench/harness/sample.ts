/**
 * One measured run of one contender, isolated from the rest of the run.
 *
 * A contender must not take the whole benchmark down: its function is called inside a try, raced
 * against a per-sample timeout, and errors thrown from callbacks it scheduled (which reach
 * `uncaughtException` / `unhandledRejection`, not our try) are routed to the sample in flight. A
 * timed-out contender cannot be stopped (JavaScript has no way to kill running work), so its stray
 * work may still run during later samples; the report marks the contender as failed and the
 * harness runs no more samples of it.
 */
import type { Sample } from "../workload.js";
import { collect, type GcKind } from "./gc.js";

export type Outcome =
  | { ok: true; value: number; extra: Record<string, number>; wallMs: number }
  | { ok: false; error: string; timedOut: boolean; wallMs: number };

let inFlight: ((error: unknown) => void) | null = null;
let guarded = false;

function stray(kind: string) {
  return (error: unknown): void => {
    if (inFlight !== null) inFlight(error);
    else console.error(`bench: ${kind} outside any sample (ignored):`, error);
  };
}

/** Route errors that escape a contender's promise to the sample in flight. Call once. */
export function installCrashGuards(): void {
  if (guarded) return;
  guarded = true;
  process.on("uncaughtException", stray("uncaught exception"));
  process.on("unhandledRejection", stray("unhandled rejection"));
}

class SampleTimeout extends Error {}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.split("\n")[0]!.slice(0, 200);
  return String(error).slice(0, 200);
}

function normalize(sample: Sample): { value: number; extra: Record<string, number> } {
  const { value, extra } = typeof sample === "number" ? { value: sample, extra: undefined } : (sample ?? {});
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new TypeError(
      `a contender must resolve with a non-negative finite number or { value, extra }; got ${JSON.stringify(sample)}.`,
    );
  }
  return { value, extra: extra ?? {} };
}

/** Settle pending callbacks of the previous sample, collect garbage, then run `fn` once. */
export async function runSample(fn: () => Promise<Sample>, timeoutMs: number, gc: GcKind): Promise<Outcome> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  collect(gc);
  let timer: NodeJS.Timeout | undefined;
  const start = performance.now();
  try {
    const sample = await new Promise<Sample>((resolve, reject) => {
      inFlight = reject;
      timer = setTimeout(() => reject(new SampleTimeout()), timeoutMs);
      try {
        fn().then(resolve, reject);
      } catch (error) {
        reject(error);
      }
    });
    const wallMs = performance.now() - start;
    return { ok: true, ...normalize(sample), wallMs };
  } catch (error) {
    const wallMs = performance.now() - start;
    if (error instanceof SampleTimeout) {
      return { ok: false, error: `timed out after ${timeoutMs / 1000} s`, timedOut: true, wallMs };
    }
    return { ok: false, error: describeError(error), timedOut: false, wallMs };
  } finally {
    clearTimeout(timer);
    inFlight = null;
  }
}
