/** Test readers and writers for `pollux/io`. */
import type { Context, Poll } from "../../src/future/index.js";
import { PENDING } from "../../src/future/index.js";
import { AsyncReadBase, AsyncWriteBase, Readiness } from "../../src/io/index.js";

export const enc = new TextEncoder();
export const dec = new TextDecoder();

/** A reader fed by hand: `push(bytes)`, `end()`, `fail(err)`. Records cancelRead calls. */
export class Source extends AsyncReadBase {
  private chunks: Uint8Array[] = [];
  private ended = false;
  private error: unknown = null;
  readonly readiness = new Readiness();
  cancels = 0;

  constructor(...chunks: (Uint8Array | string)[]) {
    super();
    for (const c of chunks) this.chunks.push(typeof c === "string" ? enc.encode(c) : c);
  }

  push(c: Uint8Array | string): this {
    this.chunks.push(typeof c === "string" ? enc.encode(c) : c);
    this.readiness.wake();
    return this;
  }

  end(): this {
    this.ended = true;
    this.readiness.wake();
    return this;
  }

  fail(e: unknown): void {
    this.error = e;
    this.readiness.wake();
  }

  pollRead(cx: Context, buf: Uint8Array): Poll<number> {
    if (this.error !== null) throw this.error;
    const head = this.chunks[0];
    if (head === undefined) {
      if (this.ended) return 0;
      this.readiness.register(cx);
      return PENDING;
    }
    const n = Math.min(head.length, buf.length);
    buf.set(head.subarray(0, n));
    if (n === head.length) this.chunks.shift();
    else this.chunks[0] = head.subarray(n);
    return n;
  }

  override cancelRead(): void {
    this.cancels++;
    this.readiness.clear();
  }
}

/** A writer that accepts up to `room` bytes, then waits for `drain()`. */
export class Sink extends AsyncWriteBase {
  readonly data: number[] = [];
  private readonly readiness = new Readiness();
  private used = 0;
  flushes = 0;
  closed = false;

  constructor(private readonly room = Number.POSITIVE_INFINITY) {
    super();
  }

  drain(): void {
    this.used = 0;
    this.readiness.wake();
  }

  text(): string {
    return dec.decode(new Uint8Array(this.data));
  }

  pollWrite(cx: Context, buf: Uint8Array): Poll<number> {
    if (this.closed) return 0;
    const n = Math.min(buf.length, this.room - this.used);
    if (n === 0) {
      this.readiness.register(cx);
      return PENDING;
    }
    for (let i = 0; i < n; i++) this.data.push(buf[i]!);
    this.used += n;
    return n;
  }

  pollFlush(): Poll<void> {
    this.flushes++;
  }

  pollShutdown(): Poll<void> {
    this.closed = true;
  }

  override cancelWrite(): void {
    this.readiness.clear();
  }
}

/** Deterministic pseudo-random bytes. */
export function pattern(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** First index where a and b differ, or -1. */
export function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
