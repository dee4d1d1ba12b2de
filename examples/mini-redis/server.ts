/**
 * The server: accepts connections, caps them, expires keys, and shuts down gracefully.
 *
 * HOW the cap works. A `Semaphore` holds one permit per allowed client. Each accepted connection
 * tries to take one without waiting (`tryAcquire`): with none free, the client is told
 * `-ERR max number of clients reached` and closed, as Redis does (waiting instead would leave it
 * hanging with no answer). The handler task holds its permit with `using`, so it is returned
 * however the task ends.
 *
 * HOW shutdown works (`shutdown()`, or the `shutdown` future of the options, e.g. Ctrl-C). In
 * order: stop accepting (the listener is closed, so new clients are refused by the kernel); send
 * on the `stop` broadcast, which every handler waits on between batches (a handler finishes the
 * batch it is serving and flushes it first); then wait until every handler is gone, which is the
 * same as getting back every permit of the semaphore: `acquire(maxClients)` completes exactly when
 * the last handler released its own. A handler that is still blocked writing to a client that
 * does not read when the grace period (`shutdownGraceMs`) ends has its connection closed. Then the
 * expiry task is cancelled and `serve` returns.
 */
import { type Async, type Future, type JoinHandle, select, sleep, spawn } from "pollux";
import { type IntoFuture, intoFuture } from "pollux/future";
import type { TcpListener } from "pollux/net";
import { type BroadcastReceiver, type BroadcastSender, broadcast, Notify, Semaphore } from "pollux/sync";
import { type Conn, handleConnection, type Shared } from "./connection.js";
import { Db } from "./db.js";
import { expireKeys } from "./expiry.js";
import { PubSub } from "./pubsub.js";

/**
 * Options of {@link Server} and {@link serve}.
 *
 * @example
 * serve(listener, { maxClients: 1000, shutdown: ctrlC() });
 */
export interface ServerOptions {
  /** Connections served at once; the next one is refused with an error. Default 250. */
  maxClients?: number;
  /** Reply bytes one connection may have pending before it is closed. Default 64 MiB. */
  maxOutputBuffer?: number;
  /** Messages a subscriber may fall behind before it skips ahead. Default 1024. */
  pubsubCapacity?: number;
  /**
   * On shutdown, how long connections get to finish (ms) before they are closed: a handler
   * blocked writing to a client that does not read would otherwise hold the shutdown forever.
   * Default 10,000.
   */
  shutdownGraceMs?: number;
  /** When this future completes, the server shuts down gracefully. */
  shutdown?: IntoFuture<unknown>;
  /** Where to report protocol errors and closed clients. Default: nothing. */
  log?: (line: string) => void;
}

/** A listener the server can accept from (`TcpListener`, `UnixListener`). */
export interface Listener {
  accept(): Future<readonly [Conn, unknown]>;
  close(): void;
}

/**
 * A mini-redis server. `serve(listener)` runs it; `shutdown()` stops it gracefully.
 *
 * @example
 * const server = new Server({ maxClients: 10 });
 * spawn(server.serve(listener));
 * // ...
 * server.shutdown();
 */
export class Server {
  readonly db = new Db();
  readonly pubsub: PubSub;
  readonly maxClients: number;
  /** Connections refused because `maxClients` were connected. */
  refused = 0;
  /** Connections accepted and served so far. */
  accepted = 0;

  private readonly shared: Shared;
  private readonly permits: Semaphore;
  private readonly stopTx: BroadcastSender<void>;
  private readonly stopRx: BroadcastReceiver<void>;
  private readonly stopping = new Notify();
  private stopped = false;
  private readonly shutdownFuture: IntoFuture<unknown> | undefined;
  private readonly graceMs: number;
  /** Connections being served, so that the end of the grace period can close them. */
  private readonly live = new Set<Conn>();

  constructor(options: ServerOptions = {}, config: ReadonlyMap<string, string> = new Map()) {
    this.maxClients = options.maxClients ?? 250;
    if (!Number.isInteger(this.maxClients) || this.maxClients < 1) {
      throw new RangeError(`maxClients must be a positive integer; got ${String(options.maxClients)}`);
    }
    this.pubsub = new PubSub(options.pubsubCapacity ?? 1024);
    this.permits = new Semaphore(this.maxClients);
    [this.stopTx, this.stopRx] = broadcast<void>(1);
    this.shutdownFuture = options.shutdown;
    this.graceMs = options.shutdownGraceMs ?? 10_000;
    const fullConfig = new Map<string, string>([
      ["save", ""],
      ["appendonly", "no"],
      ["databases", "1"],
      ["maxclients", String(this.maxClients)],
      ["timeout", "0"],
      ...config,
    ]);
    this.shared = {
      db: this.db,
      pubsub: this.pubsub,
      config: fullConfig,
      maxOutputBuffer: options.maxOutputBuffer ?? 64 * 1024 * 1024,
      log: options.log ?? (() => {}),
    };
  }

  /** Connections being served now. */
  get connected(): number {
    return this.maxClients - this.permits.availablePermits;
  }

  /** Begin a graceful shutdown: `serve` returns once every connection has finished. Idempotent. */
  shutdown(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stopping.notifyWaiters();
  }

  /**
   * Accept and serve connections from `listener` until `shutdown()` (or the options' `shutdown`
   * future), then close the listener, stop every handler and wait for them. Closes the listener.
   */
  *serve(listener: Listener): Async<void> {
    const expiry = spawn(expireKeys(this.db), { name: "mini-redis expiry" });
    const trigger = this.shutdownFuture === undefined ? null : spawn(waitThenStop(this, this.shutdownFuture));
    try {
      let backoff = 1;
      while (!this.stopped) {
        // A fresh `notified()` per accept (select cancels the loser). A shutdown() that ran
        // before it was created set `stopped`, which the loop condition checks first.
        let r: { key: "stop"; value: void } | { key: "conn"; value: readonly [Conn, unknown] };
        try {
          r = yield* select.biased({ stop: this.stopping.notified(), conn: listener.accept() });
        } catch (e) {
          // An accept can fail for reasons that pass (too many open files): wait and retry,
          // doubling the wait, as Tokio's mini-redis does; give up after about a minute.
          if (backoff > MAX_BACKOFF_MS) throw e;
          this.shared.log(`accept failed (${(e as Error).message}); retrying in ${backoff} ms`);
          yield* sleep(backoff);
          backoff *= 2;
          continue;
        }
        if (r.key === "stop") break;
        backoff = 1;
        const conn = r.value[0];
        const permit = this.permits.tryAcquire();
        if (permit === undefined) {
          this.refused++;
          spawn(refuse(conn), { name: "mini-redis refuse" });
          continue;
        }
        this.accepted++;
        // Replies are small and written once per batch: send them now, not after Nagle's delay
        // (Redis sets TCP_NODELAY too).
        if (hasNoDelay(conn)) conn.setNoDelay(true);
        spawn(serveOne(conn, permit, this.live, this.shared, this.stopTx.subscribe()), {
          name: "mini-redis client",
        });
      }
    } finally {
      this.stopped = true;
      listener.close();
      this.stopTx.send(); // every handler holds a receiver (this.stopRx keeps the channel open)
      this.stopTx.close();
      try {
        // Every permit back = every handler gone. Handlers still busy when the grace period ends
        // (blocked writing to a client that does not read) get their connection closed: their
        // pending write fails and they end.
        const r = yield* select.biased({
          all: this.permits.acquire(this.maxClients),
          grace: sleep(this.graceMs),
        });
        if (r.key === "all") r.value.release();
        else {
          this.shared.log(`closing ${this.live.size} connections still busy after ${this.graceMs} ms`);
          for (const conn of this.live) conn.close();
          using _all = yield* this.permits.acquire(this.maxClients);
        }
      } finally {
        this.stopRx.close();
        expiry.abort();
        trigger?.abort();
        yield* settled(expiry);
        if (trigger !== null) yield* settled(trigger);
      }
    }
  }
}

function hasNoDelay(conn: Conn): conn is Conn & { setNoDelay(on: boolean): void } {
  return typeof (conn as { setNoDelay?: unknown }).setNoDelay === "function";
}

/** Serve one client with its permit: `using` returns the permit however the handler ends. */
function* serveOne(
  conn: Conn,
  permit: Disposable,
  live: Set<Conn>,
  shared: Shared,
  stop: BroadcastReceiver<void>,
): Async<void> {
  using _permit = permit;
  live.add(conn);
  try {
    yield* handleConnection(conn, shared, stop);
  } finally {
    live.delete(conn);
  }
}

/** Longest wait between failed accepts before `serve` gives up (1 + 2 + ... + 32768 ms ≈ 65 s). */
const MAX_BACKOFF_MS = 32_768;

const MAX_CLIENTS_REACHED = new TextEncoder().encode("-ERR max number of clients reached\r\n");

/** Tell a client over the cap why, then close it. */
function* refuse(conn: Conn): Async<void> {
  try {
    yield* conn.writeAll(MAX_CLIENTS_REACHED);
  } catch {
    // it left already
  } finally {
    conn.close();
  }
}

/** Wait for an aborted task to finish its cleanup; its cancellation is expected, not an error. */
function* settled(task: JoinHandle<void>): Async<void> {
  try {
    yield* task;
  } catch {
    // JoinError (cancelled): what abort() asked for
  }
}

function* waitThenStop(server: Server, trigger: IntoFuture<unknown>): Async<void> {
  yield* intoFuture(trigger);
  server.shutdown();
}

/**
 * Run a mini-redis server on `listener` until `options.shutdown` completes (or forever).
 *
 * @example
 * using listener = yield* TcpListener.bind("127.0.0.1:6379");
 * yield* serve(listener, { shutdown: ctrlC() });
 */
export function serve(listener: TcpListener | Listener, options: ServerOptions = {}): Async<void> {
  return new Server(options).serve(listener as Listener);
}
