/**
 * A port of a small Tokio program: a line-ingest service with a batching writer.
 *
 *   npm run build && node --import tsx examples/tokio-port.ts
 *
 * Prints `1000 lines written in N batches` and exits 0.
 *
 * The Tokio program it mirrors, line for line in shape (a common `tokio` + `tokio-util` +
 * `tokio-stream` layout):
 *
 *   #[tokio::main]
 *   async fn main() {
 *       let token = CancellationToken::new();
 *       let _stop = token.clone().drop_guard();              // helpers stop when it is dropped
 *       let (tx, rx) = mpsc::channel::<String>(1024);
 *       let (stats_tx, stats_rx) = mpsc::unbounded_channel::<usize>();
 *       let (done_tx, done_rx) = oneshot::channel();
 *       let handle = Handle::current();                      // for code outside the runtime
 *       let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
 *       std::thread::spawn(move || for conn in listener.incoming() {
 *           // a callback-style accept loop: spawn onto the runtime through the handle
 *           handle.spawn(forward(lines_of(conn), tx.clone()));
 *       });
 *       let helpers = [
 *           tokio::spawn(writer(ReceiverStream::new(rx).chunks_timeout(100, ms(20)), stats_tx, token.child_token())),
 *           tokio::spawn(stats(stats_rx, EXPECTED, done_tx, token.child_token())),
 *       ];
 *       run_clients(addr);
 *       println!("{}", done_rx.await?);
 *       drop(_stop);                                         // the token is cancelled
 *       for h in helpers { h.await?; }                       // the helpers saw it and returned
 *   }
 *
 * (`writer` does `token.run_until_cancelled(batches.next())` and an INSERT per batch; `stats`
 * drains batch sizes with `stats_rx.recv_many(&mut sizes, 64)`.)
 *
 * What differs, and why: Node has no blocking accept thread, so the accept loop is a `node:net`
 * server callback (the same situation: code that is not a task and must spawn onto the runtime);
 * Rust's `Drop` of the guard is `using`; `ReceiverStream::new(rx)` is `rx.stream()`.
 */
import { connect, createServer, type Server } from "node:net";
import { type Async, END, fromPromise } from "pollux/future";
import { Handle, runMain } from "pollux/runtime";
import type { StreamBase } from "pollux/stream";
import { mpsc, type OneshotSender, oneshot } from "pollux/sync";
import { CANCELLED, CancellationToken, type JoinHandle, spawn } from "pollux/task";
import { sleep } from "pollux/time";

const CLIENTS = 4;
const LINES_PER_CLIENT = 250;
const EXPECTED = CLIENTS * LINES_PER_CLIENT;

/** `handle.spawn(forward(lines, tx))`: push one chunk's lines into the bounded channel (backpressure). */
function* forward(lines: string[], tx: mpsc.Sender<string>): Async<void> {
  for (const line of lines) yield* tx.send(line);
}

/** The batching writer: up to 100 lines per "database write", at most 20 ms late. */
function* writer(
  batches: StreamBase<string[]>,
  stats: mpsc.UnboundedSender<number>,
  token: CancellationToken,
): Async<void> {
  for (;;) {
    const batch = yield* token.runUntilCancelled(batches.next());
    if (batch === CANCELLED || batch === END) return;
    yield* sleep(2); // the INSERT of `batch.length` rows
    stats.send(batch.length);
  }
}

/** Drains batch sizes 64 at a time with `recvMany`, and reports once every line was written. */
function* stats(
  rx: mpsc.UnboundedReceiver<number>,
  expected: number,
  done: OneshotSender<string>,
  token: CancellationToken,
): Async<void> {
  const sizes: number[] = [];
  let rows = 0;
  let batches = 0;
  for (;;) {
    const n = yield* token.runUntilCancelled(rx.recvMany(sizes, 64));
    if (n === CANCELLED || n === END) return;
    for (const size of sizes) rows += size;
    batches += sizes.length;
    sizes.length = 0;
    if (rows === expected) done.send(`${rows} lines written in ${batches} batches`);
  }
}

/** Clients: each sends its lines in a few writes, then closes. */
function runClients(port: number): Promise<void> {
  const one = (c: number) =>
    new Promise<void>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => {
        const lines = Array.from({ length: LINES_PER_CLIENT }, (_, i) => `client ${c} line ${i}\n`);
        socket.end(lines.join(""));
      });
      socket.on("close", () => resolve());
      socket.on("error", reject);
    });
  return Promise.all(Array.from({ length: CLIENTS }, (_, c) => one(c))).then(() => undefined);
}

function* main(): Async<void> {
  const token = new CancellationToken();
  const [tx, rx] = mpsc.channel<string>(1024);
  const [statsTx, statsRx] = mpsc.unbounded<number>();
  const [doneTx, doneRx] = oneshot<string>();
  const handle = Handle.current();

  const server = createServer((socket) => {
    // Node callbacks run outside any task: spawn onto the runtime through the handle.
    let partial = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop()!;
      handle.spawn(forward(lines, tx), { name: "forward" });
    });
  });
  const helpers: JoinHandle<void>[] = [];
  try {
    using _stop = token.dropGuard(); // cancels the token when this block exits, however it exits
    const port = yield* listen(server);
    const batches = rx.stream().chunksTimeout(100, 20); // ReceiverStream::new(rx).chunks_timeout(..)
    helpers.push(spawn(writer(batches, statsTx, token.child()), { name: "writer" }));
    helpers.push(spawn(stats(statsRx, EXPECTED, doneTx, token.child()), { name: "stats" }));
    const clients = runClients(port);
    console.log(yield* doneRx);
    yield* fromPromise(() => clients);
  } finally {
    server.close();
  }
  for (const h of helpers) yield* h; // they saw the cancellation and returned
}

function* listen(server: Server): Async<number> {
  yield* fromPromise(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)));
  return (server.address() as { port: number }).port;
}

runMain(main);
