/**
 * `Ring`: the runtime's run queue and the message buffer of the mpsc channels. A power-of-two ring
 * buffer that doubles when full and never shrinks (peak depth is the steady-state need), so a
 * warmed-up queue pushes and shifts without allocating. Slots are cleared on shift so the items can
 * be collected.
 */

/** @internal growable FIFO ring buffer. */
export class Ring<T> {
  private buf: (T | undefined)[];
  private head = 0;
  private mask: number;
  length = 0;

  constructor(initialCapacity: number) {
    let n = 1;
    while (n < initialCapacity) n *= 2;
    this.buf = new Array<T | undefined>(n).fill(undefined);
    this.mask = n - 1;
  }

  push(value: T): void {
    if (this.length > this.mask) this.grow();
    this.buf[(this.head + this.length) & this.mask] = value;
    this.length++;
  }

  /** The front value; the ring must not be empty. */
  shift(): T {
    const head = this.head;
    const value = this.buf[head] as T;
    this.buf[head] = undefined;
    this.head = (head + 1) & this.mask;
    this.length--;
    return value;
  }

  private grow(): void {
    const old = this.buf;
    const n = old.length;
    const buf = new Array<T | undefined>(n * 2).fill(undefined);
    for (let i = 0; i < n; i++) buf[i] = old[(this.head + i) & this.mask];
    this.buf = buf;
    this.head = 0;
    this.mask = n * 2 - 1;
  }
}
