/**
 * The errors of `pollux/sync`. Each one says what happened and what the caller can do about it;
 * `SendError` gives the unsent value back so nothing is silently dropped.
 */

/**
 * A value could not be sent because the channel is closed: the receiving side closed it (or, for
 * `broadcast` and `watch`, no receiver is left). The value is handed back in `value`.
 *
 * When to use: catch it in producers to stop producing, or to recover the value.
 *
 * @example
 * try {
 *   yield* tx.send(job);
 * } catch (e) {
 *   if (e instanceof SendError) requeue(e.value); // the receiver is gone; the job was not sent
 *   else throw e;
 * }
 */
export class SendError<T = unknown> extends Error {
  override readonly name = "SendError";
  constructor(
    /** The value that was not sent. */
    readonly value: T,
    message = "send on a closed channel: the receiver closed it, so the value was not sent (it is in error.value)",
  ) {
    super(message);
  }
}

/**
 * `Sender.sendTimeout(value, ms)` gave up: the channel stayed full for `ms`. The value was not
 * sent and is in `value` (Tokio's `SendTimeoutError::Timeout`). A closed channel throws
 * {@link SendError} instead, so the two cases are told apart by class.
 *
 * @example
 * try {
 *   yield* tx.sendTimeout(job, 100);
 * } catch (e) {
 *   if (e instanceof SendTimeoutError) shed(e.value); // the consumer is too slow
 *   else throw e;
 * }
 */
export class SendTimeoutError<T = unknown> extends Error {
  override readonly name = "SendTimeoutError";
  constructor(
    /** The value that was not sent. */
    readonly value: T,
    /** The time limit, in milliseconds. */
    readonly ms: number,
  ) {
    super(
      `send timed out: the channel stayed full for ${ms} ms, so the value was not sent (it is in error.value)`,
    );
  }
}

/**
 * Receiving failed because the sending side is gone: a `oneshot` sender closed without sending, or
 * every `watch` sender closed while `changed()` waited.
 *
 * @example
 * try {
 *   const reply = yield* replyRx;
 * } catch (e) {
 *   if (e instanceof RecvError) console.log("the worker dropped the request");
 *   else throw e;
 * }
 */
export class RecvError extends Error {
  override readonly name = "RecvError";
  constructor(message = "receive on a closed channel: the sender closed without sending a value") {
    super(message);
  }
}

/**
 * A `broadcast` receiver fell so far behind that the channel overwrote values it had not read.
 * `count` is how many it missed; the next `recv()` returns the oldest value the channel still holds.
 *
 * When to use: catch it where missing values is acceptable (log and continue), or make the channel
 * larger where it is not.
 *
 * @example
 * for (;;) {
 *   let event;
 *   try {
 *     event = yield* rx.recv();
 *   } catch (e) {
 *     if (e instanceof Lagged) { console.warn(`skipped ${e.count} events`); continue; }
 *     throw e;
 *   }
 *   if (event === undefined) break;
 *   handle(event);
 * }
 */
export class Lagged extends Error {
  override readonly name = "Lagged";
  constructor(
    /** How many values this receiver missed. */
    readonly count: number,
  ) {
    super(
      `broadcast receiver lagged: ${count} value${count === 1 ? " was" : "s were"} overwritten before it read them; ` +
        "the next recv() returns the oldest value still held. Give the channel a larger capacity if nothing may be missed.",
    );
  }
}

/**
 * A `Semaphore` was closed while a task waited for permits, or before it asked for them.
 *
 * @example
 * try {
 *   using permit = yield* limiter.acquire();
 *   yield* work();
 * } catch (e) {
 *   if (e instanceof AcquireError) return; // shutting down
 *   throw e;
 * }
 */
export class AcquireError extends Error {
  override readonly name = "AcquireError";
  constructor(message = "the semaphore is closed: no more permits will be handed out") {
    super(message);
  }
}
