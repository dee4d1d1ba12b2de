/**
 * The service of examples/cores/main.ts, in its own module so that every runtime (the main
 * thread's and each worker runtime's) imports the same code: a line protocol where each request
 * costs ~50 µs of CPU and the answer names the thread that served it.
 */
import { threadId } from "node:worker_threads";
import { type Async, END, spawn } from "pollux";
import { BufReader } from "pollux/io";
import { TcpListener, type TcpStream } from "pollux/net";

/** ~50 µs of CPU: a checksum over the request, repeated until the time is spent. */
function work(line: string): number {
  const until = performance.now() + 0.05;
  let h = 2166136261;
  do {
    for (let i = 0; i < line.length; i++) h = Math.imul(h ^ line.charCodeAt(i), 16777619);
  } while (performance.now() < until);
  return h >>> 0;
}

const encoder = new TextEncoder();

/** One connection: a reply line per request line, until the client closes. */
function* session(conn: TcpStream): Async<void> {
  using c = conn;
  const reader = new BufReader(c);
  for (let line = yield* reader.readLine(); line !== END; line = yield* reader.readLine()) {
    yield* c.writeAll(encoder.encode(`${work(line)} ${threadId}\n`));
  }
}

/** Accept on `listener` forever, a task per connection. */
export function* acceptLoop(listener: TcpListener): Async<void> {
  for (;;) {
    const [conn] = yield* listener.accept();
    conn.setNoDelay(true);
    spawn(session(conn), { name: "session" });
  }
}

/**
 * The worker runtimes' entry: accept on the main runtime's listening socket, by descriptor.
 * Aborting this task (the main runtime does it at shutdown) closes the listener.
 */
export function* serveFd(fd: number): Async<void> {
  using listener = yield* TcpListener.fromFd(fd);
  yield* acceptLoop(listener);
}
