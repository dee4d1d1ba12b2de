/**
 * Publish/subscribe on pollux's `broadcast` channel.
 *
 * HOW: one broadcast channel per channel name that has subscribers (made by the first SUBSCRIBE,
 * dropped with the last UNSUBSCRIBE), and one more, the pattern bus, that carries every published
 * message to the connections with PSUBSCRIBE patterns; each of those matches the channel against
 * its own patterns. A publisher never waits: `broadcast` overwrites the oldest message when a
 * subscriber has not read `capacity` messages, and that subscriber's next receive reports how many
 * it missed (`Lagged`) and continues with the oldest message still held. That is the pub/sub
 * contract of Redis (at most once, no replay) with a bounded memory cost per channel instead of
 * Redis's per-client output buffer limit.
 *
 * PUBLISH answers how many subscriptions receive the message: the channel's receivers plus every
 * (connection, pattern) pair that matches, as Redis counts.
 */
import { type BroadcastReceiver, type BroadcastSender, broadcast } from "pollux/sync";
import { globMatch } from "./glob.js";

/** A published message. `channel` is latin1 (one char per byte); `payload` is owned by the message. */
export interface Message {
  readonly channel: string;
  readonly payload: Uint8Array;
}

interface Channel {
  readonly tx: BroadcastSender<Message>;
  subscribers: number;
}

/**
 * The server-wide pub/sub registry.
 *
 * @example
 * const ps = new PubSub(1024);
 * const rx = ps.subscribe("news");
 * ps.publish("news", bytes); // 1
 */
export class PubSub {
  private readonly channels = new Map<string, Channel>();
  private bus: BroadcastSender<Message> | null = null;
  private busReceivers = 0;
  /** Pattern → number of connections subscribed to it. */
  private readonly patterns = new Map<string, number>();

  /** @param capacity messages a subscriber may fall behind before it lags (skips). */
  constructor(readonly capacity: number) {}

  /** A receiver of the messages published to `channel` from now on. */
  subscribe(channel: string): BroadcastReceiver<Message> {
    const ch = this.channels.get(channel);
    if (ch !== undefined) {
      ch.subscribers++;
      return ch.tx.subscribe();
    }
    const [tx, rx] = broadcast<Message>(this.capacity);
    this.channels.set(channel, { tx, subscribers: 1 });
    return rx;
  }

  /** Close a receiver from `subscribe(channel)`; the last one removes the channel. */
  unsubscribe(channel: string, rx: BroadcastReceiver<Message>): void {
    rx.close();
    const ch = this.channels.get(channel);
    if (ch === undefined) return;
    if (--ch.subscribers === 0) {
      ch.tx.close();
      this.channels.delete(channel);
    }
  }

  /** A receiver of every message (for a connection's patterns). One per connection with patterns. */
  joinBus(): BroadcastReceiver<Message> {
    this.busReceivers++;
    if (this.bus === null) {
      const [tx, rx] = broadcast<Message>(this.capacity);
      this.bus = tx;
      return rx;
    }
    return this.bus.subscribe();
  }

  /** Close a receiver from `joinBus()`. */
  leaveBus(rx: BroadcastReceiver<Message>): void {
    rx.close();
    if (--this.busReceivers === 0 && this.bus !== null) {
      this.bus.close();
      this.bus = null;
    }
  }

  /** Count a connection's new pattern (for PUBLISH's answer). */
  addPattern(pattern: string): void {
    this.patterns.set(pattern, (this.patterns.get(pattern) ?? 0) + 1);
  }

  removePattern(pattern: string): void {
    const n = this.patterns.get(pattern);
    if (n === undefined) return;
    if (n <= 1) this.patterns.delete(pattern);
    else this.patterns.set(pattern, n - 1);
  }

  /** Send to the channel's subscribers and the pattern bus; returns the receiving subscriptions. */
  publish(channel: string, payload: Uint8Array): number {
    const ch = this.channels.get(channel);
    const bus = this.bus;
    if (ch === undefined && bus === null) return 0;
    const msg: Message = { channel, payload };
    let n = ch === undefined ? 0 : ch.tx.send(msg);
    if (bus !== null) {
      bus.send(msg);
      for (const [pattern, count] of this.patterns) if (globMatch(pattern, channel)) n += count;
    }
    return n;
  }

  /** Channels with at least one subscriber. */
  get channelCount(): number {
    return this.channels.size;
  }
}
