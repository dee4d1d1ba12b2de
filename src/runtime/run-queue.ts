/**
 * FIFO ring buffer of runnable tasks. Capacity is a power of two so the index wraps with a mask;
 * it doubles when full and never shrinks (a runtime's peak queue depth is its steady-state need).
 * Push and shift are O(1) and allocate nothing once the buffer has grown.
 */
export class RunQueue<T> {
  private buf: (T | undefined)[];
  private head = 0;
  private tail = 0;
  private mask: number;

  constructor(capacity = 256) {
    this.buf = new Array<T | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
  }

  get length(): number {
    return (this.tail - this.head) & this.mask;
  }

  push(item: T): void {
    this.buf[this.tail] = item;
    this.tail = (this.tail + 1) & this.mask;
    if (this.tail === this.head) this.grow();
  }

  shift(): T | undefined {
    if (this.head === this.tail) return undefined;
    const item = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    return item;
  }

  private grow(): void {
    // Full: head === tail. Unroll into a buffer twice the size.
    const old = this.buf;
    const n = old.length;
    const buf = new Array<T | undefined>(n * 2).fill(undefined);
    for (let i = 0; i < n; i++) buf[i] = old[(this.head + i) & this.mask];
    this.buf = buf;
    this.head = 0;
    this.tail = n;
    this.mask = n * 2 - 1;
  }
}
