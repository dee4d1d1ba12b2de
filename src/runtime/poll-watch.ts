/**
 * The poll watch: blocking detection without reading the clock on every poll.
 *
 * Reading the clock costs ~30–45 ns (`performance.now()`, `Date.now()` and `process.hrtime()`
 * alike), and a task switch costs ~100–200 ns: one read per poll made ping-pong 15–35% slower
 * with detection on. Instead, a watcher thread looks at the main thread every millisecond. The
 * runtime writes the number of the poll it starts into shared memory, and 0 when the poll ends
 * (two plain stores). When the watcher sees a poll in progress for the first time it notes the
 * time and flags that poll. At its end the runtime checks the flag (one load); only a flagged
 * poll, one that was still running at a watcher tick, reads the clock and is measured.
 *
 * The measure is a lower bound: the poll started before the watcher first saw it, so a 50 ms poll
 * is reported as 49–50 ms. A watcher that gets no CPU (a starved machine) misses slow polls; it
 * never invents one, which a clock read per poll does when the OS preempts the process mid-poll.
 *
 * The watcher parks (no CPU) after ~5 ms without a drain and is woken by the next one (a futex
 * wake, a few microseconds, paid only by a drain that finds it parked). It is one thread per
 * process (~8 MB, started on first use, ~25 ms before it watches), unref'd, so it never keeps the
 * process alive; until it runs, and where worker threads are unavailable, the runtime falls back
 * to reading the clock per poll.
 */
import { Worker } from "node:worker_threads";

/** Int32 slots of the shared buffer. */
const POLL = 0; // the poll in progress on the main thread (1..2^31-1), or 0 between polls
const FLAGGED = 1; // the last poll the watcher saw in progress
const SINCE = 2; // when it first saw it: microseconds since `base`, wrapping (see `nowUs`)
const DRAINS = 3; // drains started: the watcher parks while this stays still
const PARKED = 4; // 1 while the watcher waits for a drain
const READY = 5; // 1 once the watcher runs
const SLOTS = 6;

/** The watcher's period, in milliseconds: the resolution of a measured slow poll. */
const TICK_MS = 1;
/** Ticks without a drain or a poll in progress before the watcher parks. */
const PARK_AFTER_TICKS = 5;

/** Source of the watcher thread (CommonJS, evaluated: no file to resolve from `src/` or `dist/`). */
const WATCHER = `
const { workerData } = require("node:worker_threads");
const s = new Int32Array(workerData.buffer);
const base = BigInt(workerData.base);
const now = () => Number((process.hrtime.bigint() - base) / 1000n) | 0;
const nap = new Int32Array(new SharedArrayBuffer(4));
Atomics.store(s, ${READY}, 1);
let seen = 0, drains = Atomics.load(s, ${DRAINS}), quiet = 0;
for (;;) {
  Atomics.wait(nap, 0, 0, ${TICK_MS});
  const poll = s[${POLL}];
  if (poll !== 0 && poll !== seen) {
    seen = poll;
    s[${SINCE}] = now();
    Atomics.store(s, ${FLAGGED}, poll);
  }
  const d = Atomics.load(s, ${DRAINS});
  if (poll !== 0 || d !== drains) { drains = d; quiet = 0; continue; }
  if (++quiet < ${PARK_AFTER_TICKS}) continue;
  Atomics.store(s, ${PARKED}, 1);
  Atomics.wait(s, ${DRAINS}, drains);
  Atomics.store(s, ${PARKED}, 0);
  quiet = 0;
}
`;

const base = process.hrtime.bigint();

/** Microseconds since `base`, wrapped to int32 (durations up to ~35 minutes subtract correctly). */
export function nowUs(): number {
  return Number((process.hrtime.bigint() - base) / 1000n) | 0;
}

/** The shared slots, once the watcher thread was started; `null` before or when it cannot run. */
let slots: Int32Array | null = null;
let started = false;
/** The number of the last poll started, shared by the runtimes of this thread. */
let lastPoll = 0;

/**
 * The watch's shared slots if the watcher is running, else null (the caller reads the clock per
 * poll). Starts the watcher on first call. Also tells a parked watcher that a drain starts.
 */
export function watchDrain(): Int32Array | null {
  if (!started) start();
  const s = slots;
  if (s === null) return null;
  Atomics.add(s, DRAINS, 1);
  if (Atomics.load(s, PARKED) === 1) Atomics.notify(s, DRAINS);
  return s[READY] === 1 ? s : null;
}

function start(): void {
  started = true;
  try {
    const buffer = new SharedArrayBuffer(SLOTS * 4);
    // No inherited execArgv: a loader the app runs under (`--import tsx`) is not needed here.
    const worker = new Worker(WATCHER, {
      eval: true,
      execArgv: [],
      workerData: { buffer, base: base.toString() },
    });
    worker.unref();
    // A watcher that dies leaves READY as it was; polls then go unmeasured until the flag is seen
    // unset, so mark it not ready. An error here is not the user's: stay silent, fall back.
    worker.on("error", () => {});
    worker.on("exit", () => {
      const s = new Int32Array(buffer);
      s[READY] = 0;
    });
    slots = new Int32Array(buffer);
  } catch {
    slots = null; // no worker threads here (a restricted environment): clock reads per poll
  }
}

/** Whether the watcher thread is running (for tests and diagnostics). */
export function watching(): boolean {
  return slots !== null && slots[READY] === 1;
}

/** The next poll's number, never 0. */
export function nextPoll(): number {
  lastPoll = lastPoll === 0x7fffffff ? 1 : lastPoll + 1;
  return lastPoll;
}

/** Mark `poll` in progress (`poll` from `nextPoll`) or, with 0, no poll in progress. */
export function setPoll(s: Int32Array, poll: number): void {
  s[POLL] = poll;
}

/** Whether the watcher saw `poll` in progress: it ran at least until a watcher tick. */
export function wasSeen(s: Int32Array, poll: number): boolean {
  return s[FLAGGED] === poll;
}

/** How long `poll`, flagged and now ended, ran at least: milliseconds since the watcher first saw it. */
export function seenFor(s: Int32Array): number {
  return ((nowUs() - Atomics.load(s, SINCE)) | 0) / 1000;
}
