/**
 * `FrameDriver`: the trampoline that runs a stack of generator frames. Shared by `AsyncFnFuture`
 * (an async fn polled as a future) and `Task` (a task spawned from a generator drives its frames
 * itself, saving one object per task).
 *
 * Why a frame stack: V8 resumes a generator suspended inside N nested `yield*` delegations by
 * walking all N levels, so resume cost would grow with async-fn nesting depth. Instead, an async fn
 * that suspends hands its generator to the driver, and the driver resumes the innermost generator
 * directly: O(1) whatever the depth.
 *
 * How it fits together:
 * - `yield* child` where `child` is an unstarted `AsyncFnFuture`: `child.next()` runs the child's
 *   generator inline (a plain nested call). If the child finishes without suspending, its result is
 *   returned at once: no frame, no allocation beyond V8's own result object. If it suspends, the
 *   child pushes its generator onto `current.frames` and passes `SUSPEND` up.
 * - The driver moves the recorded frames onto its stack, innermost on top, and from then on resumes
 *   the top frame directly. When a frame finishes, the driver pops it and resumes the frame below
 *   with its value (`next(value)`) or its error (`throw(error)`); the parent's `yield*` is still
 *   delegating to the child's `AsyncFnFuture`, whose `next(value)` now completes with that value.
 * - Cancellation walks the stack top-down, calling `return()` on each frame so every `finally`
 *   runs. A `finally` may itself `yield*`: the driver keeps driving it (`next()`), or keeps calling
 *   `return()` while an awaited combinator reports its own cleanup in progress (`returnPending`).
 *   Async fns called from a `finally` are ordinary frames pushed above the frame being cancelled.
 */

import { current } from "./current.js";
import { describeFuture, FutureBase, isFuture, SUSPEND } from "./future.js";
import { generatorFunctionSource } from "./inspect.js";
import { PENDING } from "./poll.js";

export type Gen = Generator<unknown, unknown, unknown>;

// How the driver resumes the top frame (low two bits of the frame state).
const NEXT = 0;
const THROW = 1;
const RETURN = 2;

/** Returned by `driveFrames` when cancellation has unwound every frame. */
export const UNWOUND: unique symbol = Symbol("pollux.unwound");
export const NO_ERROR: unique symbol = Symbol("pollux.noError");

/** First error thrown by a `finally` during cancellation; rare, so kept off the objects. */
const cleanupErrors = new WeakMap<object, unknown>();

/** Bits of `bits` below this belong to the subclass (task state, async fn state). */
const FRAME_SHIFT = 10;
const OWN_BITS = (1 << FRAME_SHIFT) - 1;

export abstract class FrameDriver<T> extends FutureBase<T> {
  /** The frame being executed; null once the stack is empty. */
  protected top: Gen | null;
  /** Frames under `top`, bottom first; allocated only when an async fn suspends while nested. */
  private below: Gen[] | null = null;
  /**
   * Low 10 bits: the subclass's own state. Above: the frame state `(cancelIdx + 1) * 4 + mode`,
   * packed into one field to keep tasks small (Node has no pointer compression: every field costs
   * 8 bytes). `mode` says how to resume the top frame; `cancelIdx` is the index of the frame
   * receiving `return()` (-1: not cancelling); frames above it are cleanup helpers called from its
   * `finally`.
   */
  bits: number;

  constructor(generator: Gen | null, ownBits: number) {
    super();
    this.top = generator;
    this.bits = ownBits;
  }

  private setFrameState(frameState: number): void {
    this.bits = (this.bits & OWN_BITS) | (frameState << FRAME_SHIFT);
  }

  /** The first error a `finally` threw while unwinding, or NO_ERROR; clears it. */
  protected takeCleanupError(): unknown {
    if (!cleanupErrors.has(this)) return NO_ERROR;
    const error = cleanupErrors.get(this);
    cleanupErrors.delete(this);
    return error;
  }

  /** The bottom frame (the generator the driver started with), or null once the stack is empty. */
  protected get bottom(): Gen | null {
    const below = this.below;
    // `below` stays allocated (empty) once a nested frame has returned.
    return below === null || below.length === 0 ? this.top : below[0]!;
  }

  /**
   * @internal The generator frames, innermost (the one suspended on a leaf future) first; empty once
   * the stack is empty. Allocates: for the task dump, never on a hot path.
   */
  framesInnermostFirst(): Gen[] {
    if (this.top === null) return [];
    const out = [this.top];
    const below = this.below;
    if (below !== null) for (let i = below.length - 1; i >= 0; i--) out.push(below[i]!);
    return out;
  }

  /** Number of generator frames on the stack. */
  get depth(): number {
    if (this.top === null) return 0;
    return this.below === null ? 1 : this.below.length + 1;
  }

  /** Start unwinding the stack. Returns true when there are no frames to unwind. */
  protected beginUnwind(): boolean {
    if (this.top === null) return true;
    this.setFrameState(this.depth * 4 + RETURN);
    return false;
  }

  protected get unwinding(): boolean {
    return this.bits >> FRAME_SHIFT >= 4;
  }

  /**
   * Resume frames until the stack empties (the output; `UNWOUND` when cancelling), a frame
   * suspends (PENDING), or an error escapes the bottom frame (thrown).
   */
  protected driveFrames(): unknown {
    const frames = current.frames;
    const frameState = this.bits >> FRAME_SHIFT;
    let mode = frameState & 3;
    let cancelIdx = (frameState >> 2) - 1;
    let arg: unknown;
    for (;;) {
      const gen = this.top!;
      const base = frames.length;
      let r: IteratorResult<unknown, unknown>;
      let threw = false;
      try {
        r = mode === NEXT ? gen.next(arg) : mode === THROW ? gen.throw(arg) : gen.return(arg);
      } catch (error) {
        frames.length = base;
        threw = true;
        arg = error;
        r = SUSPEND;
      }
      if (!threw && r.done !== true) {
        // Suspended. Adopt frames of async fns that started inline and suspended: innermost on top.
        if (frames.length > base) {
          for (let i = frames.length - 1; i >= base; i--) this.push(frames[i]!);
          frames.length = base;
        }
        if (r !== SUSPEND) {
          mode = THROW;
          arg = yieldedValueError(r.value, this.top!); // the innermost frame did the bare `yield`
          continue;
        }
        const resume = current.returnPending && this.depth - 1 === cancelIdx ? RETURN : NEXT;
        this.setFrameState((cancelIdx + 1) * 4 + resume);
        return PENDING;
      }
      // The top frame finished, by returning (r.value) or throwing (arg).
      const value = threw ? arg : r.value;
      if (this.depth - 1 === cancelIdx) {
        // A frame being cancelled finished its cleanup; cancel the frame below it next.
        if (threw && !cleanupErrors.has(this)) cleanupErrors.set(this, value);
        this.pop();
        cancelIdx--;
        if (this.top === null) {
          this.setFrameState(0);
          return UNWOUND;
        }
        mode = RETURN;
        arg = undefined;
        continue;
      }
      this.pop();
      if (this.top === null) {
        this.setFrameState(0);
        if (threw) throw value;
        return value;
      }
      mode = threw ? THROW : NEXT;
      arg = value;
    }
  }

  private push(gen: Gen): void {
    if (this.below === null) this.below = [];
    this.below.push(this.top!);
    this.top = gen;
  }

  private pop(): void {
    const below = this.below;
    this.top = below === null || below.length === 0 ? null : below.pop()!;
  }
}

/**
 * The error thrown into a generator that used a bare `yield` (the forgotten star). It names the
 * task and the async fn, because the stack of an error raised by the driver has no frame of the
 * user's code. Cold path: runs once per mistake.
 */
function yieldedValueError(value: unknown, gen: Gen): TypeError {
  const task = current.runtime?.running ?? null;
  const where = `${generatorName(gen)} in task ${task === null ? "(none)" : task.name === undefined ? `#${task.id}` : `#${task.id} "${task.name}"`}`;
  if (value !== null && typeof (value as PromiseLike<unknown>)?.then === "function") {
    return new TypeError(
      `${where} yielded a Promise. pollux never awaits promises implicitly: use ` +
        "`yield* fromPromise(() => promise)`.",
    );
  }
  if (isFuture(value)) {
    return new TypeError(
      `${where} yielded a future (${describeFuture(value)}) with \`yield\`; await it with \`yield*\` (note the star).`,
    );
  }
  return new TypeError(
    `${where} yielded ${typeof value === "string" ? JSON.stringify(value) : String(value)} with \`yield\`; inside pollux ` +
      "tasks, await futures with `yield* future` and never `yield` a value.",
  );
}

/**
 * Name the generator function a generator object came from: `async fn worker`, or the head of its
 * source when it is anonymous. JavaScript offers no link from a generator object to its function;
 * V8 exposes one (`[[GeneratorFunction]]`) only through the inspector protocol (see inspect.ts).
 * Error path only; any failure falls back to a generic name.
 */
function generatorName(gen: Gen): string {
  const source = generatorFunctionSource(gen);
  if (source === undefined) return "an async fn";
  const named = /^\s*(?:async\s+)?function\s*\*\s*([\p{L}\p{N}_$]+)/u.exec(source);
  if (named !== null) return `async fn ${named[1]}`;
  const head = source.split("\n", 1)[0]!.trim();
  return `anonymous async fn \`${head.length > 60 ? `${head.slice(0, 57)}...` : head}\``;
}
