/**
 * `mpsc`: multi-producer, single-consumer channels. Imported as a namespace from `pollux/sync`:
 * `mpsc.channel(capacity)` (bounded, `send` waits for room) and `mpsc.unbounded()` (`send` is
 * synchronous). The receiver's `recv()` resolves `END` once every sender is closed and the
 * buffer is drained.
 */
export {
  channel,
  Permit,
  PermitIterator,
  Receiver,
  Sender,
  SendTimeout,
  WeakSender,
} from "./mpsc-bounded.js";
export { UnboundedReceiver, UnboundedSender, unbounded, WeakUnboundedSender } from "./mpsc-unbounded.js";
export { RecvMany } from "./recv-many.js";
