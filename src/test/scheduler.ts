/**
 * `SimScheduler`: the scheduler strategy a simulated runtime drains with (see `drainSimulated` in
 * runtime.ts). It holds the runnable tasks in an array and lets a `Chooser` pick which one runs
 * next: a seeded generator (`simulate`, `explore`) or a depth-first walk over the choices
 * (`exhaust`). Only a choice among two or more runnable tasks consults the chooser, so the
 * sequence of choices is the schedule and replaying it replays the run.
 *
 * Removal swaps the last task into the chosen slot (O(1), so a program with 100,000 runnable
 * tasks is not quadratic); the array's order is still a pure function of the previous choices.
 *
 * With chaos, at each poll the seeded generator may (1 in 4) give the task a budget of 0 to 3
 * units instead of the runtime's, so leaf futures that spend budget (channels, locks, join
 * handles, IO) return PENDING and self-wake: a yield inserted at an await point that would have
 * gone straight through. After a poll that left the task waiting it may (1 in 8) wake the task
 * spuriously: futures must tolerate being polled with nothing new.
 *
 * While a drain runs, `Math.random` is replaced by a seeded generator, so code that draws from it
 * (`select`'s fair start among them) is deterministic too; it is restored when the drain ends.
 */

import type { SchedulerStrategy } from "../runtime/runtime.js";
import { COMPLETE, FAILED, IDLE, OK, type Task } from "../task/task.js";
import type { Prng } from "./prng.js";
import type { TraceEvent } from "./trace.js";

/** @internal picks one of `n >= 2` runnable tasks: an index in [0, n). */
export interface Chooser {
  choose(n: number): number;
  /**
   * Set when a replayed choice no longer fits the program (it must not throw inside a drain);
   * the run then fails with it.
   */
  readonly mismatch?: Error | null;
}

/** @internal a chooser driven by a seeded generator. */
export class SeededChooser implements Chooser {
  constructor(private readonly prng: Prng) {}

  choose(n: number): number {
    return this.prng.below(n);
  }
}

/** @internal what the simulated network learns from the scheduler. */
export interface SchedulerObserver {
  spawned(task: Task<unknown>, by: Task<unknown> | null): void;
  done(task: Task<unknown>): void;
  enter(): void;
  exit(): void;
}

/** A chaotic poll gets 0 to CHAOS_BUDGET - 1 units, uniform (0: its first leaf future yields). */
const CHAOS_BUDGET = 4;

/** @internal see the file header. */
export class SimScheduler implements SchedulerStrategy {
  private readonly runnable: Task<unknown>[] = [];
  /** The highest task id seen: a higher id being admitted is a spawn. */
  private maxId = 0;
  /** The task a chaos wake was just given to, so its admission is traced as chaos. */
  private chaosWoken: Task<unknown> | null = null;
  private savedRandom: (() => number) | null = null;
  private readonly random: () => number;
  /** Polls so far. */
  polls = 0;
  /** Choices among two or more tasks so far. */
  choices = 0;
  readonly trace: TraceEvent[] | null;
  /** Called once when `maxPolls` polls have run (the caller shuts the runtime down). */
  onLimit: (() => void) | null = null;
  /** `maxPolls` was reached. */
  limited = false;
  /** The task being polled (the last one `next()` returned). */
  current: Task<unknown> | null = null;
  /** Told of every spawn (by the task that spawned it, if any), every completion, and each drain's start and end. */
  observer: SchedulerObserver | null = null;

  /**
   * `clock`: the simulated time for trace events. `prng`: chaos decisions and `Math.random`.
   * `budget`: the runtime's normal budget.
   */
  constructor(
    private readonly chooser: Chooser,
    private readonly prng: Prng,
    private readonly chaos: boolean,
    trace: boolean,
    private readonly clock: () => number,
    private readonly budget: number,
    private readonly maxPolls: number,
  ) {
    this.trace = trace ? [] : null;
    this.random = () => prng.float();
  }

  enter(): void {
    this.savedRandom = Math.random;
    Math.random = this.random;
    this.observer?.enter();
  }

  exit(): void {
    if (this.savedRandom !== null) Math.random = this.savedRandom;
    this.savedRandom = null;
    this.current = null;
    this.observer?.exit();
  }

  admit(task: Task<unknown>, by: Task<unknown> | null): void {
    this.runnable.push(task);
    const trace = this.trace;
    if (task.id > this.maxId) {
      this.maxId = task.id;
      this.observer?.spawned(task, by);
      trace?.push({ kind: "spawn", task: task.id, name: task.name, at: this.clock(), by: by?.id ?? null });
      return;
    }
    if (trace === null) {
      this.chaosWoken = null;
      return;
    }
    if (task === this.chaosWoken) {
      this.chaosWoken = null;
      trace.push({
        kind: "wake",
        task: task.id,
        name: task.name,
        at: this.clock(),
        by: by?.id ?? null,
        chaos: true,
      });
    } else {
      trace.push({ kind: "wake", task: task.id, name: task.name, at: this.clock(), by: by?.id ?? null });
    }
  }

  readmit(task: Task<unknown>): void {
    this.runnable.push(task);
  }

  next(): Task<unknown> | null {
    const runnable = this.runnable;
    const n = runnable.length;
    if (n === 0) return null;
    if (this.polls === this.maxPolls && !this.limited) {
      // Stop here; the shutdown it starts wakes every task, and their cleanup polls run after.
      this.limited = true;
      this.onLimit?.();
      return null;
    }
    let i = 0;
    if (n > 1) {
      i = this.chooser.choose(n);
      this.choices++;
    }
    const task = runnable[i]!;
    runnable[i] = runnable[n - 1]!;
    runnable.pop();
    this.polls++;
    this.current = task;
    this.trace?.push({ kind: "poll", task: task.id, name: task.name, at: this.clock(), of: n });
    return task;
  }

  budgetFor(_task: Task<unknown>): number {
    if (this.chaos && this.prng.oneIn(4)) return this.prng.below(CHAOS_BUDGET);
    return this.budget;
  }

  polled(task: Task<unknown>): void {
    // The time driver may have been created in this poll: fix the trace's time origin before the
    // clock can move (it moves only between polls, when nothing is runnable).
    if (this.trace !== null) this.clock();
    const state = task.state;
    if (state === COMPLETE) {
      this.observer?.done(task);
      if (this.trace !== null) {
        const outcome = task.outcome;
        this.trace.push({
          kind: "done",
          task: task.id,
          name: task.name,
          at: this.clock(),
          outcome: outcome === OK ? "ok" : outcome === FAILED ? "failed" : "cancelled",
        });
      }
      return;
    }
    if (this.chaos && state === IDLE && this.prng.oneIn(8)) {
      this.chaosWoken = task;
      task.wake();
    }
  }

  unpicked(): Task<unknown>[] {
    return this.runnable.splice(0);
  }
}
