/**
 * `Outbox`: batches messages to one peer thread, one `postMessage` per drain.
 *
 * A post costs both threads ~5–10 µs whatever it carries, so messages produced during one drain of
 * the runtime (or one port callback) are collected and sent together from a microtask queued by
 * the first of them: that microtask runs right after the drain that queued it, so batching adds
 * no latency. If the batch cannot be cloned (one message holds a function, say), the messages go
 * one by one so that only the culprit fails (`onUnsendable`), and the others still arrive.
 */
export interface PostTarget {
  postMessage(value: unknown, transfer?: readonly unknown[]): void;
}

export class Outbox {
  private batch: unknown[][] = [];
  private transfers: (readonly unknown[] | undefined)[] = [];
  private anyTransfer = false;
  private scheduled = false;

  constructor(
    private readonly target: PostTarget,
    private readonly onUnsendable: (message: unknown[], error: unknown) => void,
  ) {}

  /** Queue `message` for the next flush; `transfer` moves buffers or ports with it. */
  push(message: unknown[], transfer?: readonly unknown[]): void {
    this.batch.push(message);
    this.transfers.push(transfer);
    if (transfer !== undefined && transfer.length > 0) this.anyTransfer = true;
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flush);
    }
  }

  readonly flush = (): void => {
    this.scheduled = false;
    const batch = this.batch;
    if (batch.length === 0) return;
    const transfers = this.transfers;
    const anyTransfer = this.anyTransfer;
    this.batch = [];
    this.transfers = [];
    this.anyTransfer = false;
    try {
      if (!anyTransfer) this.target.postMessage(batch);
      else
        this.target.postMessage(
          batch,
          transfers.flatMap((t) => t ?? []),
        );
      return;
    } catch {
      // Find the message that cannot be cloned; send the others.
    }
    for (let i = 0; i < batch.length; i++) {
      const t = transfers[i];
      try {
        if (t === undefined) this.target.postMessage([batch[i]]);
        else this.target.postMessage([batch[i]], t);
      } catch (error) {
        this.onUnsendable(batch[i]!, error);
      }
    }
  };
}
