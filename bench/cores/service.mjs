// The service of bench/cores/service.ts: a reply per request line, ~50 µs of CPU each. The reply
// is a Redis status line, so that redis-benchmark's inline PING (a C load generator, lighter on
// the shared CPU than a Node client) can drive it.
import { END, spawn } from "pollux";
import { BufReader } from "pollux/io";
import { TcpListener } from "pollux/net";

function work(line) {
  const until = performance.now() + 0.05;
  let h = 2166136261;
  do {
    for (let i = 0; i < line.length; i++) h = Math.imul(h ^ line.charCodeAt(i), 16777619);
  } while (performance.now() < until);
  return h >>> 0;
}

const PONG = new TextEncoder().encode("+PONG\r\n");
/** Keeps the checksums alive, so the work cannot be optimized away. */
export let last = 0;

function* session(c) {
  try {
    const reader = new BufReader(c);
    for (let line = yield* reader.readLine(); line !== END; line = yield* reader.readLine()) {
      last = work(line);
      yield* c.writeAll(PONG);
    }
  } catch {
    // The load generator closes its connections when done, sometimes mid-reply (EPIPE).
  } finally {
    c.close();
  }
}

export function* acceptLoop(listener) {
  for (;;) {
    const [conn] = yield* listener.accept();
    conn.setNoDelay(true);
    spawn(session(conn));
  }
}

export function* serveFd(fd) {
  const listener = yield* TcpListener.fromFd(fd);
  try {
    yield* acceptLoop(listener);
  } finally {
    listener.close();
  }
}
