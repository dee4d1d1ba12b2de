// The service of bench/cores/service.ts: a reply line per request line, ~50 µs of CPU each.
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

const encoder = new TextEncoder();

function* session(c) {
  try {
    const reader = new BufReader(c);
    for (let line = yield* reader.readLine(); line !== END; line = yield* reader.readLine()) {
      yield* c.writeAll(encoder.encode(`${work(line)}\n`));
    }
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
