/**
 * The keyspace: string keys to byte values, with optional expiry deadlines.
 *
 * HOW expiry works. Deadlines are milliseconds on the runtime's clock (`Instant.now().ms`, so a
 * paused clock in tests moves them too). A key is expired in two ways, as in Redis: lazily, when a
 * command touches it after its deadline; and actively, by the background task of `expiry.ts`,
 * which sleeps until the earliest deadline. The earliest deadline comes from a binary min-heap of
 * (deadline, key) pairs with lazy deletion: changing or removing a key's deadline does not search
 * the heap; a popped pair whose deadline no longer matches the key's is simply dropped. The heap
 * is rebuilt from the live deadlines when stale pairs outnumber them, so a client that keeps
 * re-setting the TTL of one key cannot grow it without bound.
 *
 * Keys are latin1 strings: one character per byte, so any binary key maps to a distinct string,
 * and decoding costs no UTF-8 validation.
 */
import { Instant } from "pollux";
import { Notify } from "pollux/sync";

/** Milliseconds on the runtime's clock (virtual on a paused clock). */
export function now(): number {
  return Instant.now().ms;
}

/**
 * A key-value store with expiry.
 *
 * @example
 * const db = new Db();
 * db.set("k", value, now() + 10_000); // expires in 10 s
 * db.get("k");
 */
export class Db {
  private readonly values = new Map<string, Uint8Array>();
  private readonly deadlines = new Map<string, number>();
  private readonly heapAt: number[] = [];
  private readonly heapKey: string[] = [];
  /** The deadline the expiry task sleeps until (Infinity: it waits for a first deadline). */
  scheduled = Number.POSITIVE_INFINITY;
  /** Woken when a deadline earlier than `scheduled` is set, so the expiry task sleeps less. */
  readonly expiryChanged = new Notify();

  /** Live keys, expired ones included until something removes them. */
  get size(): number {
    return this.values.size;
  }

  /** Keys with a deadline. */
  get expiring(): number {
    return this.deadlines.size;
  }

  /** The value of `key`, or undefined if absent or expired (an expired key is removed). */
  get(key: string): Uint8Array | undefined {
    const v = this.values.get(key);
    if (v === undefined || this.deadlines.size === 0) return v;
    const at = this.deadlines.get(key);
    if (at !== undefined && at <= now()) {
      this.remove(key);
      return undefined;
    }
    return v;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /**
   * Store `value`. `deadline`: a clock reading to expire at, `undefined` to clear any deadline,
   * or `KEEP_TTL` to keep the current one.
   */
  set(key: string, value: Uint8Array, deadline?: number | typeof KEEP_TTL): void {
    this.values.set(key, value);
    if (deadline === KEEP_TTL) return;
    if (deadline === undefined) {
      if (this.deadlines.size !== 0) this.deadlines.delete(key);
    } else this.expireAt(key, deadline);
  }

  /** Remove `key`; true if it existed (and had not expired). */
  delete(key: string): boolean {
    const existed = this.has(key);
    if (existed) this.remove(key);
    return existed;
  }

  /** Set the deadline of an existing key. */
  expireAt(key: string, deadline: number): void {
    this.deadlines.set(key, deadline);
    this.heapPush(deadline, key);
    if (this.heapAt.length > 2 * this.deadlines.size + 1024) this.rebuildHeap();
    if (deadline < this.scheduled) this.expiryChanged.notifyOne();
  }

  /** Remove the deadline of `key`; true if it had one. */
  persist(key: string): boolean {
    return this.deadlines.delete(key);
  }

  /** The deadline of `key` (undefined: none). Call after `get`/`has` so an expired key is gone. */
  deadlineOf(key: string): number | undefined {
    return this.deadlines.get(key);
  }

  clear(): void {
    this.values.clear();
    this.deadlines.clear();
    this.heapAt.length = 0;
    this.heapKey.length = 0;
  }

  /**
   * Remove keys whose deadline is ≤ `at`, at most `limit` of them. Returns the earliest deadline
   * left (Infinity: none), or `at` itself when the limit cut the work short (call again).
   */
  purgeExpired(at: number, limit = 1000): number {
    const heapAt = this.heapAt;
    const heapKey = this.heapKey;
    let removed = 0;
    while (heapAt.length > 0) {
      const top = heapAt[0]!;
      const key = heapKey[0]!;
      if (this.deadlines.get(key) !== top) {
        this.heapPop(); // stale: the key's deadline changed or the key is gone
        continue;
      }
      if (top > at) return top;
      if (removed === limit) return at;
      this.heapPop();
      this.remove(key);
      removed++;
    }
    return Number.POSITIVE_INFINITY;
  }

  private remove(key: string): void {
    this.values.delete(key);
    this.deadlines.delete(key);
  }

  // --- binary min-heap on (heapAt, heapKey), parallel arrays: no object per entry ---

  private heapPush(at: number, key: string): void {
    const heapAt = this.heapAt;
    const heapKey = this.heapKey;
    let i = heapAt.length;
    heapAt.push(at);
    heapKey.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heapAt[parent]! <= at) break;
      heapAt[i] = heapAt[parent]!;
      heapKey[i] = heapKey[parent]!;
      i = parent;
    }
    heapAt[i] = at;
    heapKey[i] = key;
  }

  private heapPop(): void {
    const heapAt = this.heapAt;
    const heapKey = this.heapKey;
    const lastAt = heapAt.pop()!;
    const lastKey = heapKey.pop()!;
    const n = heapAt.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heapAt[child + 1]! < heapAt[child]!) child++;
      if (heapAt[child]! >= lastAt) break;
      heapAt[i] = heapAt[child]!;
      heapKey[i] = heapKey[child]!;
      i = child;
    }
    heapAt[i] = lastAt;
    heapKey[i] = lastKey;
  }

  private rebuildHeap(): void {
    this.heapAt.length = 0;
    this.heapKey.length = 0;
    for (const [key, at] of this.deadlines) this.heapPush(at, key);
  }
}

/** Pass to `Db.set` to keep the key's current deadline (SET ... KEEPTTL). */
export const KEEP_TTL: unique symbol = Symbol("KEEP_TTL");
