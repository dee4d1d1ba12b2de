/**
 * One connection's subscriptions: a broadcast receiver per channel, and one pattern-bus receiver
 * shared by all its patterns.
 *
 * HOW the connection waits on them. The handler's wait future (`connection.ts`) calls
 * `pollMessages(cx, out)` before it polls the socket: every receiver's `recv()` future is polled
 * with the task's context, so a publish wakes the task, and each message ready is encoded straight
 * into the connection's writer. A receiver's `recv()` future is kept across polls and replaced
 * only when it completes, so waiting allocates nothing.
 *
 * A subscriber that fell `capacity` messages behind gets `Lagged` from its receiver: it skips the
 * messages it missed and carries on with the oldest one still held (logged once per lag).
 */
import { type Context, END, type End, type FutureBase, PENDING, type Poll } from "pollux";
import { type BroadcastReceiver, Lagged } from "pollux/sync";
import { globMatch } from "./glob.js";
import type { Message, PubSub } from "./pubsub.js";
import type { RespWriter } from "./resp-writer.js";

interface Sub {
  readonly rx: BroadcastReceiver<Message>;
  recv: FutureBase<Message | End>;
}

/** Messages encoded per `pollMessages` call at most: a flood on one channel cannot starve input. */
const MAX_PER_POLL = 256;

/**
 * Subscriptions of one connection.
 *
 * @example
 * const subs = new Subscriptions(pubsub);
 * subs.subscribe("news", out); // writes the confirmation
 * if (subs.pollMessages(cx, out)) { ...flush out... }
 */
export class Subscriptions {
  private readonly channels = new Map<string, Sub>();
  private readonly patterns = new Set<string>();
  private bus: Sub | null = null;
  /** Messages skipped because this subscriber lagged. */
  skipped = 0;

  constructor(private readonly pubsub: PubSub) {}

  /** Channels plus patterns: what SUBSCRIBE replies count, and > 0 means subscribe mode. */
  get count(): number {
    return this.channels.size + this.patterns.size;
  }

  subscribe(channel: string, out: RespWriter): void {
    if (!this.channels.has(channel)) {
      const rx = this.pubsub.subscribe(channel);
      this.channels.set(channel, { rx, recv: rx.recv() });
    }
    this.confirm("subscribe", channel, out);
  }

  unsubscribe(channel: string, out: RespWriter): void {
    const sub = this.channels.get(channel);
    if (sub !== undefined) {
      this.channels.delete(channel);
      sub.recv.cancel();
      this.pubsub.unsubscribe(channel, sub.rx);
    }
    this.confirm("unsubscribe", channel, out);
  }

  unsubscribeAll(out: RespWriter): void {
    if (this.channels.size === 0) {
      this.confirm("unsubscribe", null, out);
      return;
    }
    for (const channel of [...this.channels.keys()]) this.unsubscribe(channel, out);
  }

  psubscribe(pattern: string, out: RespWriter): void {
    if (!this.patterns.has(pattern)) {
      this.patterns.add(pattern);
      this.pubsub.addPattern(pattern);
      if (this.bus === null) {
        const rx = this.pubsub.joinBus();
        this.bus = { rx, recv: rx.recv() };
      }
    }
    this.confirm("psubscribe", pattern, out);
  }

  punsubscribe(pattern: string, out: RespWriter): void {
    if (this.patterns.delete(pattern)) {
      this.pubsub.removePattern(pattern);
      if (this.patterns.size === 0) this.leaveBus();
    }
    this.confirm("punsubscribe", pattern, out);
  }

  punsubscribeAll(out: RespWriter): void {
    if (this.patterns.size === 0) {
      this.confirm("punsubscribe", null, out);
      return;
    }
    for (const pattern of [...this.patterns]) this.punsubscribe(pattern, out);
  }

  private leaveBus(): void {
    const bus = this.bus;
    if (bus === null) return;
    this.bus = null;
    bus.recv.cancel();
    this.pubsub.leaveBus(bus.rx);
  }

  /** `[kind, name, count]`, what Redis sends for each (un)subscription. */
  private confirm(kind: string, name: string | null, out: RespWriter): void {
    out.arrayHeader(3);
    out.bulkString(kind);
    if (name === null) out.raw(NIL_BULK);
    else out.bulkString(name, "latin1");
    out.integer(this.count);
  }

  /**
   * Encode every message ready on any subscription into `out` (up to a limit); true if any was.
   * Registers the task's waker on every receiver that had nothing.
   */
  pollMessages(cx: Context, out: RespWriter): boolean {
    let wrote = 0;
    for (const [channel, sub] of this.channels) {
      wrote += this.drain(cx, sub, out, channel);
      if (wrote >= MAX_PER_POLL) return true;
    }
    if (this.bus !== null) wrote += this.drain(cx, this.bus, out, null);
    return wrote > 0;
  }

  private drain(cx: Context, sub: Sub, out: RespWriter, channel: string | null): number {
    let n = 0;
    while (n < MAX_PER_POLL) {
      let msg: Poll<Message | End>;
      try {
        msg = sub.recv.poll(cx);
      } catch (e) {
        if (!(e instanceof Lagged)) throw e;
        this.skipped += e.count;
        sub.recv = sub.rx.recv();
        continue;
      }
      if (msg === PENDING || msg === END) return n;
      sub.recv = sub.rx.recv();
      if (channel !== null) {
        writeMessage(out, msg);
        n++;
      } else {
        for (const pattern of this.patterns) {
          if (!globMatch(pattern, msg.channel)) continue;
          writePmessage(out, pattern, msg);
          n++;
        }
      }
    }
    return n;
  }

  /** Drop every subscription (the connection ends). */
  close(): void {
    for (const [channel, sub] of this.channels) {
      sub.recv.cancel();
      this.pubsub.unsubscribe(channel, sub.rx);
    }
    this.channels.clear();
    for (const pattern of this.patterns) this.pubsub.removePattern(pattern);
    this.patterns.clear();
    this.leaveBus();
  }

  /** Stop waiting (the wait future was cancelled); subscriptions stay. */
  cancelWaits(): void {
    for (const sub of this.channels.values()) {
      sub.recv.cancel();
      sub.recv = sub.rx.recv();
    }
    const bus = this.bus;
    if (bus !== null) {
      bus.recv.cancel();
      bus.recv = bus.rx.recv();
    }
  }
}

const NIL_BULK = Buffer.from("$-1\r\n");

const MESSAGE = Buffer.from("*3\r\n$7\r\nmessage\r\n");
const PMESSAGE = Buffer.from("*4\r\n$8\r\npmessage\r\n");

function writeMessage(out: RespWriter, msg: Message): void {
  out.raw(MESSAGE);
  out.bulkString(msg.channel, "latin1");
  out.bulk(msg.payload);
}

function writePmessage(out: RespWriter, pattern: string, msg: Message): void {
  out.raw(PMESSAGE);
  out.bulkString(pattern, "latin1");
  out.bulkString(msg.channel, "latin1");
  out.bulk(msg.payload);
}
