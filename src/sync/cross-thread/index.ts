/**
 * Channels whose ends can be passed to other runtimes (the worker runtimes of
 * `new Runtime({ workers })`, as arguments of `spawnOn`/`spawnAnywhere`). See docs/guide-cores.md.
 *
 * @module
 */

// The names a task's parameters are typed with, as `mpsc.Sender` is for a local channel:
// `function* produce(tx: crossThread.Sender<number>)`.
export type {
  ThreadBroadcastReceiver as BroadcastReceiver,
  ThreadBroadcastSender as BroadcastSender,
} from "./broadcast.js";
export { broadcast, ThreadBroadcastReceiver, ThreadBroadcastSender } from "./broadcast.js";
export type { ThreadReceiver as Receiver, ThreadSender as Sender } from "./mpsc.js";
export { channel, ThreadReceiver, ThreadSender } from "./mpsc.js";
export type {
  ThreadOneshotReceiver as OneshotReceiver,
  ThreadOneshotSender as OneshotSender,
} from "./oneshot.js";
export { oneshot, ThreadOneshotReceiver, ThreadOneshotSender } from "./oneshot.js";
export type { ThreadWatchReceiver as WatchReceiver, ThreadWatchSender as WatchSender } from "./watch.js";
export { ThreadWatchReceiver, ThreadWatchSender, watch } from "./watch.js";
