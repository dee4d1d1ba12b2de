/**
 * `toNodeReadable` / `toNodeWritable`: Node streams driven by pollux readers and writers.
 *
 * A Node stream is pushed by Node's callbacks (`_read`, `_write`, `_final`), but a pollux reader
 * or writer only makes progress when a task polls it. So each adapter spawns one small PUMP task
 * that does the pollux side and talks to the Node side through a few fields:
 * - readable: Node's `_read()` raises `demand` and wakes the pump; the pump reads a chunk (with the
 *   pollux `read` future, so coop budget applies), `push`es a copy, and keeps going while `push`
 *   returns true. When it returns false, `demand` drops and the pump waits for the next `_read`.
 *   Nothing is read before Node asks, so Node's highWaterMark bounds the memory.
 * - writable: `_write(chunk, cb)` parks the chunk and wakes the pump, which `writeAll`s it and
 *   calls `cb` once the pollux writer accepted every byte; Node buffers at most its
 *   highWaterMark meanwhile. `_final` shuts the pollux writer down.
 *
 * WHICH RUNTIME: the pump runs on `options.runtime` if given, else on the runtime of the task that
 * creates the adapter; created outside any task without a `runtime` option, the adapter throws.
 * The pump lives as long as that runtime: `run(main)` cancels it when `main` returns (the Node
 * stream is then destroyed), so keep `main` waiting until the Node side is done (for example
 * `yield* fromPromise(() => finished(stream))`).
 *
 * The pump's wait for Node's callbacks sits in a `Readiness`, which counts as a wake source: a
 * task that waits on the pump is never reported as deadlocked while Node may still call back.
 */
import { Readable, Writable } from "node:stream";
import type { Async } from "../future/future.js";
import { FutureBase } from "../future/future.js";
import { type Context, PENDING, type Poll } from "../future/poll.js";
import { currentRuntime, type Runtime } from "../runtime/runtime.js";
import type { JoinHandle } from "../task/task.js";
import { Read } from "./read.js";
import { Readiness } from "./registration.js";
import type { AsyncRead, AsyncWrite } from "./traits.js";
import { checkReader, checkSize, checkWriter } from "./validate.js";
import { Shutdown, WriteAll } from "./write.js";

/** Options of {@link toNodeReadable} and {@link toNodeWritable}. */
export interface ToNodeOptions {
  /**
   * The runtime that runs the pump task. Default: the runtime of the calling task. Required when
   * called from plain JavaScript (outside any task).
   */
  runtime?: Runtime;
  /** The Node stream's `highWaterMark`, in bytes. Default Node's (64 KiB in Node 22, 16 KiB before). */
  highWaterMark?: number;
}

/** Options of {@link toNodeReadable}. */
export interface ToNodeReadableOptions extends ToNodeOptions {
  /** Largest chunk read from the pollux reader at a time. Default 16 KiB. */
  chunkSize?: number;
}

function pickRuntime(where: string, options: ToNodeOptions | undefined): Runtime {
  const rt = options?.runtime ?? currentRuntime();
  if (rt === null || rt === undefined) {
    throw new Error(
      `${where} needs a runtime to run its pump task: call it inside a task (run(function* () { ... })), ` +
        `or pass { runtime } when calling it from plain JavaScript.`,
    );
  }
  return rt;
}

/** Waits until `ready()` of the shared state is true. One instance per pump, reused. */
class WaitFor extends FutureBase<void> {
  constructor(private readonly state: PumpState) {
    super();
  }
  poll(cx: Context): Poll<void> {
    if (this.state.ready()) return undefined;
    this.state.readiness.register(cx);
    return PENDING;
  }
  override cancel(): void {
    this.state.readiness.clear();
  }
  override describe(): string {
    return this.state.waitingFor;
  }
}

interface PumpState {
  readonly readiness: Readiness;
  readonly waitingFor: string;
  ready(): boolean;
}

class ReadPump implements PumpState {
  readonly readiness = new Readiness();
  readonly waitingFor = "toNodeReadable pump (waiting for the Node consumer to ask for data)";
  demand = false;
  handle: JoinHandle<void> | null = null;
  stream: Readable | null = null;

  constructor(
    readonly reader: AsyncRead,
    readonly chunkSize: number,
  ) {}

  ready(): boolean {
    return this.demand;
  }
}

function* pumpRead(p: ReadPump): Async<void> {
  const stream = p.stream!;
  const scratch = new Uint8Array(p.chunkSize);
  const wait = new WaitFor(p);
  let ended = false;
  try {
    for (;;) {
      yield* wait;
      const n = yield* new Read(p.reader, scratch);
      if (n === 0) {
        ended = true;
        stream.push(null);
        return;
      }
      // A copy of exactly n bytes: Node keeps pushed chunks, and `scratch` is reused.
      if (!stream.push(Buffer.from(scratch.subarray(0, n)))) p.demand = false;
    }
  } catch (e) {
    ended = true;
    if (!stream.destroyed) stream.destroy(e instanceof Error ? e : new Error(String(e)));
  } finally {
    p.handle = null;
    // Cancelled (the runtime shut down, or the adapter was destroyed): the consumer sees a
    // premature close rather than a clean end.
    if (!ended && !stream.destroyed) stream.destroy();
  }
}

/**
 * A Node `Readable` that reads from a pollux `AsyncRead`, for handing pollux data to Node APIs
 * (`pipeline`, HTTP responses, `fs.createWriteStream`, libraries that take streams). Bytes are
 * read only when Node asks (`_read`), so the consumer's pace sets the pace: at most
 * `highWaterMark` bytes wait in the Node stream. Reader errors destroy the stream with that error;
 * destroying the stream cancels the pending pollux read.
 *
 * Runtime: a pump task runs on `options.runtime`, or the runtime of the calling task (see the
 * module notes); it is cancelled when that runtime shuts down.
 *
 * Cost: one task, one `chunkSize` scratch buffer, one copy per chunk.
 *
 * @example
 * const [a, b] = duplex(64 * 1024);
 * const nodeSide = toNodeReadable(b);
 * nodeSide.pipe(process.stdout);
 * yield* a.writeAll(new TextEncoder().encode("from pollux\n"));
 */
export function toNodeReadable(reader: AsyncRead, options?: ToNodeReadableOptions): Readable {
  checkReader("toNodeReadable(reader)", reader);
  const rt = pickRuntime("toNodeReadable()", options);
  const chunkSize =
    options?.chunkSize === undefined ? 16 * 1024 : checkSize("toNodeReadable chunkSize", options.chunkSize);
  const p = new ReadPump(reader, chunkSize);
  const stream = new Readable({
    highWaterMark: options?.highWaterMark,
    read() {
      p.demand = true;
      p.readiness.wake();
    },
    destroy(err, cb) {
      const h = p.handle;
      p.handle = null;
      h?.abort();
      cb(err);
    },
  });
  p.stream = stream;
  p.handle = rt.spawn(pumpRead(p), { name: "toNodeReadable pump" });
  return stream;
}

class WritePump implements PumpState {
  readonly readiness = new Readiness();
  readonly waitingFor = "toNodeWritable pump (waiting for the Node producer to write)";
  chunk: Uint8Array | null = null;
  chunkCb: ((err?: Error | null) => void) | null = null;
  finalCb: ((err?: Error | null) => void) | null = null;
  handle: JoinHandle<void> | null = null;

  constructor(readonly writer: AsyncWrite) {}

  ready(): boolean {
    return this.chunk !== null || this.finalCb !== null;
  }
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

function* pumpWrite(p: WritePump): Async<void> {
  const wait = new WaitFor(p);
  try {
    for (;;) {
      yield* wait;
      const chunk = p.chunk;
      if (chunk !== null) {
        const cb = p.chunkCb!;
        p.chunk = null;
        p.chunkCb = null;
        try {
          yield* new WriteAll(p.writer, chunk);
        } catch (e) {
          cb(asError(e));
          return;
        }
        cb();
        continue;
      }
      const cb = p.finalCb!;
      p.finalCb = null;
      try {
        yield* new Shutdown(p.writer);
      } catch (e) {
        cb(asError(e));
        return;
      }
      cb();
      return;
    }
  } finally {
    p.handle = null;
    // Cancelled with a write in flight: tell Node it failed, so the producer does not hang.
    const cb = p.chunkCb ?? p.finalCb;
    p.chunkCb = p.finalCb = null;
    p.chunk = null;
    cb?.(new Error("toNodeWritable: the pollux runtime stopped the pump (runtime shut down?)"));
  }
}

/**
 * A Node `Writable` that writes into a pollux `AsyncWrite`, for handing Node data to pollux
 * (`pipeline(source, toNodeWritable(conn))`). Each chunk is written with `writeAll`; Node's
 * callback runs once the pollux writer accepted it, so a slow pollux writer holds Node at its
 * `highWaterMark` (`write()` returns false, 'drain' follows). `end()` shuts the pollux writer
 * down. Writer errors fail the pending write, which errors the Node stream.
 *
 * Runtime: a pump task runs on `options.runtime`, or the runtime of the calling task (see the
 * module notes); it is cancelled when that runtime shuts down.
 *
 * Cost: one task; chunks are not copied (Node hands them over).
 *
 * @example
 * const [a, b] = duplex(64 * 1024);
 * yield* fromPromise(() => pipeline(fs.createReadStream("in.txt"), toNodeWritable(a)));
 */
export function toNodeWritable(writer: AsyncWrite, options?: ToNodeOptions): Writable {
  checkWriter("toNodeWritable(writer)", writer);
  const rt = pickRuntime("toNodeWritable()", options);
  const p = new WritePump(writer);
  const stream = new Writable({
    highWaterMark: options?.highWaterMark,
    write(chunk: Uint8Array, _encoding, cb) {
      p.chunk = chunk;
      p.chunkCb = cb;
      p.readiness.wake();
    },
    final(cb) {
      p.finalCb = cb;
      p.readiness.wake();
    },
    destroy(err, cb) {
      const h = p.handle;
      p.handle = null;
      h?.abort();
      cb(err);
    },
  });
  p.handle = rt.spawn(pumpWrite(p), { name: "toNodeWritable pump" });
  return stream;
}
