/**
 * Channels whose ends can be passed to other runtimes (the worker runtimes of
 * `new Runtime({ workers })`, as arguments of `spawnOn`/`spawnAnywhere`). See docs/guide-cores.md.
 *
 * @module
 */

export { broadcast, ThreadBroadcastReceiver, ThreadBroadcastSender } from "./broadcast.js";
export { channel, ThreadReceiver, ThreadSender } from "./mpsc.js";
export { oneshot, ThreadOneshotReceiver, ThreadOneshotSender } from "./oneshot.js";
export { ThreadWatchReceiver, ThreadWatchSender, watch } from "./watch.js";
