/**
 * `Runtime`: the executor. It owns a run queue, a LIFO slot, the list of live tasks, and hooks for
 * drivers (the timer wheel) that wake tasks from Node callbacks.
 *
 * Scheduling, inside Node's event loop:
 * - A wake from outside any poll (a Node callback) queues the task and schedules ONE drain with
 *   `queueMicrotask`, so the task runs in the same event-loop turn; further wakes before the drain
 *   only queue.
 * - A wake from inside a poll (task A wakes task B) puts B in the LIFO slot: B runs next, while the
 *   data A just produced is hot. The previous LIFO occupant goes to the back of the queue. At most
 *   `LIFO_LIMIT` polls in a row come from the slot, so two tasks ping-ponging cannot starve the queue.
 * - Every `eventInterval` polls (default 61, as in Tokio) the drain checks the clock; once the
 *   runtime has run for `yieldAfterMs` (default 1 ms) since Node's last turn and work remains, it
 *   continues from `setImmediate`, letting Node run timers and IO in between. (Tokio polls its IO
 *   driver every 61 ticks because that costs one syscall; leaving to Node's event loop costs
 *   ~7 µs, so pollux bounds the time between turns instead of the count.)
 * - That time slice spans every drain of one event-loop turn, not just one drain: a task awaiting
 *   already-settled promises runs one short microtask drain per promise, back to back, and Node
 *   never gets a turn in between. The slice starts at the first drain of a turn and ends when a
 *   marker `setImmediate` runs (Node's check phase: the turn is over); a drain that starts with the
 *   slice spent goes through `setImmediate` instead of running in the microtask.
 * - When the queue empties, drivers get `onIdle()` (the paused clock jumps to the next deadline).
 *   If a `run()` is waiting and no driver, timer, promise or IO can wake anything, the runtime
 *   reports a `DeadlockError` instead of letting Node exit silently; if only Node resources it does
 *   not own could still wake a task, it waits, and reports a stall (never an error) after
 *   `stallAfterMs` without a poll (see `liveness.ts`).
 */
import { availableParallelism } from "node:os";
import { AsyncFnFuture, isGeneratorFunction } from "../future/async-fn.js";
import { current, type TaskInfo, UNCONSTRAINED_BUDGET } from "../future/current.js";
import type { Gen } from "../future/frames.js";
import type { Future } from "../future/future.js";
import { describeFuture, isFuture } from "../future/future.js";
import { type LabelScope, newLabelScope, withLabelScope } from "../future/instance-id.js";
import { type IntoFuture, intoFuture, isGenerator } from "../future/into-future.js";
import { type Context, PENDING, type Waker } from "../future/poll.js";
import { blockingPoolMetrics } from "../task/blocking/pool.js";
import type { Executor, SpawnOptions } from "../task/executor.js";
import { enableGrowthWatch } from "../task/growth-watch.js";
import { JoinError, label } from "../task/join-error.js";
import { CANCELLED, CANCELLED_CLEANUP_FAILED, FAILED, IDLE, OK, Task } from "../task/task.js";
import { cappedList } from "./capped-list.js";
import { attachGroup, closeGroup } from "./cores/group.js";
import { DeadlockError, type StallReport, type WaitingTask } from "./deadlock.js";
import { dumpTasks, type TaskDump } from "./dump.js";
import { Handle } from "./handle.js";
import { checkHook, type TaskHooks, TaskHooksList, type TaskMeta, type TaskTerminateMeta } from "./hooks.js";
import { computeLints } from "./lints.js";
import { foreignWakeSources, summarizeKinds } from "./liveness.js";
import { anchorMaps } from "./map-anchors.js";
import { type TaskMemoryReport, taskMemory } from "./memory.js";
import { Counters, type RuntimeMetrics } from "./metrics.js";
import { MetricsIntervals } from "./metrics-intervals.js";
import { nextPoll, seenFor, setPoll, wasSeen, watchDrain } from "./poll-watch.js";
import { Ring } from "./ring.js";
import {
  type AbandonedTask,
  armDeadline,
  COMPLETED_REPORT,
  type ShutdownOptions,
  type ShutdownReport,
  shutdownTimeout,
  timedOutReport,
} from "./shutdown.js";
import { defaultSlowPoll, type SlowPollInfo, SlowPolls } from "./slow-poll.js";
import type { Lint, TaskMetrics } from "./task-metrics-types.js";
import { type TaskRecord, TaskTracker } from "./task-tracker.js";

/** See `otherRuntimesProgress`. */
const WAITING_PROGRESS = 1;
const RUNNING_PROGRESS = 2;

/** The name of the internal tasks that finish a cancelled future's async cleanup. */
const CLEANUP_NAME = "cleanup";

/** Consecutive polls taken from the LIFO slot before it yields to the queue (Tokio uses 3). */
const LIFO_LIMIT = 3;

/** The first runtime constructed runs the map anchors' workload (see map-anchors.ts). */
let anchoring = false;

/** Below this `slowPollMs` the poll watch's ~1 ms resolution is too coarse: read the clock per poll. */
const WATCH_MIN_SLOW_POLL_MS = 5;

/**
 * Polls per drain of a simulated runtime before it yields to Node (a count: deterministic). Large,
 * because yielding hands every runnable task back to the queue and takes it again in the next
 * drain (O(runnable tasks)): 4,096 made spawn-join of 100,000 tasks spend a third of its time
 * moving tasks. Simulation has no real IO to let in, so the only reason to yield is not to hold
 * Node's event loop forever.
 */
const SIM_POLLS_PER_DRAIN = 65_536;

/** Options of {@link Runtime} and `run()`. */
export interface RuntimeOptions {
  /** `"paused"`: time stands still and jumps to the next timer when no task is runnable. Default `"real"`. */
  clock?: "real" | "paused";
  /** Budget units per task poll (see `consumeBudget`). Default 128. */
  budget?: number;
  /** Task polls per drain before yielding to Node's event loop. Default 61. */
  eventInterval?: number;
  /**
   * Every `eventInterval` polls the runtime yields to Node's event loop if it has run tasks for at
   * least this many milliseconds since Node's last turn. Default 1. `0`: yield every
   * `eventInterval` polls unconditionally (Tokio's rule, at ~7 µs per yield).
   */
  yieldAfterMs?: number;
  /**
   * Blocking detection: count and report task polls longer than `slowPollMs`, and record where
   * each task function was first spawned (one stack capture per function). A watcher thread
   * measures polls at ~1 ms resolution for two memory stores and a load per poll (with
   * `slowPollMs` below 5, or without worker threads: one clock read per poll). Default: on,
   * unless `NODE_ENV` is `"production"`. See docs/guide-blocking.md for measured costs.
   *
   * - `"polls"` (the default outside production): blocking detection only, as above.
   * - `true`: full instrumentation, for the console and for profiling: blocking detection plus a
   *   record per task (`taskMetrics()`: polls, busy time, scheduled delay, idle time, wakes,
   *   self-wakes, parent, spawn site, a poll-duration histogram), runtime-wide poll-duration and
   *   scheduled-delay histograms in `metrics()`, `intervals(ms)` and `lints()`. Every poll and
   *   wake is counted, one poll in `pollSampling` is timed: measured 1.15× on ping-pong, 1.23× on
   *   spawn-join, 1.14× on tcp-echo (`bench/blocking/instrument-overhead.ts`,
   *   docs/guide-instrumentation.md).
   * - `false`: the always-on counters only.
   *
   * The environment variable `POLLUX_INSTRUMENT` (`true`, `polls` or `false`) sets the default
   * without code changes.
   */
  instrument?: boolean | "polls";
  /**
   * With `instrument: true`: time one poll in this many per task (a power of two, 1 to 1024),
   * and estimate busy time and scheduled delays from those (a task without a sample yet is
   * estimated at its spawn site's mean). A clock read costs more than a task switch: on a tight
   * ping-pong loop, 8 costs 1.85× and 32 costs 1.5× against no instrumentation. `1` times every
   * poll (exact, slowest). Counts, and polls of ~1 ms or more, are exact whatever it is. Default 32.
   */
  pollSampling?: number;
  /** With `instrument`: a poll longer than this many milliseconds counts as slow. Default 10. */
  slowPollMs?: number;
  /**
   * With `instrument`: called for a slow poll, at most once per task per second. Default: one line
   * on stderr with the task's name and id, its spawn site, the poll's duration, and the advice to
   * use `spawnBlocking` or `yieldNow()`.
   */
  onSlowPoll?: (info: SlowPollInfo) => void;
  /** Threads of the blocking pool (`spawnBlocking`). Default `os.availableParallelism()`. */
  maxBlockingThreads?: number;
  /** An idle blocking thread exits after this many milliseconds. Default 10,000. */
  threadKeepAliveMs?: number;
  /**
   * Called when a task's failure can no longer be seen by anyone: it failed while nobody awaited
   * its JoinHandle, and the handle was then garbage-collected without being awaited, or the runtime
   * shut down first. (While the handle is reachable it may still be awaited, and the awaiter gets
   * the error instead.) Also receives what a waker threw. Default: one line on stderr naming the
   * task, and the error.
   */
  onTaskError?: (error: unknown, task: TaskInfo) => void;
  /**
   * Called when `run()` has waited `stallAfterMs` without any task being polled, pollux knows no
   * wake source, and only Node resources pollux does not own (a foreign timer, socket or server)
   * could still wake a task: maybe a deadlock, maybe a long wait for that resource. Never an
   * error. Default: one line on stderr with every task and what it awaits.
   */
  onStall?: (report: StallReport) => void;
  /** See `onStall`. Default 10,000 ms. */
  stallAfterMs?: number;
  /**
   * Called once by `run()` and `runMain()` when `main` has returned while other tasks are still
   * alive (orphans): they are about to be cancelled by the runtime's shutdown, and the user may
   * have meant to await them (a forgotten `yield* handle`, a task that should have been in a
   * `scope`). Receives every orphan and what it awaits, oldest first. Default: one line on stderr
   * listing them. `false`: say nothing, for programs that detach tasks deliberately and rely on
   * shutdown to cancel them. Not called when no task is left, so correct programs that await
   * their tasks never see it.
   */
  onOrphans?: ((orphans: WaitingTask[]) => void) | false;
  /**
   * Called once for every task this runtime spawns (Tokio's `on_task_spawn`), before its first
   * poll, with its id and name: internal cleanup tasks (named `"cleanup"`) included. What it
   * throws goes to `onTaskError`. Cost when unset: one field test per spawn; when set, one small
   * object per spawn and the hook itself, on the spawn path: keep it cheap.
   */
  onTaskSpawn?: (meta: TaskMeta) => void;
  /**
   * Called once for every task when it finishes (Tokio's `on_task_terminate`): returned, threw,
   * or finished cancelling (aborted, cancelled by shutdown, or abandoned by a bounded shutdown),
   * with its id, name and `outcome`. What it throws goes to `onTaskError`. Cost when unset: one
   * field test per task end.
   */
  onTaskTerminate?: (meta: TaskTerminateMeta) => void;
  /**
   * @internal Deterministic simulation (`pollux/test`'s `simulate`): a strategy that chooses which
   * runnable task runs next. When set, the runtime drains with `drainSimulated` instead of its
   * normal drain (chosen once, here in the constructor: the normal path has no check for it),
   * never yields to Node by the clock, and ignores Node resources it does not own when looking for
   * a deadlock. Use `simulate()` rather than this option.
   */
  scheduler?: SchedulerStrategy;
  /**
   * Runtimes in all, this one included: `n` gives this thread's runtime plus `n − 1` worker
   * runtimes (one `worker_threads` thread each, started on first use, each a complete runtime
   * with its own timers and IO) for `spawnOn` and `spawnAnywhere`. Default
   * `os.availableParallelism()`, as with `Runtime.multiThread()`; no thread starts before a task
   * is placed on it. `1`: no worker runtime (placed tasks run here). See docs/guide-cores.md.
   */
  workers?: number;
}

/**
 * @internal How `pollux/test` plugs into the runtime. The simulated drain moves every task that
 * became runnable (from the queue and the LIFO slot) into the strategy with `admit`, asks it for
 * the next task with `next`, polls it, and, when it stops with tasks left, hands them back in
 * order with `unpicked` so that the queue stays the runtime's record of runnable tasks between
 * drains.
 */
export interface SchedulerStrategy {
  /** A drain starts (`enter`) or ends (`exit`): install and restore ambient state (`Math.random`). */
  enter(): void;
  exit(): void;
  /** `task` became runnable; `by` is the task whose poll woke or spawned it (null: from outside). */
  admit(task: Task<unknown>, by: Task<unknown> | null): void;
  /** A task handed back by `unpicked` at the end of the previous drain: runnable again, silently. */
  readmit(task: Task<unknown>): void;
  /** Remove and return the task to poll next, or null when none is runnable. */
  next(): Task<unknown> | null;
  /** The budget for the coming poll of `task` (chaos makes it small: a yield at an await point). */
  budgetFor(task: Task<unknown>): number;
  /** `task`'s poll returned; the runtime still has it as `running` (a chaos wake goes to the LIFO slot). */
  polled(task: Task<unknown>): void;
  /** Remove and return the runnable tasks not polled yet, in order (the drain is stopping). */
  unpicked(): Task<unknown>[];
}

/** A driver that can wake tasks from outside any poll (the timer wheel, the IO driver). */
export interface Driver {
  /** Called when no task is runnable. Returns true if it made a task runnable. */
  onIdle(): boolean;
  /** True while it holds registrations that may still wake a task. */
  hasPending(): boolean;
  /** Release Node handles (timers) so the process can exit. */
  shutdown(): void;
}

const OPTION_KEYS = new Set([
  "clock",
  "budget",
  "eventInterval",
  "yieldAfterMs",
  "instrument",
  "pollSampling",
  "slowPollMs",
  "onSlowPoll",
  "maxBlockingThreads",
  "threadKeepAliveMs",
  "onTaskError",
  "onStall",
  "stallAfterMs",
  "onOrphans",
  "onTaskSpawn",
  "onTaskTerminate",
  "scheduler",
  "workers",
]);

function positiveInt(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`Runtime option ${name} must be a positive integer; got ${String(value)}.`);
  }
  return value;
}

/** Deadlock and stall reports carry a task dump only up to this many live tasks. */
const REPORT_DUMP_MAX_TASKS = 2_000;

function defaultStall(report: StallReport): void {
  console.error(report.message);
}

function defaultOrphans(orphans: WaitingTask[]): void {
  const list = cappedList(
    orphans.length,
    (i) => `task ${orphans[i]!.label} (awaits ${orphans[i]!.awaits})`,
    ", ",
    "the onOrphans hook's argument",
  );
  console.error(
    `pollux: main returned with ${orphans.length} task${orphans.length === 1 ? "" : "s"} still alive; ` +
      `cancelling ${orphans.length === 1 ? "it" : "them"} (finally blocks run): ${list}. Await them or spawn them in a ` +
      "scope() to wait for them; pass onOrphans: false to run() if they are detached on purpose.",
  );
}

function settleStack(error: unknown): void {
  if (error instanceof Error) void error.stack;
}

interface UnobservedFailure {
  runtime: Runtime;
  ref: WeakRef<Task<unknown>>;
  error: unknown;
  info: TaskInfo;
}

const unobservedRegistry = new FinalizationRegistry<UnobservedFailure>((d) =>
  d.runtime.unobservedCollected(d.ref, d.error, d.info),
);

/**
 * Runtimes with live tasks. Another runtime may wake this one's tasks (a channel fed by its task),
 * and it may make progress only through `setImmediate` (a paused clock stepping, a busy runtime
 * yielding to Node), which Node's resource list does not show as a lasting handle. Weak
 * references: a runtime abandoned with tasks that can never wake must stay collectable.
 */
const activeRuntimes = new Set<WeakRef<Runtime>>();

/**
 * How another runtime may still wake this one's tasks: RUNNING (runnable tasks, a drain or a
 * paused-clock step pending: progress within a turn), WAITING (timers or pending sources: progress
 * later), or 0 (nothing). The most active of all runtimes other than `self`.
 */
function otherRuntimesProgress(self: Runtime): number {
  let most = 0;
  for (const ref of activeRuntimes) {
    const rt = ref.deref();
    if (rt === undefined) {
      activeRuntimes.delete(ref);
      continue;
    }
    if (rt === self) continue;
    const p = rt.progress();
    if (p > most) most = p;
  }
  return most;
}

/**
 * Runtimes with a `run()` waiting. One `beforeExit` listener serves them all, however many
 * runtimes and `run()`/`toPromise()` calls are in flight (one listener each would trip Node's
 * MaxListenersExceededWarning at 11).
 */
const waitingRuntimes = new Set<Runtime>();

function onBeforeExit(): void {
  for (const rt of [...waitingRuntimes]) rt.beforeExit();
}

function defaultTaskError(error: unknown, task: TaskInfo): void {
  console.error(
    `pollux: task ${label(task.id, task.name)} failed and nobody awaited its JoinHandle:`,
    error instanceof Error ? (error.stack ?? error.message) : error,
  );
}

function pollSampling(value: number | undefined): number {
  const n = value ?? 32;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 1024 || (n & (n - 1)) !== 0) {
    throw new RangeError(
      `Runtime option pollSampling must be a power of two from 1 to 1024; got ${String(value)}.`,
    );
  }
  return n;
}

/** `instrument`'s default: `POLLUX_INSTRUMENT` if set, else blocking detection outside production. */
function defaultInstrument(): boolean | "polls" {
  const env = process.env.POLLUX_INSTRUMENT;
  if (env === undefined || env === "") return process.env.NODE_ENV === "production" ? false : "polls";
  if (env === "true" || env === "1") return true;
  if (env === "polls") return "polls";
  if (env === "false" || env === "0") return false;
  throw new TypeError(`POLLUX_INSTRUMENT must be true, polls or false; got ${JSON.stringify(env)}.`);
}

/**
 * A pollux executor. Most programs use `run(main)`, which makes one, runs `main` and shuts it down;
 * make a `Runtime` directly to spawn from plain JavaScript, read metrics, or run several mains.
 *
 * @example
 * const rt = new Runtime({ clock: "paused" });
 * const answer = await rt.run(function* () { return 42; });
 * console.log(rt.metrics().polls);
 * await rt.shutdown();
 */
export class Runtime implements Executor {
  readonly budget: number;
  readonly eventInterval: number;
  readonly yieldAfterMs: number;
  readonly clock: "real" | "paused";
  readonly instrument: boolean | "polls";
  private readonly slowPollMs: number;
  private readonly slowPolls: SlowPolls | null;
  /** Full instrumentation (`instrument: true`): the per-task records. */
  private readonly tracker: TaskTracker | null = null;
  readonly maxBlockingThreads: number;
  readonly threadKeepAliveMs: number;
  private readonly onTaskError: (error: unknown, task: TaskInfo) => void;
  private readonly onStall: (report: StallReport) => void;
  private readonly stallAfterMs: number;
  private readonly onOrphans: ((orphans: WaitingTask[]) => void) | false;

  /** @internal always-on counters; read them through `metrics()`. */
  readonly counters = new Counters();
  /** @internal the task being polled, or null. */
  running: Task<unknown> | null = null;
  /** @internal wake sources that can still fire (pending promises, IO); timers count via `time`. */
  sources = 0;
  /** @internal the timer driver, created by `pollux/time` on first use. */
  time: Driver | null = null;
  /** @internal spawn hooks (see `hooks.ts`); null when there are none, which the spawn path tests. */
  hooks: TaskHooksList | null = null;

  private readonly queue = new Ring<Task<unknown>>(256);
  private lifo: Task<unknown> | null = null;
  private lifoPolls = 0;
  private drainScheduled = false;
  /** Set when a task a `run()` waits on completes: the drain stops after the current poll. */
  private stopDrain = false;
  private liveHead: Task<unknown> | null = null;
  private alive = 0;
  private nextId = 1;
  private waiters = 0;
  private deadlockCheckScheduled = false;
  /** This runtime's entry in `activeRuntimes`. */
  private readonly selfRef = new WeakRef<Runtime>(this);
  /** Back-off of re-checks while only foreign Node handles could still wake a task. */
  private recheckMs = 0;
  /** `counters.polls` and the time when a stall (foreign handles only) was first seen; -1: none. */
  private stallPolls = -1;
  private stallSince = 0;
  private stallReported = false;
  /** Start of this event-loop turn's time slice (see the header); -1 once Node has had its turn. */
  private sliceStart = -1;
  /** Task polls in the current slice. */
  private slicePolls = 0;
  /** Failed tasks nobody has seen fail yet (see `trackUnobserved`), and their weak references. */
  private unobserved: Map<WeakRef<Task<unknown>>, UnobservedFailure> | null = null;
  private unobservedRefs: WeakMap<Task<unknown>, WeakRef<Task<unknown>>> | null = null;
  private deadlock: DeadlockError | null = null;
  private state: "open" | "shutting-down" | "closed" = "open";
  private shutdownPromise: Promise<void> | null = null;
  private shutdownResolve: (() => void) | null = null;
  private handleRef: Handle | null = null;
  /** Numbering of channels and locks in this runtime's reports; made by the first report. */
  private labels: LabelScope | null = null;
  /** `scheduler` of the options: set only under simulation (see `drainSimulated`). */
  private readonly sim: SchedulerStrategy | null = null;
  /** Tasks handed back by `drainSimulated` at the head of the queue: already admitted. */
  private simParked = 0;

  constructor(options: RuntimeOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`Runtime options must be an object; got ${String(options)}.`);
    }
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.has(key)) {
        throw new TypeError(
          `unknown Runtime option "${key}"; known options: ${[...OPTION_KEYS].join(", ")}.`,
        );
      }
    }
    this.budget = positiveInt("budget", options.budget, 128);
    this.eventInterval = positiveInt("eventInterval", options.eventInterval, 61);
    const yieldAfterMs = options.yieldAfterMs ?? 1;
    if (typeof yieldAfterMs !== "number" || !(yieldAfterMs >= 0) || !Number.isFinite(yieldAfterMs)) {
      throw new RangeError(
        `Runtime option yieldAfterMs must be a finite number >= 0; got ${String(yieldAfterMs)}.`,
      );
    }
    this.yieldAfterMs = yieldAfterMs;
    const slowPollMs = options.slowPollMs ?? 10;
    if (typeof slowPollMs !== "number" || !(slowPollMs >= 0) || !Number.isFinite(slowPollMs)) {
      throw new RangeError(
        `Runtime option slowPollMs must be a finite number >= 0; got ${String(slowPollMs)}.`,
      );
    }
    this.slowPollMs = slowPollMs;
    const clock = options.clock ?? "real";
    if (clock !== "real" && clock !== "paused") {
      throw new RangeError(`Runtime option clock must be "real" or "paused"; got ${JSON.stringify(clock)}.`);
    }
    this.clock = clock;
    const instrument = options.instrument ?? defaultInstrument();
    if (typeof instrument !== "boolean" && instrument !== "polls") {
      throw new TypeError(
        `Runtime option instrument must be true (full instrumentation), "polls" (blocking detection only) or ` +
          `false; got ${JSON.stringify(instrument)}.`,
      );
    }
    this.instrument = instrument;
    if (options.onSlowPoll !== undefined && typeof options.onSlowPoll !== "function") {
      throw new TypeError("Runtime option onSlowPoll must be a function (info) => void.");
    }
    const slowPolls = instrument ? new SlowPolls(options.onSlowPoll ?? defaultSlowPoll) : null;
    this.slowPolls = slowPolls;
    if (instrument === true) {
      this.tracker = new TaskTracker(slowPollMs, pollSampling(options.pollSampling), slowPolls!);
      enableGrowthWatch(1);
    }
    this.maxBlockingThreads = positiveInt(
      "maxBlockingThreads",
      options.maxBlockingThreads,
      availableParallelism(),
    );
    const keepAlive = options.threadKeepAliveMs ?? 10_000;
    if (typeof keepAlive !== "number" || !(keepAlive >= 0) || !Number.isFinite(keepAlive)) {
      throw new RangeError(
        `Runtime option threadKeepAliveMs must be a finite number >= 0 (milliseconds); got ${String(keepAlive)}.`,
      );
    }
    this.threadKeepAliveMs = keepAlive;
    if (options.onTaskError !== undefined && typeof options.onTaskError !== "function") {
      throw new TypeError("Runtime option onTaskError must be a function (error, task) => void.");
    }
    this.onTaskError = options.onTaskError ?? defaultTaskError;
    if (options.onStall !== undefined && typeof options.onStall !== "function") {
      throw new TypeError("Runtime option onStall must be a function (report) => void.");
    }
    this.onStall = options.onStall ?? defaultStall;
    const stallAfterMs = options.stallAfterMs ?? 10_000;
    if (typeof stallAfterMs !== "number" || !(stallAfterMs >= 0) || !Number.isFinite(stallAfterMs)) {
      throw new RangeError(
        `Runtime option stallAfterMs must be a finite number >= 0; got ${String(stallAfterMs)}.`,
      );
    }
    this.stallAfterMs = stallAfterMs;
    const onOrphans = options.onOrphans ?? defaultOrphans;
    if (onOrphans !== false && typeof onOrphans !== "function") {
      throw new TypeError(
        `Runtime option onOrphans must be a function (orphans) => void or false; got ${String(onOrphans)}.`,
      );
    }
    this.onOrphans = onOrphans;
    checkHook("onTaskSpawn", options.onTaskSpawn);
    checkHook("onTaskTerminate", options.onTaskTerminate);
    if (options.onTaskSpawn !== undefined || options.onTaskTerminate !== undefined) {
      this.addTaskHooks({ onTaskSpawn: options.onTaskSpawn, onTaskTerminate: options.onTaskTerminate });
    }
    if (options.scheduler !== undefined) {
      const sim = options.scheduler;
      if (typeof sim !== "object" || sim === null || typeof sim.next !== "function") {
        throw new TypeError(
          "Runtime option scheduler is internal to pollux/test; use simulate(main, { seed }) from pollux/test instead.",
        );
      }
      // Chosen once: the normal drain below has no check for simulation.
      this.sim = sim;
      this.drain = () => this.drainSimulated();
    }
    if (options.workers !== undefined) {
      attachGroup(this, options.workers, instrument === true);
    }
    if (!anchoring) {
      anchoring = true;
      // Instrumented with a precise clock: its counters take their warm (floating-point) form.
      anchorMaps(new Runtime({ instrument: "polls", slowPollMs: 1, onSlowPoll: () => {}, onOrphans: false }));
    }
  }

  /**
   * A runtime for every core: this thread's plus `workers − 1` worker runtimes (default
   * `os.availableParallelism()` in all), Tokio's `Builder::new_multi_thread`. Same as
   * `new Runtime({ ...options, workers })`; see `spawnOn` and `spawnAnywhere`.
   *
   * @example
   * const rt = Runtime.multiThread();
   * await rt.run(function* () {
   *   const h = spawnAnywhere({ module: new URL("./work.js", import.meta.url), export: "crunch" }, 42);
   *   console.log(yield* h);
   * });
   * await rt.shutdown(); // also ends the worker threads
   */
  static multiThread(workers: number = availableParallelism(), options: RuntimeOptions = {}): Runtime {
    return new Runtime({ ...options, workers });
  }

  /**
   * A {@link Handle} to this runtime: spawn onto it from Node callbacks and other runtimes. The
   * same object on every call.
   *
   * @example
   * const rt = new Runtime();
   * const handle = rt.handle();
   * server.on("connection", (socket) => handle.spawn(serve(socket)));
   */
  handle(): Handle {
    return (this.handleRef ??= new Handle(this));
  }

  /** @internal `"open"`, `"shutting-down"` or `"closed"`. */
  get lifecycle(): "open" | "shutting-down" | "closed" {
    return this.state;
  }

  /**
   * @internal Subscribe to spawn hooks besides the runtime's options (a console, a tracer).
   * Returns the unsubscribe function.
   */
  addTaskHooks(hooks: TaskHooks): () => void {
    const list = (this.hooks ??= new TaskHooksList((error, context) => this.reportError(error, context)));
    list.list.push(hooks);
    return () => {
      const i = list.list.indexOf(hooks);
      if (i >= 0) list.list.splice(i, 1);
      if (list.list.length === 0 && this.hooks === list) this.hooks = null;
    };
  }

  /**
   * Spawn a task from anywhere, including plain JavaScript callbacks. Inside a task prefer the
   * free function `spawn`, which uses the current runtime.
   */
  spawn<T>(future: IntoFuture<T>, options?: SpawnOptions): Task<T> {
    return this.spawnChecked(future, options?.name, "spawn");
  }

  private spawnChecked<T>(future: IntoFuture<T>, name: string | undefined, where: string): Task<T> {
    if (this.state === "closed") {
      throw new Error(`cannot ${where} on a runtime that has shut down; create a new Runtime or call run().`);
    }
    if (name !== undefined && typeof name !== "string") {
      throw new TypeError(`${where} option name must be a string; got ${typeof name}.`);
    }
    const task = this.spawnTask(future, name, where);
    if (this.state === "shutting-down") task.abort();
    return task;
  }

  private spawnTask<T>(future: IntoFuture<T>, name: string | undefined, where = "spawn"): Task<T> {
    // A task drives a generator's frames itself: no AsyncFnFuture object per task. Not even a
    // transient one: when every AsyncFnFuture of a run dies, a full GC drops that class's maps
    // and with them the optimized code of the Task constructor that had seen both classes.
    let gen: Gen | null = null;
    if (future instanceof AsyncFnFuture) gen = future.takeGenerator();
    else if (!isFuture(future)) {
      if (isGenerator(future)) gen = future;
      else if (isGeneratorFunction(future)) gen = (future as () => Gen)();
    }
    const fut = gen === null ? intoFuture(future, where) : null;
    const tracker = this.tracker;
    const task = new Task<T>(this, this.nextId++, name, gen === null ? fut : null, gen);
    const site = this.slowPolls !== null ? this.slowPolls.recordSite(gen, fut) : null;
    if (tracker !== null) tracker.spawned(task as Task<unknown>, this.running, site);
    this.counters.tasksSpawned++;
    if (this.alive++ === 0) activeRuntimes.add(this.selfRef);
    const head = this.liveHead;
    task.nextLive = head;
    if (head !== null) head.prevLive = task as Task<unknown>;
    this.liveHead = task as Task<unknown>;
    if (this.hooks !== null) this.hooks.spawned(task as Task<unknown>);
    this.enqueue(task as Task<unknown>);
    return task;
  }

  /**
   * Run `main` as a task and resolve with its output (or reject with what it threw). Other tasks
   * keep running after it completes; `shutdown()` cancels them. Rejects with `DeadlockError` when
   * `main` waits and nothing can wake any task.
   */
  run<T>(main: IntoFuture<T>, options?: SpawnOptions): Promise<T> {
    const task = this.spawnChecked(main, options?.name ?? "main", "run");
    task.markObserved();
    if (this.waiters++ === 0) {
      if (waitingRuntimes.size === 0) process.on("beforeExit", onBeforeExit);
      waitingRuntimes.add(this);
    }
    return new Promise<T>((resolve, reject) => {
      task.joinWaker = {
        wake: () => {
          // Stop polling here, as Tokio's block_on does: what other tasks do before the caller
          // (often `run()`, which shuts down) resumes must not depend on how fast the machine is.
          if (this.running !== null) this.stopDrain = true;
          if (--this.waiters === 0) {
            waitingRuntimes.delete(this);
            if (waitingRuntimes.size === 0) process.off("beforeExit", onBeforeExit);
          }
          if (this.deadlock !== null) reject(this.deadlock);
          else if (task.outcome === OK) resolve(task.result as T);
          else if (task.outcome === FAILED) reject(task.result);
          else reject(task.joinError());
        },
      };
    });
  }

  /**
   * Cancel every live task (their `finally` blocks run, async ones to completion) and release the
   * runtime's Node handles. Resolves when all tasks have finished (given options, with a
   * {@link ShutdownReport}). Spawns while it runs give already-aborted tasks; later `spawn`s throw. Calling it again joins
   * the same shutdown (a later call may still bound the wait with its own `timeout`).
   *
   * With `{ timeout: ms }` (Tokio's `shutdown_timeout`), it waits at most `ms` milliseconds of the
   * runtime's clock for that cleanup, then abandons the tasks still cleaning up, as Tokio leaks
   * what it could not shut down in time: they are never polled again (the rest of their `finally`
   * blocks does not run), their JoinHandles report a cancellation, and the runtime closes. The
   * report's `unfinished` names each of them (id, name, what it awaited, spawn site when
   * `instrument` recorded it) and `message` says it in one line for a log.
   *
   * @example
   * const report = await rt.shutdown({ timeout: 5_000 });
   * if (report.timedOut) console.error(report.message);
   */
  shutdown(): Promise<void>;
  shutdown(options: ShutdownOptions): Promise<ShutdownReport>;
  shutdown(options?: ShutdownOptions): Promise<void | ShutdownReport> {
    const timeout = shutdownTimeout(options);
    const done = this.beginShutdown();
    if (options === undefined) return done;
    if (timeout === undefined || this.state === "closed") return done.then(() => COMPLETED_REPORT);
    return new Promise<ShutdownReport>((resolve) => {
      let abandoned: AbandonedTask[] | null = null;
      const disarm = armDeadline(this, timeout, () => {
        abandoned = this.abandonLive();
      });
      void done.then(() => {
        disarm();
        resolve(abandoned === null ? COMPLETED_REPORT : timedOutReport(timeout, abandoned));
      });
    });
  }

  /**
   * Start the shutdown and return at once, without waiting for the cancelled tasks' cleanup
   * (Tokio's `shutdown_background`). The runtime keeps driving that cleanup in the background, as
   * long as the process lives; failures in it go to `onTaskError`. Later `spawn`s throw once it
   * has finished. Use it where nobody can wait (a `process.on("exit")` path, a test's teardown).
   *
   * @example
   * process.once("SIGTERM", () => {
   *   rt.shutdownBackground();
   *   server.close();
   * });
   */
  shutdownBackground(): void {
    void this.beginShutdown();
  }

  private beginShutdown(): Promise<void> {
    if (this.shutdownPromise !== null) return this.shutdownPromise;
    this.state = "shutting-down";
    this.shutdownPromise = new Promise<void>((resolve) => {
      this.shutdownResolve = resolve;
    });
    for (let t = this.liveHead; t !== null; t = t.nextLive) t.abort();
    this.maybeFinishShutdown();
    return this.shutdownPromise;
  }

  /**
   * @internal A bounded shutdown ran out of time: every task still alive is abandoned (never
   * polled again, completed as cancelled). Runs from a timer callback, never inside a poll.
   * Returns what they were doing, oldest first.
   */
  abandonLive(): AbandonedTask[] {
    if (this.state !== "shutting-down") return [];
    const tasks: Task<unknown>[] = [];
    for (let t = this.liveHead; t !== null; t = t.nextLive) tasks.push(t);
    tasks.reverse();
    const abandoned = tasks.map((t) => ({
      id: t.id,
      name: t.name,
      label: t.label,
      awaits: this.describeAwaiting(t),
      spawnSite: this.slowPolls?.spawnSiteOf(t.root),
    }));
    // Completing a task wakes its awaiter, possibly another abandoned task: empty the queue after.
    for (const t of tasks) if (!t.isFinished()) t.complete(CANCELLED, undefined);
    this.lifo = null;
    while (this.queue.length > 0) this.queue.shift();
    return abandoned;
  }

  /**
   * @internal `run()`'s main returned: list the tasks still alive (see `onOrphans`) before the
   * shutdown cancels them. Internal cleanup tasks are not orphans.
   */
  reportOrphans(): void {
    if (this.onOrphans === false || this.alive === 0 || this.state !== "open") return;
    const orphans = this.waitingTasks().filter((t) => t.name !== CLEANUP_NAME);
    if (orphans.length === 0) return;
    try {
      this.onOrphans(orphans);
    } catch (hookError) {
      console.error("pollux: onOrphans threw", hookError);
    }
  }

  /** A snapshot of the always-on counters. */
  metrics(): RuntimeMetrics {
    const c = this.counters;
    return {
      tasksSpawned: c.tasksSpawned,
      tasksAlive: this.alive,
      tasksCompleted: c.tasksCompleted,
      tasksCancelled: c.tasksCancelled,
      tasksFailed: c.tasksFailed,
      polls: c.polls,
      wakesInside: c.wakesInside,
      wakesOutside: c.wakesOutside,
      selfWakes: c.selfWakes,
      budgetYields: c.budgetYields,
      eventLoopYields: c.eventLoopYields,
      queueDepth: this.queue.length + (this.lifo === null ? 0 : 1),
      pendingSources: this.sources,
      // pollux/time: registrations move out of the wheel only by firing or cancelling, so the
      // wheel's size is derived rather than counted on the hot path.
      timersRegistered: c.timersRegistered,
      timersFired: c.timersFired,
      timersCancelled: c.timersCancelled,
      timersPending: c.timersRegistered - c.timersFired - c.timersCancelled,
      busyMs: c.busyMs,
      slowPolls: c.slowPolls,
      longestPollMs: c.longestPollMs,
      pollDurations: this.tracker?.pollDurations.snapshot(),
      scheduledDelays: this.tracker?.scheduledDelays.snapshot(),
      ...blockingPoolMetrics(this.maxBlockingThreads, this.threadKeepAliveMs),
    };
  }

  /**
   * The per-task table of full instrumentation (`instrument: true`): every live task, then up to
   * the 1,000 most recently finished ones (state `"done"`), with the fields of tokio-metrics'
   * `TaskMetrics` for each. Cost: one object per task per call; meant for a console refreshing
   * about once a second, not for a hot loop.
   *
   * @example
   * const rt = new Runtime({ instrument: true });
   * await rt.run(main);
   * const slowest = rt.taskMetrics().sort((a, b) => b.maxPollDurationMs - a.maxPollDurationMs)[0];
   */
  taskMetrics(): TaskMetrics[] {
    return this.requireTracker("taskMetrics()").table(this.liveTasks(), performance.now());
  }

  /**
   * The classic mistakes full instrumentation (`instrument: true`) sees, each named with its fix:
   * slow polls, a poll that never yielded (≥ 1 s), self-wake loops, lost wakers, a spawn per tiny
   * job, and channels / JoinSets / FuturesUnordered that keep growing (sampled at each call, at
   * most once a second: call it periodically, as the console does). Errors come first.
   *
   * @example
   * for (const lint of rt.lints()) console.warn(`[${lint.kind}] ${lint.message}`);
   */
  lints(): Lint[] {
    const tracker = this.requireTracker("lints()");
    const found = computeLints(
      tracker,
      tracker.records(this.liveTasks()),
      this.slowPollMs,
      performance.now(),
    );
    return found.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1));
  }

  /**
   * A stream of metrics windows: every `ms` milliseconds (wall clock), what changed during the
   * window (polls, wakes, spawns, busy time, histograms of poll durations and scheduled delays).
   * Await it inside a task (`yield* windows.next()`); histograms need `instrument: true`. The
   * stream is a pending wake source while awaited, like a timer; cancel or drop it to stop.
   *
   * @example
   * const windows = rt.intervals(1000);
   * for (;;) {
   *   const w = yield* windows.next();
   *   console.log(`${w.polls} polls, busy ${((w.busyMs / w.durationMs) * 100).toFixed(0)}%`);
   * }
   */
  intervals(ms: number): MetricsIntervals {
    if (typeof ms !== "number" || !(ms > 0) || !Number.isFinite(ms)) {
      throw new RangeError(
        `runtime.intervals(ms) needs a window length in milliseconds > 0; got ${String(ms)}.`,
      );
    }
    return new MetricsIntervals(this, ms);
  }

  /** @internal the id of the task that spawned `task`; undefined without full instrumentation. */
  parentOf(task: Task<unknown>): number | undefined {
    return this.tracker?.parentOf(task);
  }

  /** Live tasks, oldest first. */
  private liveTasks(): Task<unknown>[] {
    const out: Task<unknown>[] = [];
    for (let t = this.liveHead; t !== null; t = t.nextLive) out.push(t);
    return out.reverse();
  }

  private requireTracker(what: string): TaskTracker {
    if (this.tracker === null) {
      throw new Error(
        `runtime.${what} needs full instrumentation: create the runtime with new Runtime({ instrument: true }) ` +
          `(this one has instrument: ${JSON.stringify(this.instrument)}), or set POLLUX_CONSOLE=1 with runMain.`,
      );
    }
    return this.tracker;
  }

  /** Live tasks, newest first, with what each awaits. */
  tasks(): { id: number; name: string | undefined; awaits: string; state: string }[] {
    const out = [];
    for (let t = this.liveHead; t !== null; t = t.nextLive) {
      out.push({
        id: t.id,
        name: t.name,
        awaits: this.describeAwaiting(t),
        state: ["idle", "scheduled", "running", "complete"][t.state]!,
      });
    }
    return out;
  }

  /**
   * A task dump: every live task, what it awaits (which channel, lock or timer, and its state),
   * the `file:line:column` of the `yield*` it waits at, its whole async fn stack, its spawn site,
   * and its parent and children. `String(dump)` is a readable tree. Costs nothing until called;
   * a call reads each suspended generator's position through the inspector: ~50–60 µs per async
   * fn frame of a small function, more for a long one (the protocol sends the function's source
   * along), so ~1 s for 10,000 tasks two frames deep. Meant for diagnostics, not a hot loop.
   *
   * @example
   * process.on("SIGUSR2", () => console.error(String(runtime.dump())));
   * // task #1 "main" awaits JoinHandle(task #2 "consumer")
   * //     at /app/main.ts:14:12
   * //   task #2 "consumer" awaits mpsc Receiver.recv() on channel #1 — 0 of 16 queued, 1 sender alive
   * //       at /app/consumer.ts:8:20
   */
  dump(): TaskDump {
    const tasks = this.liveTasks();
    return withLabelScope(this.labelScope(), () =>
      dumpTasks(tasks, {
        parentOf: (t) => this.parentOf(t),
        spawnSiteOf: (t) => this.slowPolls?.spawnSiteOf(t.root),
      }),
    );
  }

  /** This runtime's numbering of channels and locks in reports (see `future/instance-id.ts`). */
  private labelScope(): LabelScope {
    return (this.labels ??= newLabelScope());
  }

  /** What `task` awaits, for reports, numbering channels and locks in this runtime's scope. */
  private describeAwaiting(task: Task<unknown>): string {
    return withLabelScope(this.labelScope(), () => describeFuture(task.awaiting));
  }

  /**
   * The bytes each live task keeps alive, grouped by spawn site, most first: the "big futures" of
   * Rust made visible (every local an async fn holds across an await lives as long as its task).
   * Takes a heap snapshot of the process: it pauses everything for a full GC and a heap walk
   * (measured: ~0.5 s for 1,000 tasks in a 48 MB heap, ~1.4 s for 10,000 tasks in 420 MB) and
   * raises peak memory by ~0.5–1 KB per heap object while it runs. Called inside a task, the
   * snapshot is taken once the current poll has returned. A task's bytes are its retained size
   * with every task counted as a root of its own: objects shared with other tasks, or reachable
   * from outside any task, count under no task. See
   * docs/guide.md, "Memory per spawn site".
   *
   * @example
   * const report = await rt.memory();
   * for (const s of report.sites.slice(0, 5)) {
   *   console.log(`${s.site ?? s.function}: ${s.tasks} tasks, ${s.bytesPerTask} B each`);
   * }
   */
  memory(): Promise<TaskMemoryReport> {
    return taskMemory(
      () => this.liveTasks(),
      (root) => this.slowPolls?.spawnSiteOf(root),
    );
  }

  // --- internal: scheduling ---

  /** @internal an idle task was woken. */
  schedule(task: Task<unknown>): void {
    if (this.tracker !== null) this.tracker.woken(task, this.running !== null);
    if (this.running !== null) {
      const prev = this.lifo;
      this.lifo = task;
      if (prev !== null) this.queue.push(prev);
    } else {
      this.enqueue(task);
    }
  }

  /** @internal a task woke itself during its poll: back of the queue, behind the others. */
  requeue(task: Task<unknown>): void {
    this.queue.push(task);
  }

  private enqueue(task: Task<unknown>): void {
    this.queue.push(task);
    if (!this.drainScheduled && this.running === null) {
      this.drainScheduled = true;
      queueMicrotask(this.drain);
    }
  }

  /** @internal spawn a task that drives a cancelled future's async cleanup to completion. */
  spawnCleanup(future: Future<unknown>): void {
    const cleanup = {
      poll(cx: Context) {
        return future.pollCancel!(cx) ? undefined : PENDING;
      },
      [Symbol.iterator]() {
        throw new Error("internal cleanup future cannot be awaited");
      },
      describe: () => "cleanup of a cancelled future",
    };
    // Not aborted by shutdown: this task IS cleanup.
    this.spawnTask(cleanup, CLEANUP_NAME);
  }

  /**
   * What `queueMicrotask` and `setImmediate` call: a closure per runtime that calls the shared
   * method. The drain loop itself is a prototype method, one function for every runtime, because
   * V8 keeps a function's optimized code alive through the function object: with a closure per
   * runtime, a full GC after the last runtime died threw the optimized drain away, and the next
   * runtime's drain ran unoptimized while V8 recompiled it (10-50 ms on a busy machine).
   */
  private readonly drain: () => void = (): void => this.drainTasks();

  private drainTasks(): void {
    this.drainScheduled = false;
    const interval = this.eventInterval;
    let sliceStart = this.sliceStart;
    if (sliceStart < 0) {
      // The first drain of this event-loop turn starts the slice; the marker ends it.
      sliceStart = this.sliceStart = this.yieldAfterMs > 0 ? performance.now() : 0;
      this.slicePolls = 0;
      setImmediate(this.endSlice);
    } else if (this.slicePolls >= interval && performance.now() - sliceStart >= this.yieldAfterMs) {
      // Back-to-back drains (promise-driven wakes) spent the slice: Node's turn comes first.
      this.yieldToNode();
      return;
    }
    const prev = current.runtime;
    current.runtime = this;
    const queue = this.queue;
    let total = 0;
    // Blocking detection: the poll watch where it runs (no clock read per poll), else one clock
    // read per poll (a poll starts where the previous one ended). Busy time is counted per drain.
    let watch: Int32Array | null = null;
    let last = 0;
    let drainStart = 0;
    const tracker = this.tracker;
    if (this.instrument) {
      if (this.slowPollMs >= WATCH_MIN_SLOW_POLL_MS) watch = watchDrain();
      drainStart = last = performance.now();
      if (tracker !== null) tracker.coarseNow = drainStart;
    }
    for (;;) {
      let polls = 0;
      while (polls < interval) {
        let task = this.lifo;
        if (task !== null) {
          this.lifo = null;
          if (this.lifoPolls >= LIFO_LIMIT) {
            queue.push(task);
            task = queue.shift();
            this.lifoPolls = 0;
          } else {
            this.lifoPolls++;
          }
        } else {
          if (queue.length === 0) break;
          task = queue.shift();
          this.lifoPolls = 0;
        }
        polls++;
        this.running = task;
        if (tracker !== null) this.runTracked(task, tracker, watch);
        else if (watch !== null) this.runWatched(task, watch);
        else if (this.instrument) last = this.runInstrumented(task, last);
        else task.run();
        this.running = null;
        if (this.stopDrain) break;
      }
      total += polls;
      // Every `eventInterval` polls: has Node had its turn recently enough? A yield through
      // setImmediate costs ~7 µs (an event-loop iteration with a poll for IO), so yielding every
      // 61 polls unconditionally would cost ~100 ns per poll; checking the clock costs ~1 ns per poll.
      if (polls < interval || this.stopDrain) break;
      const now = performance.now();
      if (tracker !== null) tracker.coarseNow = now;
      if (now - sliceStart >= this.yieldAfterMs) break;
    }
    this.stopDrain = false;
    if (this.instrument) this.counters.busyMs += performance.now() - drainStart;
    this.counters.polls += total;
    this.slicePolls += total;
    current.runtime = prev;
    current.budget = UNCONSTRAINED_BUDGET; // what the last task left must not leak out of the drain
    if (this.lifo !== null || queue.length > 0) {
      if (this.drainScheduled) return; // a report hook woke a task and scheduled a drain already
      this.yieldToNode();
    } else {
      this.idle();
    }
  }

  /**
   * The drain of a simulated runtime (`scheduler` option): the strategy picks every task to poll
   * among all runnable ones (queue and LIFO slot alike), so the order depends on its seed only. No
   * time slice: it yields to Node every `SIM_POLLS_PER_DRAIN` polls, by count, so a program that
   * never idles still lets Node run, and the schedule does not depend on the machine's speed.
   */
  private drainSimulated(): void {
    this.drainScheduled = false;
    const sim = this.sim!;
    const prev = current.runtime;
    current.runtime = this;
    sim.enter();
    this.admitRunnable(sim, null);
    let polls = 0;
    while (polls < SIM_POLLS_PER_DRAIN) {
      const task = sim.next();
      if (task === null) break;
      polls++;
      this.running = task;
      (this as { budget: number }).budget = sim.budgetFor(task);
      task.run();
      sim.polled(task);
      this.running = null;
      this.admitRunnable(sim, task);
      if (this.stopDrain) break;
    }
    this.stopDrain = false;
    const left = sim.unpicked();
    this.simParked = left.length;
    for (const task of left) this.queue.push(task);
    sim.exit();
    this.counters.polls += polls;
    current.runtime = prev;
    current.budget = UNCONSTRAINED_BUDGET;
    if (left.length > 0) {
      if (this.drainScheduled) return;
      this.yieldToNode();
    } else {
      this.idle();
    }
  }

  /**
   * Move what became runnable into the strategy, in wake order: the queue (tasks displaced from
   * the LIFO slot, spawns, wakes from outside), then the LIFO slot (the last wake of the poll),
   * then `by` itself if it woke itself (it was requeued after its poll, after every other wake).
   */
  private admitRunnable(sim: SchedulerStrategy, by: Task<unknown> | null): void {
    const queue = this.queue;
    let self = false;
    while (this.simParked > 0) {
      this.simParked--;
      sim.readmit(queue.shift());
    }
    while (queue.length > 0) {
      const task = queue.shift();
      if (task === by) self = true;
      else sim.admit(task, by);
    }
    const lifo = this.lifo;
    if (lifo !== null) {
      this.lifo = null;
      sim.admit(lifo, by);
    }
    if (self) sim.admit(by!, by);
  }

  private yieldToNode(): void {
    this.counters.eventLoopYields++;
    this.drainScheduled = true;
    setImmediate(this.drain);
  }

  /** Runs in Node's check phase after a turn in which tasks ran: Node has had its turn. */
  private readonly endSlice = (): void => {
    this.sliceStart = -1;
  };

  /**
   * Poll `task` and measure it by the clock (where the poll watch does not run, or `slowPollMs`
   * is below its resolution). `start` is when the previous poll of this drain ended (the
   * scheduler's few hundred nanoseconds in between count toward this poll: noise next to
   * `slowPollMs`), which saves one clock read per poll. Returns when this poll ended.
   */
  private runInstrumented(task: Task<unknown>, start: number): number {
    // Read before the poll: a task that completes in it drops what it runs.
    const root = task.root;
    task.run();
    const end = performance.now();
    this.measured(task, root, end - start);
    return end;
  }

  /**
   * Poll `task` with full instrumentation: every poll is counted; one in `pollSampling` is timed
   * by the clock; the others are measured by the poll watch when they last ~1 ms or more (without
   * a watch, every poll is timed).
   */
  private runTracked(task: Task<unknown>, tracker: TaskTracker, watch: Int32Array | null): void {
    const c = this.counters;
    const selfWakes = c.selfWakes;
    const r = task.record;
    if (watch !== null && typeof r === "object" && r !== null) {
      // The common case, a task with a record whose poll is not sampled: counted, not timed, and
      // the bookkeeping of a poll that leaves it waiting done here, without a call.
      const s = r as TaskRecord;
      const d = s.detail;
      if (d !== null && ((s.polls + task.id) & tracker.mask) !== 0) {
        const poll = nextPoll();
        setPoll(watch, poll);
        task.run();
        setPoll(watch, 0);
        const wakerRead = current.wakerRead;
        if (wasSeen(watch, poll)) {
          const took = seenFor(watch);
          this.measured(task, null, took, s.site);
          tracker.untimed(task, null, took, c.selfWakes - selfWakes, wakerRead);
        } else if (c.selfWakes === selfWakes && task.state === IDLE) {
          s.polls++;
          d.wentIdle(tracker.coarseNow, wakerRead);
        } else {
          tracker.untimed(task, null, -1, c.selfWakes - selfWakes, wakerRead);
        }
        return;
      }
    }
    const root = task.root;
    if (watch === null || tracker.sampled(task)) {
      const start = performance.now();
      task.run();
      const end = performance.now();
      tracker.timed(task, root, start, end, c.selfWakes - selfWakes, current.wakerRead);
      this.measured(task, root, end - start);
      return;
    }
    const poll = nextPoll();
    setPoll(watch, poll);
    task.run();
    setPoll(watch, 0);
    let took = -1;
    if (wasSeen(watch, poll)) {
      took = seenFor(watch);
      this.measured(task, root, took);
    }
    tracker.untimed(task, root, took, c.selfWakes - selfWakes, current.wakerRead);
  }

  /** Poll `task` under the poll watch: measured only if the watcher saw it running (≥ ~1 ms). */
  private runWatched(task: Task<unknown>, watch: Int32Array): void {
    const root = task.root;
    const poll = nextPoll();
    setPoll(watch, poll);
    task.run();
    setPoll(watch, 0);
    if (wasSeen(watch, poll)) this.measured(task, root, seenFor(watch));
  }

  private measured(task: Task<unknown>, root: object | null, took: number, site?: Error | null): void {
    const c = this.counters;
    if (took > c.longestPollMs) c.longestPollMs = took;
    if (took > this.slowPollMs) {
      c.slowPolls++;
      this.slowPolls?.report(task, root, took, performance.now(), site);
    }
  }

  /**
   * @internal true when no task is running or runnable. The paused clock (pollux/time) moves only
   * then; a timer callback that woke nothing runnable calls `idle()` so deadlocks are still seen.
   */
  isIdle(): boolean {
    return this.running === null && this.lifo === null && this.queue.length === 0;
  }

  /** @internal the run queue emptied: let drivers act, else schedule a deadlock check. */
  idle(): void {
    if (this.time?.onIdle()) return;
    // Only when nothing pollux knows of can wake a task: a server waiting on sockets or timers
    // goes idle every event-loop turn and must not pay a setImmediate each time. Every change to
    // those sources either happens in a poll or wakes a task, so a drain (and this) follows.
    if (this.sources !== 0 || this.time?.hasPending()) return;
    if ((this.waiters > 0 || this.state === "shutting-down") && !this.deadlockCheckScheduled) {
      this.deadlockCheckScheduled = true;
      // One macrotask later: promise callbacks already queued get to run and wake tasks first.
      setImmediate(this.checkDeadlock);
    }
  }

  /** @internal how this runtime may still make progress by itself (see `otherRuntimesProgress`). */
  progress(): number {
    if (this.running !== null || this.lifo !== null || this.queue.length > 0 || this.drainScheduled) {
      return RUNNING_PROGRESS;
    }
    // A paused clock with timers steps through them by itself (setImmediate); a real one waits.
    if (this.time?.hasPending()) {
      return this.clock === "paused" ? RUNNING_PROGRESS : WAITING_PROGRESS;
    }
    return this.sources > 0 ? WAITING_PROGRESS : 0;
  }

  private isQuiescent(): boolean {
    return (
      this.running === null &&
      this.lifo === null &&
      this.queue.length === 0 &&
      !this.drainScheduled &&
      this.sources === 0 &&
      (this.time === null || !this.time.hasPending())
    );
  }

  private readonly idleRecheck = (): void => {
    if (this.isQuiescent()) this.idle();
  };

  private readonly checkDeadlock = (): void => {
    this.deadlockCheckScheduled = false;
    if (!this.isQuiescent() || this.alive === 0) return;
    if (this.time?.onIdle()) return;
    const foreign = foreignWakeSources();
    const others = otherRuntimesProgress(this);
    if (others !== 0) foreign.push("another pollux Runtime");
    // Under simulation only what pollux owns can wake a task (see `scheduler`).
    if (foreign.length > 0 && this.sim === null) {
      // A Node resource pollux does not own, or another runtime, may still run code that wakes a
      // task: look again later and report a long stall. Immediates and running runtimes progress
      // within a turn or two (a paused clock steps, a busy runtime yields, through setImmediate),
      // so look again after the next turn; otherwise back off, without keeping the process alive.
      if (others === RUNNING_PROGRESS || foreign.every((k) => k === "Immediate")) {
        setImmediate(this.idleRecheck);
      } else {
        this.recheckMs = Math.min(Math.max(this.recheckMs * 2, 10), 1000);
        setTimeout(this.idleRecheck, this.recheckMs).unref();
      }
      if (this.waiters > 0) this.noteStall(foreign);
      return;
    }
    this.recheckMs = 0;
    this.declareDeadlock();
  };

  /** Only foreign resources can wake a task: after `stallAfterMs` without a poll, report once. */
  private noteStall(foreign: string[]): void {
    const polls = this.counters.polls;
    const now = performance.now();
    if (this.stallPolls !== polls) {
      this.stallPolls = polls;
      this.stallSince = now;
      this.stallReported = false;
      return;
    }
    const stalledMs = now - this.stallSince;
    if (this.stallReported || stalledMs < this.stallAfterMs) return;
    this.stallReported = true;
    const tasks = this.waitingTasks();
    const message =
      `pollux: no task polled for ${Math.round(stalledMs / 1000)} s while run() waits; pollux knows no wake ` +
      `source, but Node resources it does not own are alive (${summarizeKinds(foreign)}) and may still ` +
      `wake a task, so this may be a deadlock or a long wait: ${tasks.map((t) => `task ${t.label} awaits ${t.awaits}`).join("; ")}`;
    try {
      this.onStall({ stalledMs, tasks, foreign, message, dump: this.safeDump() });
    } catch (hookError) {
      console.error("pollux: onStall threw", hookError);
    }
  }

  /**
   * @internal Backstop, from the process-wide `beforeExit` listener: Node is about to exit
   * (nothing at all is alive) while a `run()` still waits. This catches what the check above
   * deferred because of foreign resources that then went away without waking anyone.
   */
  beforeExit(): void {
    // Nothing is alive in Node, so no timer, IO or pending promise can settle any more.
    const runnable =
      this.running !== null || this.lifo !== null || this.queue.length > 0 || this.drainScheduled;
    if (this.waiters > 0 && !runnable && this.alive > 0) this.declareDeadlock();
  }

  /** Every live task and what it awaits, oldest first (main is usually #1). */
  private waitingTasks(): WaitingTask[] {
    const tasks = [];
    for (let t = this.liveHead; t !== null; t = t.nextLive) {
      tasks.push({ id: t.id, name: t.name, label: t.label, awaits: this.describeAwaiting(t) });
    }
    return tasks.reverse();
  }

  /** The dump for a report; a report must come out even if the dump fails. */
  private safeDump(): TaskDump | undefined {
    // ~0.1 ms per task: a report about 100,000 stuck tasks must not take ten seconds to appear.
    if (this.alive > REPORT_DUMP_MAX_TASKS) return undefined;
    try {
      return this.dump();
    } catch {
      return undefined;
    }
  }

  private declareDeadlock(): void {
    const error = new DeadlockError(this.waitingTasks(), this.safeDump());
    if (this.state === "shutting-down") {
      // Cleanup itself is stuck: finish the stuck tasks without it and say so.
      this.reportError(error, "shutdown could not finish the cleanup of these tasks");
      // Every stuck task at once (completing one unlinks it from the live list), queue emptied.
      this.abandonLive();
      return;
    }
    if (this.waiters > 0) {
      this.deadlock = error;
      // Cancel everything so `finally` blocks run; the waiting run() calls reject with the report.
      void this.shutdown();
    }
  }

  // --- internal: task lifecycle ---

  /** @internal bookkeeping when a task finishes. */
  taskCompleted(task: Task<unknown>): void {
    const c = this.counters;
    const outcome = task.outcome;
    if (outcome === OK) c.tasksCompleted++;
    else if (outcome === FAILED) c.tasksFailed++;
    else c.tasksCancelled++;
    if ((outcome === FAILED || outcome === CANCELLED_CLEANUP_FAILED) && !task.observed) {
      this.trackUnobserved(task);
    }
    if (--this.alive === 0) activeRuntimes.delete(this.selfRef);
    const prev = task.prevLive;
    const next = task.nextLive;
    if (prev !== null) prev.nextLive = next;
    else this.liveHead = next;
    if (next !== null) next.prevLive = prev;
    task.prevLive = null;
    task.nextLive = null;
    if (this.hooks !== null) this.hooks.terminated(task);
    if (this.tracker !== null && this.running !== task) {
      this.tracker.completedOutsidePoll(task);
    }
    if (this.alive === 0 && this.state === "shutting-down") this.maybeFinishShutdown();
  }

  private maybeFinishShutdown(): void {
    if (this.alive !== 0 || this.state !== "shutting-down") return;
    this.state = "closed";
    this.time?.shutdown();
    closeGroup(this);
    if (this.tracker !== null) enableGrowthWatch(-1);
    // Failures whose handle is still held but was never awaited: nobody will see them now.
    const unobserved = this.unobserved;
    if (unobserved !== null) {
      this.unobserved = null;
      this.unobservedRefs = null;
      for (const [ref, failure] of unobserved) {
        unobservedRegistry.unregister(ref);
        this.reportError(failure.error, failure.info);
      }
    }
    this.shutdownResolve?.();
  }

  /**
   * @internal A task failed and nobody has seen it: no awaiter yet, or the awaiter was dropped
   * before it read the outcome. While its JoinHandle is reachable it may still be awaited (the
   * README's `(yield* a) + (yield* b)` awaits `b` after `b` may have failed), so the failure is
   * reported only when nobody can see it any more: when the handle is garbage-collected, or at
   * shutdown. Failure path only: a WeakRef and a registration each.
   */
  trackUnobserved(task: Task<unknown>): void {
    const refs = (this.unobservedRefs ??= new WeakMap());
    if (refs.has(task)) return;
    const ref = new WeakRef(task);
    refs.set(task, ref);
    const error = task.outcome === FAILED ? task.result : task.joinError();
    // An Error keeps its stack frames, receivers included (the task itself), until its `stack` is
    // formatted: format it now, or holding the error would keep the handle from being collected.
    settleStack(error);
    if (error instanceof JoinError) settleStack(error.cause);
    const failure = { runtime: this, ref, error, info: { id: task.id, name: task.name } };
    (this.unobserved ??= new Map()).set(ref, failure);
    unobservedRegistry.register(task, failure, ref);
  }

  /** @internal an unobserved failure was awaited after all: it is seen. */
  claimFailure(task: Task<unknown>): void {
    const ref = this.unobservedRefs?.get(task);
    if (ref === undefined) return;
    this.unobservedRefs!.delete(task);
    this.unobserved!.delete(ref);
    unobservedRegistry.unregister(ref);
  }

  /** @internal an unobserved failure's handle was garbage-collected without being awaited. */
  unobservedCollected(ref: WeakRef<Task<unknown>>, error: unknown, info: TaskInfo): void {
    if (this.unobserved?.delete(ref) !== true) return;
    this.reportError(error, info);
  }

  /**
   * @internal Wake a waker that may be user code, from a place where an exception must not escape
   * (the end of a task, a timer firing, an IO callback): what it throws is reported through
   * `onTaskError` and everything else keeps running.
   */
  wakeGuarded(waker: Waker, about?: TaskInfo): void {
    try {
      waker.wake();
    } catch (error) {
      this.reportError(
        error,
        about === undefined
          ? "a waker threw when woken"
          : `a waker threw when woken for the JoinHandle of task ${label(about.id, about.name)}`,
      );
    }
  }

  /** @internal report an error nobody else will see. */
  reportError(error: unknown, context: TaskInfo | string): void {
    const info =
      typeof context === "string" ? { id: 0, name: context } : { id: context.id, name: context.name };
    try {
      this.onTaskError(error, info);
    } catch (hookError) {
      console.error("pollux: onTaskError threw while reporting", error, hookError);
    }
  }
}

export type { ShutdownOptions, ShutdownReport, SpawnOptions, TaskInfo };

/**
 * The runtime whose task is being polled, or null outside a runtime. For the layers above the
 * runtime (time, io, stream, ...): the ambient runtime is always a `Runtime`, since only a
 * `Runtime`'s drain loop sets `current.runtime`.
 */
export function currentRuntime(): Runtime | null {
  return current.runtime as Runtime | null;
}
