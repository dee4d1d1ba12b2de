/**
 * The connection handler: one task per client.
 *
 * HOW a request is served. The task waits on one reusable future, `Wait`, that is ready when the
 * server shuts down, when a subscribed channel has messages, or when the socket has bytes (read
 * straight into the parser's buffer). It then parses and executes EVERY complete command in the
 * buffer, appending each reply to one writer, and hands the batch to the socket with one write:
 * a pipelined batch of 16 commands costs one wake, one read and one write, not 16.
 *
 * Backpressure. `writeAll` waits while the socket's send buffer is full, and the task reads no
 * new input while it waits: a client that sends without reading its replies fills the server's
 * socket buffer, then its own, and then its writes block. Memory per connection stays bounded:
 * a batch longer than `FLUSH_AT` bytes is flushed mid-way, and replies pending in the writer
 * beyond `maxOutputBuffer` (one enormous reply, or a subscriber's burst) close that client, like
 * Redis's `client-output-buffer-limit`.
 *
 * Bad input. A protocol error is answered (`-ERR Protocol error: ...`) and closes this
 * connection only, since the parser cannot resynchronise; other clients never notice. IO errors
 * (a reset, a client gone mid-frame) end the task quietly.
 */
import { type Async, type Context, FutureBase, PENDING, type Poll } from "pollux";
import { type AsyncReadWriteBase, IoError } from "pollux/io";
import type { BroadcastReceiver } from "pollux/sync";
import { execute, type Session } from "./commands.js";
import type { Db } from "./db.js";
import type { PubSub } from "./pubsub.js";
import { NEED_MORE, ProtocolError, RespParser } from "./resp-parser.js";
import { RespWriter } from "./resp-writer.js";
import { Subscriptions } from "./subscriptions.js";

/** A byte stream the handler can serve: a `TcpStream`, a `UnixStream`, a `DuplexStream` in tests. */
export type Conn = AsyncReadWriteBase & { close(): void };

/** Flush a batch early once this many reply bytes are pending. */
const FLUSH_AT = 64 * 1024;

/** What the server shares with every handler. */
export interface Shared {
  readonly db: Db;
  readonly pubsub: PubSub;
  readonly config: ReadonlyMap<string, string>;
  /** Largest reply backlog of one connection before it is closed (bytes). */
  readonly maxOutputBuffer: number;
  /** Reports events worth a line (protocol errors, clients closed for their output). */
  readonly log: (line: string) => void;
}

const STOP = -2;
const MESSAGES = -3;

/**
 * The future a handler waits on between batches. One per connection, polled again and again
 * (it keeps no state of its own between polls), so waiting allocates nothing.
 */
class Wait extends FutureBase<number> {
  private stopRecv: FutureBase<unknown>;

  constructor(
    private readonly conn: Conn,
    private readonly parser: RespParser,
    private readonly out: RespWriter,
    private readonly session: ConnSession,
    stop: BroadcastReceiver<void>,
  ) {
    super();
    this.stopRecv = stop.recv();
  }

  poll(cx: Context): Poll<number> {
    // Shutdown first: a busy client must not delay it. Any outcome (a value, END) means stop.
    if (this.stopRecv.poll(cx) !== PENDING) return STOP;
    const subs = this.session.subs;
    if (subs !== null && subs.count > 0 && subs.pollMessages(cx, this.out)) return MESSAGES;
    const n = this.conn.pollRead(cx, this.parser.writable());
    if (n === PENDING) return PENDING;
    this.parser.commit(n);
    // No coop budget is spent here. A batch with replies ends in a write, whose future spends
    // it; and reads without replies (a large value arriving) drain only what Node has already
    // buffered for this socket (bounded by its read high-water mark), then wait for the event
    // loop. Either way a client that keeps sending cannot keep the other tasks from running.
    return n;
  }

  override cancel(): void {
    this.conn.cancelRead?.();
    this.stopRecv.cancel();
    this.session.subs?.cancelWaits();
  }

  override describe(): string {
    return `mini-redis connection (${this.conn.describe?.() ?? "stream"}) waiting for a command`;
  }
}

class ConnSession implements Session {
  subs: Subscriptions | null = null;
  quit = false;

  constructor(
    readonly db: Db,
    readonly pubsub: PubSub,
    readonly config: ReadonlyMap<string, string>,
  ) {}

  subscriptions(): Subscriptions {
    if (this.subs === null) this.subs = new Subscriptions(this.pubsub);
    return this.subs;
  }

  get subscriptionCount(): number {
    return this.subs === null ? 0 : this.subs.count;
  }
}

/**
 * Serve one client until it quits, disconnects, breaks the protocol, or the server stops (a
 * value or the end of `stop`). Closes `conn` however it ends.
 *
 * @example
 * spawn(handleConnection(conn, shared, stopTx.subscribe()));
 */
export function* handleConnection(conn: Conn, shared: Shared, stop: BroadcastReceiver<void>): Async<void> {
  const parser = new RespParser();
  const out = new RespWriter();
  const session = new ConnSession(shared.db, shared.pubsub, shared.config);
  const wait = new Wait(conn, parser, out, session, stop);
  // The loop is written inline, with plain functions for the synchronous parts: a generator per
  // batch (a `yield*` helper) would cost an allocation and a frame per request.
  try {
    for (;;) {
      const n = yield* wait;
      if (n === STOP || n === 0) break;
      let state = n === MESSAGES ? DONE : runBatch(parser, out, session, shared);
      while (state === FULL) {
        // A long pipelined batch goes out in pieces: the writer never holds much more than
        // FLUSH_AT bytes plus one reply. The parser's buffer is untouched while the write waits.
        if (overLimit(out, shared)) return;
        yield* conn.writeAll(out.bytes());
        out.reset();
        state = runBatch(parser, out, session, shared);
      }
      if (out.len > 0) {
        if (overLimit(out, shared)) return;
        yield* conn.writeAll(out.bytes());
        out.reset();
      }
      if (state === CLOSE || session.quit) break;
    }
  } catch (e) {
    if (!isDisconnect(e)) throw e;
  } finally {
    session.subs?.close();
    stop.close();
    conn.close();
  }
}

/** `runBatch` outcomes: all complete commands answered; the writer is full; close after the flush. */
const DONE = 0;
const FULL = 1;
const CLOSE = 2;

/**
 * Execute the complete commands in the parser's buffer, until none is left (DONE), the replies
 * reach FLUSH_AT bytes (FULL: flush, then call again), or the connection must end after the
 * flush (CLOSE: QUIT, or a protocol error whose reply is in `out`).
 */
function runBatch(parser: RespParser, out: RespWriter, session: ConnSession, shared: Shared): number {
  for (;;) {
    let argc: number;
    try {
      argc = parser.next();
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      out.error(`ERR ${e.message}`);
      shared.log(`closing a client after a protocol error: ${e.message}`);
      return CLOSE;
    }
    if (argc === NEED_MORE) return DONE;
    execute(session, parser, argc, out);
    if (session.quit) return CLOSE;
    if (out.len >= FLUSH_AT) return FULL;
  }
}

/** True (and logged) when the pending replies pass the client's output limit: close it. */
function overLimit(out: RespWriter, shared: Shared): boolean {
  if (out.len <= shared.maxOutputBuffer) return false;
  shared.log(
    `closing a client whose pending replies (${out.len} bytes) exceed the output limit of ${shared.maxOutputBuffer} bytes`,
  );
  out.reset();
  return true;
}

/** A client that went away: nothing to report. */
function isDisconnect(e: unknown): boolean {
  return e instanceof IoError;
}
