/**
 * `mpmc`: multi-producer, multi-consumer channels, the work queue. Imported as a namespace from
 * `pollux/sync`: `mpmc.channel(capacity)` (bounded, `send` waits for room) and `mpmc.unbounded()`
 * (`send` is synchronous). Clone the receiver for each worker; each message goes to exactly one.
 */
export { channel, Receiver, type Recv, Sender, UnboundedSender, unbounded } from "./mpmc-channel.js";
