/**
 * `Outbox`: batches messages to one peer thread, one `postMessage` per drain.
 *
 * A post costs both threads several microseconds whatever it carries, so messages produced during
 * one drain of the runtime (or one port callback) are collected and sent together from a
 * microtask queued by the first of them: that microtask runs right after the drain that queued
 * it, so batching adds no latency. Messages are laid out flat in one array (`[kind, id, ...,
 * kind, id, ...]`, each kind has a fixed length, see `protocol.ts`): one array to clone per post
 * instead of one per message. If the batch cannot be cloned (a message holds a function, say),
 * the messages go one by one so that only the culprit fails (`onUnsendable`), and the others
 * still arrive.
 */
export interface PostTarget {
  postMessage(value: unknown, transfer?: readonly unknown[]): void;
}

export class Outbox {
  private items: unknown[] = [];
  /** Where each message starts in `items`. */
  private starts: number[] = [];
  /** Transfer lists by message index, when any message has one. */
  private transfers: Map<number, readonly unknown[]> | null = null;
  private scheduled = false;

  constructor(
    private readonly target: PostTarget,
    private readonly onUnsendable: (message: unknown[], error: unknown) => void,
  ) {}

  /** Queue a message of two fields. */
  push2(kind: number, id: unknown): void {
    this.starts.push(this.items.length);
    this.items.push(kind, id);
    this.schedule();
  }

  /** Queue a message of three fields; `transfer` moves buffers or ports with it. */
  push3(kind: number, id: unknown, a: unknown, transfer?: readonly unknown[]): void {
    this.note(transfer);
    this.starts.push(this.items.length);
    this.items.push(kind, id, a);
    this.schedule();
  }

  /** Queue a message of four fields. */
  push4(kind: number, id: unknown, a: unknown, b: unknown): void {
    this.starts.push(this.items.length);
    this.items.push(kind, id, a, b);
    this.schedule();
  }

  /** Queue a message of five fields; `transfer` moves buffers or ports with it. */
  push5(kind: number, id: unknown, a: unknown, b: unknown, c: unknown, transfer?: readonly unknown[]): void {
    this.note(transfer);
    this.starts.push(this.items.length);
    this.items.push(kind, id, a, b, c);
    this.schedule();
  }

  private note(transfer: readonly unknown[] | undefined): void {
    if (transfer !== undefined && transfer.length > 0)
      (this.transfers ??= new Map()).set(this.starts.length, transfer);
  }

  private schedule(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flush);
    }
  }

  readonly flush = (): void => {
    this.scheduled = false;
    const items = this.items;
    if (items.length === 0) return;
    const starts = this.starts;
    const transfers = this.transfers;
    this.items = [];
    this.starts = [];
    this.transfers = null;
    try {
      if (transfers === null) this.target.postMessage(items);
      else this.target.postMessage(items, [...transfers.values()].flat());
      return;
    } catch {
      // Find the message that cannot be cloned; send the others.
    }
    for (let m = 0; m < starts.length; m++) {
      const msg = items.slice(starts[m], m + 1 < starts.length ? starts[m + 1] : items.length);
      const t = transfers?.get(m);
      try {
        if (t === undefined) this.target.postMessage(msg);
        else this.target.postMessage(msg, t);
      } catch (error) {
        this.onUnsendable(msg, error);
      }
    }
  };
}
