/**
 * The background task that removes expired keys.
 *
 * HOW: it sleeps until the earliest deadline (`sleepUntil`), removes what is due, and repeats.
 * When a command sets a deadline earlier than the one it sleeps for, `Db.expireAt` calls
 * `notifyOne()` on `db.expiryChanged` and the task wakes early to re-plan. With no deadline at
 * all it only waits for the notification: an idle server has no timer armed.
 *
 * The `notified()` future is created BEFORE the heap is inspected: a deadline set between the
 * inspection and the wait then still wakes the task (Notify stores one permit).
 */
import { type Async, Instant, select, sleepUntil, yieldNow } from "pollux";
import { type Db, now } from "./db.js";

/**
 * Expire keys of `db` until cancelled.
 *
 * @example
 * const expirer = spawn(expireKeys(db), { name: "mini-redis expiry" });
 * // ...
 * expirer.abort();
 */
export function* expireKeys(db: Db): Async<void> {
  for (;;) {
    const changed = db.expiryChanged.notified();
    const at = now();
    const next = db.purgeExpired(at);
    if (next === at) {
      // The per-round limit was hit: let connections run before removing more.
      yield* yieldNow();
      continue;
    }
    db.scheduled = next;
    if (next === Number.POSITIVE_INFINITY) {
      yield* changed;
    } else {
      yield* select.biased({ changed, due: sleepUntil(Instant.fromMillis(next)) });
    }
    db.scheduled = Number.POSITIVE_INFINITY;
  }
}
