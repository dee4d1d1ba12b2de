/**
 * The console server: one HTTP server that serves the page at `/` and a WebSocket at `/ws`.
 *
 * Every `intervalMs` a timer samples the runtime (metrics for the charts, always; the task table,
 * the lints and the selected task's details only while a page is connected), encodes one update
 * and sends it to every page: the changed rows (see rows.ts) to pages that saw the previous
 * update, the whole table to the others. The update is encoded once and shared; only the selected
 * task's details, spliced onto the end, differ per page.
 *
 * A snapshot runs on the event loop, between the runtime's turns, and with 10,000 tasks reading
 * `taskMetrics()` takes milliseconds to over a hundred (see bench/console.ts). So the next update
 * waits at least `OVERHEAD_FACTOR` times as long as the last one took: the console never takes
 * more than a tenth of the event loop, however many tasks there are, at the price of slower
 * updates on a huge table.
 *
 * The console must never change what it observes: the server, its sockets and its timer are
 * unref'd, so they neither keep the process alive nor count as something that may still wake a
 * task when the runtime looks for a deadlock (it asks Node for ref'd resources only), and nothing
 * here registers with the runtime.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import type { Runtime } from "../runtime/runtime.js";
import { isLoopback, originAllowed, urlHost } from "./origin.js";
import { COLUMNS, RowTable } from "./rows.js";
import { type ConsoleMetrics, type ConsoleSource, sourceOf, type TaskSample } from "./source.js";

/** Options of {@link startConsole}. */
export interface ConsoleOptions {
  /** TCP port. Default 6669; `0` picks a free one (read it from `ready` or `url`). */
  port?: number;
  /**
   * Address to listen on. Default `"127.0.0.1"`: only this machine can connect. Anything else
   * lets everyone who can reach that address read task names, what they await and source paths,
   * so it prints a warning.
   */
  host?: string;
  /** Milliseconds between updates. Default 500; between 100 and 10,000. */
  intervalMs?: number;
}

/** A running console, from {@link startConsole}. */
export interface ConsoleServer {
  /** Resolves with the page's URL once the server listens; rejects if it cannot (port in use). */
  readonly ready: Promise<string>;
  /** The page's URL, once listening. */
  readonly url: string | undefined;
  /** Stop serving: closes every page's socket and the server. */
  close(): Promise<void>;
}

/** Charts cover this much history. */
const HISTORY_MS = 120_000;
/** The next update waits at least this many times as long as the last one took. */
const OVERHEAD_FACTOR = 9;
/** A page with this much unsent data is skipped (and later gets the whole table again). */
const MAX_BUFFERED = 8 * 1024 * 1024;

/** One figure sample: `[time, polls, wakes, busyMs, tasksAlive, queueDepth, timersPending, slowPolls]`. */
type Sample = [number, number, number, number, number, number, number, number];

interface Client {
  socket: WebSocket;
  /** Saw the previous update: the changed rows are enough. */
  synced: boolean;
  /** The task whose details the page shows. */
  detailId: number | null;
}

let page: string | null = null;

/** The page, read once; `build` copies it next to the compiled module. */
function pageHtml(): string {
  page ??= readFileSync(new URL("./page.html", import.meta.url), "utf8");
  return page;
}

function checkOptions(options: ConsoleOptions): { port: number; host: string; intervalMs: number } {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `startConsole options must be an object like { port: 6669 }; got ${String(options)}.`,
    );
  }
  const port = options.port ?? 6669;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(
      `console port must be an integer from 0 to 65535 (0 picks a free port); got ${String(port)}.`,
    );
  }
  const host = options.host ?? "127.0.0.1";
  if (typeof host !== "string" || host === "") {
    throw new TypeError(`console host must be an address such as "127.0.0.1"; got ${String(host)}.`);
  }
  const intervalMs = options.intervalMs ?? 500;
  if (typeof intervalMs !== "number" || !(intervalMs >= 100 && intervalMs <= 10_000)) {
    throw new RangeError(`console intervalMs must be between 100 and 10000; got ${String(intervalMs)}.`);
  }
  return { port, host, intervalMs };
}

class Console implements ConsoleServer {
  readonly ready: Promise<string>;
  url: string | undefined = undefined;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly source: ConsoleSource;
  private readonly table = new RowTable();
  private readonly clients = new Set<Client>();
  private readonly history: Sample[] = [];
  private readonly historyLength: number;
  private timer: NodeJS.Timeout | null = null;
  /** The latest task snapshot, for the details of a selected task. */
  private lastTasks: readonly TaskSample[] = [];
  private closed: Promise<void> | null = null;
  /** The current spacing of updates (`intervalMs`, or more when snapshots are slow). */
  private everyMs: number;
  /** When the last snapshot was taken, and its update's common fields. */
  private lastTickAt = Number.NEGATIVE_INFINITY;
  private lastBase: object | null = null;
  /** The last tick threw (reported once until a tick succeeds again). */
  private failed = false;

  constructor(
    runtime: Runtime,
    private readonly port: number,
    private readonly host: string,
    private readonly intervalMs: number,
  ) {
    this.source = sourceOf(runtime);
    this.historyLength = Math.ceil(HISTORY_MS / intervalMs);
    this.everyMs = intervalMs;
    // Large updates (the whole table for a new page, or many changed rows) are compressed: rows of
    // one shape compress about tenfold, and ws runs zlib on libuv's thread pool, off this thread.
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: 4096,
      perMessageDeflate: {
        threshold: 16 * 1024,
        serverNoContextTakeover: true,
        clientNoContextTakeover: true,
      },
    });
    this.http = createServer((req, res) => this.serve(req, res));
    this.http.on("connection", (socket) => socket.unref());
    this.http.on("upgrade", (req, socket, head) => this.upgrade(req, socket, head));
    this.ready = new Promise<string>((resolve, reject) => {
      // `on`, not `once`: a later server error must not go unhandled (rejecting again is a no-op).
      this.http.on("error", (error: NodeJS.ErrnoException) => {
        const fix =
          error.code === "EADDRINUSE"
            ? `port ${port} is in use (another console?); pass another port, or 0 for any free one`
            : `check the host and port`;
        reject(new Error(`pollux console: cannot listen on ${host}:${port}: ${error.message}; ${fix}.`));
      });
      this.http.listen(port, host, () => {
        const address = this.http.address();
        const actual = typeof address === "object" && address !== null ? address.port : port;
        this.url = `http://${urlHost(host)}:${actual}`;
        resolve(this.url);
      });
    });
    // Whoever ignores `ready` still hears about a failure, and an unhandled rejection does not
    // end a program over its debugging aid.
    this.ready.catch((error: Error) => process.stderr.write(`${error.message}\n`));
    this.http.unref();
    this.sample(this.source.metrics());
    this.schedule(intervalMs);
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" || (path !== "/" && path !== "/index.html")) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found; the console is at /\n");
      return;
    }
    res
      .writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
        "content-security-policy":
          "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'",
      })
      .end(pageHtml());
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const address = this.http.address();
    const port = typeof address === "object" && address !== null ? address.port : this.port;
    const path = (req.url ?? "").split("?")[0];
    if (path !== "/ws") {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
      return;
    }
    if (!originAllowed(req.headers.origin, req.headers.host, this.host, port)) {
      socket.end(
        "HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n" +
          "the pollux console accepts WebSocket connections only from its own page\n",
      );
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.connected(ws));
  }

  private connected(socket: WebSocket): void {
    const client: Client = { socket, synced: false, detailId: null };
    this.clients.add(client);
    socket.on("close", () => this.clients.delete(client));
    socket.on("error", () => this.clients.delete(client));
    socket.on("message", (data) => this.received(client, String(data)));
    socket.send(
      JSON.stringify({
        t: "hello",
        cols: COLUMNS,
        mode: this.source.mode,
        intervalMs: this.intervalMs,
        historyMs: HISTORY_MS,
        history: this.history,
        dump: true,
      }),
    );
    // A new page gets the table at once: from the last snapshot if it is recent (many pages
    // opening at once must not bypass the spacing of snapshots), else from a new one.
    if (this.lastBase !== null && performance.now() - this.lastTickAt < this.everyMs) {
      socket.send(`${this.fullBody(this.lastBase)}}`);
      client.synced = true;
    } else {
      this.safeTick();
    }
  }

  private received(client: Client, text: string): void {
    let msg: { t?: unknown; id?: unknown };
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (msg.t === "detail") {
      client.detailId = typeof msg.id === "number" ? msg.id : null;
      this.sendDetailNow(client);
    } else if (msg.t === "dump") {
      let text: string;
      try {
        text = this.source.dump();
      } catch (error) {
        text = `the task dump failed: ${error instanceof Error ? error.message : String(error)}`;
      }
      client.socket.send(JSON.stringify({ t: "dump", at: Date.now(), text }));
    }
  }

  private sendDetailNow(client: Client): void {
    client.socket.send(JSON.stringify({ t: "detail", detail: this.detailOf(client.detailId) }));
  }

  private detailOf(id: number | null): TaskSample | { id: number; gone: true } | null {
    if (id === null) return null;
    for (const t of this.lastTasks) if (t.id === id) return t;
    return { id, gone: true };
  }

  private sample(m: ConsoleMetrics): void {
    const s: Sample = [
      Date.now(),
      m.polls,
      m.wakesInside + m.wakesOutside + m.selfWakes,
      Math.round(m.busyMs * 100) / 100,
      m.tasksAlive,
      m.queueDepth,
      m.timersPending,
      m.slowPolls,
    ];
    this.history.push(s);
    if (this.history.length > this.historyLength) this.history.shift();
  }

  private schedule(delayMs: number): void {
    if (this.closed !== null) return;
    this.timer = setTimeout(() => {
      const started = performance.now();
      this.safeTick();
      this.everyMs = Math.max(this.intervalMs, OVERHEAD_FACTOR * (performance.now() - started));
      this.schedule(this.everyMs);
    }, delayMs);
    this.timer.unref();
  }

  /**
   * A tick from the timer: what reading the runtime throws (a runtime in an unexpected state) must
   * not end the program it observes, so it is reported once and the console carries on.
   */
  private safeTick(): void {
    try {
      this.tick();
      this.failed = false;
    } catch (error) {
      if (this.failed) return;
      this.failed = true;
      process.stderr.write(
        `pollux console: reading the runtime failed (the page keeps its last figures): ${error instanceof Error ? error.message : String(error)}\n`,
      );
    }
  }

  /** The whole table as an update, without its closing brace. */
  private fullBody(base: object): string {
    return open({
      ...base,
      full: true,
      sites: this.table.sites.map((s, i) => [i, s]),
      rows: this.table.all(),
      gone: [],
    });
  }

  /** Sample the runtime and send one update to every page. */
  private tick(): void {
    const metrics = this.source.metrics();
    this.sample(metrics);
    if (this.clients.size === 0) return;
    const started = performance.now();
    this.lastTickAt = started;
    const tasks = this.source.tasks();
    this.lastTasks = tasks;
    const { changed, gone } = this.table.update(tasks);
    const lints = this.source.lints();
    const snapshotMs = performance.now() - started;
    const base = {
      t: "update",
      at: Date.now(),
      sample: this.history[this.history.length - 1],
      metrics,
      cores: this.source.cores(),
      lints,
      total: this.table.size,
      snapshotMs: Math.round(snapshotMs * 100) / 100,
      everyMs: Math.round(this.everyMs),
    };
    this.lastBase = base;
    let delta: string | null = null;
    let full: string | null = null;
    for (const client of this.clients) {
      if (client.socket.readyState !== client.socket.OPEN) continue;
      if (client.socket.bufferedAmount > MAX_BUFFERED) {
        client.synced = false;
        continue;
      }
      let body: string;
      if (client.synced) {
        delta ??= open({ ...base, full: false, sites: this.table.newSites, rows: changed, gone });
        body = delta;
      } else {
        full ??= this.fullBody(base);
        body = full;
      }
      const detail =
        client.detailId === null ? "" : `,"detail":${JSON.stringify(this.detailOf(client.detailId))}`;
      client.socket.send(`${body}${detail}}`);
      client.synced = true;
    }
  }

  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      if (this.timer !== null) clearTimeout(this.timer);
      this.source.close();
      for (const c of this.clients) c.socket.terminate();
      this.clients.clear();
      this.wss.close();
      if (!this.http.listening) {
        resolve();
        return;
      }
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
    return this.closed;
  }
}

/** JSON of `value` without its closing brace, so that per-page fields can be appended. */
function open(value: object): string {
  return JSON.stringify(value).slice(0, -1);
}

/**
 * Serve a live console for `runtime`: a web page with the runtime's figures over the last two
 * minutes, a sortable and filterable table of every task, each task's details and poll-duration
 * histogram, the lints, and the task dump. Open the URL in a browser.
 *
 * Listens on 127.0.0.1 by default; another `host` prints a warning, since everyone who can reach
 * it can read task names and source paths. The WebSocket accepts only the console's own page
 * (any other `Origin` gets 403). The server does not keep the process alive. Full per-task
 * figures need a runtime made with `instrument: true`.
 *
 * Cost: nothing per poll. Every `intervalMs` (500) while a page is open: one snapshot of the task
 * table and one message per page with only the rows that changed.
 *
 * @example
 * import { Runtime } from "pollux/runtime";
 * import { startConsole } from "pollux/console";
 *
 * const rt = new Runtime({ instrument: true });
 * const server = startConsole(rt, { port: 6669 });
 * process.stderr.write(`pollux console: ${await server.ready}\n`);
 * await rt.run(main());
 * await server.close();
 */
export function startConsole(runtime: Runtime, options: ConsoleOptions = {}): ConsoleServer {
  const { port, host, intervalMs } = checkOptions(options);
  if (typeof runtime !== "object" || runtime === null || typeof runtime.metrics !== "function") {
    throw new TypeError(`startConsole needs a pollux Runtime as its first argument; got ${String(runtime)}.`);
  }
  if (!isLoopback(host)) {
    process.stderr.write(
      `pollux console: listening on ${host}, not 127.0.0.1: anyone who can reach this address can see ` +
        "task names, what they await and source paths. Use the default host unless you mean that.\n",
    );
  }
  return new Console(runtime, port, host, intervalMs);
}
