/**
 * timer-churn: arming and disarming timers that never fire, 1,000,000 times. This is what every
 * `timeout` whose operation finishes in time does, so servers pay it per request.
 *
 * Only the timer machinery is measured, without any scheduler in between: native arms a Node
 * timer and clears it (`clearTimeout(setTimeout(f, 1000))`); pollux builds `timeout(1000, op)`
 * around an operation that is pending at its first poll and ready at its second, and polls it
 * twice by hand: the first poll registers the timer in the wheel, the second sees the operation
 * win and unlinks the timer. Both create a timer object, register it and remove it. Effect and
 * effection have no way to arm a timer without going through their scheduler; they are measured
 * on the same pattern with their scheduler in `timer-churn-await`.
 */
import { type Async, type Context, FutureBase, PENDING, type Poll, run } from "pollux";
import { timeout } from "pollux/time";
import { timed } from "../lib/timed.js";
import type { Workload } from "../workload.js";

const N = 1_000_000;

let fired = 0;
const onTimeout = (): void => {
  fired++;
};

function nativeMain(): Promise<number> {
  let disarmed = 0;
  for (let i = 0; i < N; i++) {
    clearTimeout(setTimeout(onTimeout, 1_000));
    disarmed++;
  }
  return Promise.resolve(disarmed - fired);
}

/** The guarded operation: pending at its first poll, done at its second (polled by hand below). */
class SecondPoll extends FutureBase<number> {
  private polled = false;
  poll(): Poll<number> {
    if (this.polled) return 1;
    this.polled = true;
    return PENDING;
  }
}

const cx: Context = { waker: { wake() {} } };

function* polluxMain(): Async<number> {
  let won = 0;
  for (let i = 0; i < N; i++) {
    const t = timeout(1_000, new SecondPoll());
    if (t.poll(cx) !== PENDING) throw new Error("the first poll must register the timer");
    won += t.poll(cx) as number;
  }
  return won;
}

export default {
  name: "timer-churn",
  description:
    "arm and disarm 1,000,000 timers that never fire (a timeout whose operation wins): native " +
    "clearTimeout(setTimeout(f, 1000)); pollux timeout(1000, op) polled twice by hand, registering then " +
    "unlinking its timer in the wheel. Timer machinery only, no scheduler (see timer-churn-await).",
  target: "≥ 3× faster than native (≤ 0.33×)",
  contenders: {
    native: () => timed(nativeMain, N),
    pollux: () => timed(() => run(polluxMain()), N),
  },
} satisfies Workload;
