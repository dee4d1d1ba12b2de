/** Test leaf futures for the combinator tests: count polls and cancels, wake by hand. */
import { type Context, FutureBase, PENDING, type Poll, type Waker } from "../../src/future/index.js";

/** A leaf future completed (`fire`), failed (`fail`) or merely woken (`poke`) from outside. */
export class Probe<T = number> extends FutureBase<T> {
  polls = 0;
  cancels = 0;
  waker: Waker | null = null;
  private state: "pending" | "ready" | "failed" = "pending";
  private value: unknown;

  constructor(readonly label = "probe") {
    super();
  }

  poll(cx: Context): Poll<T> {
    this.polls++;
    if (this.state === "ready") return this.value as T;
    if (this.state === "failed") throw this.value;
    this.waker = cx.waker;
    return PENDING;
  }

  override cancel(): void {
    this.cancels++;
    this.waker = null;
  }

  /** Wake without making progress (a spurious readiness). */
  poke(): void {
    this.waker?.wake();
  }

  fire(value: T): void {
    this.state = "ready";
    this.value = value;
    const w = this.waker;
    this.waker = null;
    w?.wake();
  }

  fail(error: unknown): void {
    this.state = "failed";
    this.value = error;
    const w = this.waker;
    this.waker = null;
    w?.wake();
  }

  override describe(): string {
    return this.label;
  }
}

/** Ready at the first poll with `value`, counting polls. */
export class Now<T> extends FutureBase<T> {
  polls = 0;
  constructor(private readonly value: T) {
    super();
  }
  poll(): Poll<T> {
    this.polls++;
    return this.value;
  }
}
