// The server on the paused clock (key expiry, the accept loop's backoff). It runs in a
// paused-clock runtime and its clients talk to it over in-memory `duplex` streams, so no socket
// wait lets the clock jump by itself; time moves only with `advance(ms)` (or when every task
// waits on a timer).
import { type Async, asyncFn, END, Instant, pending, run, spawn } from "pollux";
import { type DuplexStream, duplex } from "pollux/io";
import { mpsc } from "pollux/sync";
import { advance } from "pollux/time";
import { describe, expect, it } from "vitest";
import type { Conn } from "../../examples/mini-redis/connection.js";
import { Db } from "../../examples/mini-redis/db.js";
import { Server } from "../../examples/mini-redis/server.js";
import { encode, type Reply, tryDecode } from "./helpers.js";

/** A listener whose connections are the server ends of in-memory streams. */
class MemoryListener {
  constructor(private readonly rx: mpsc.Receiver<Conn>) {}
  accept() {
    return acceptFrom(this.rx);
  }
  close(): void {
    this.rx.close();
  }
}

const acceptFrom = asyncFn(function* (rx: mpsc.Receiver<Conn>): Async<readonly [Conn, null]> {
  const c = yield* rx.recv();
  if (c === END) return yield* pending<never>();
  return [c, null] as const;
});

/** Send one command and read its reply over an in-memory stream. */
function* call(c: DuplexStream, ...args: string[]): Async<Reply> {
  yield* c.writeAll(encode(...args));
  let buf = Buffer.alloc(0);
  const chunk = new Uint8Array(4096);
  for (;;) {
    const got = tryDecode(buf);
    if (got !== null) return got[0];
    const n = yield* c.read(chunk);
    if (n === 0) throw new Error("server closed the stream");
    buf = Buffer.concat([buf, chunk.subarray(0, n)]);
  }
}

/** A server on a memory listener, one client, and `body`; shuts down gracefully after. */
function withServer(body: (server: Server, client: DuplexStream) => Async<void>) {
  return run(
    function* () {
      const server = new Server();
      const [tx, rx] = mpsc.channel<Conn>(4);
      const serving = spawn(server.serve(new MemoryListener(rx)));
      const [client, serverEnd] = duplex(64 * 1024);
      yield* tx.send(serverEnd);
      try {
        yield* body(server, client);
      } finally {
        server.shutdown();
        yield* serving;
        client.close();
      }
    },
    { clock: "paused" },
  );
}

describe("key expiry on the paused clock", () => {
  it("TTL counts down; the key is gone at its deadline, removed by the background task", async () => {
    await withServer(function* (server, c) {
      expect(yield* call(c, "SET", "k", "v", "EX", "10")).toBe("OK");
      expect(yield* call(c, "TTL", "k")).toBe(10);
      yield* advance(4_000);
      expect(yield* call(c, "TTL", "k")).toBe(6);
      expect(yield* call(c, "GET", "k")).toBe("v");
      yield* advance(5_999);
      expect(server.db.size).toBe(1);
      yield* advance(1);
      // Nobody touched the key: the expiry task removed it at its deadline.
      expect(server.db.size).toBe(0);
      expect(yield* call(c, "GET", "k")).toBe(null);
      expect(yield* call(c, "TTL", "k")).toBe(-2);
    });
  });

  it("an earlier deadline wakes the expiry task early (Notify), a later one does not disturb it", async () => {
    await withServer(function* (server, c) {
      expect(yield* call(c, "SET", "late", "v", "EX", "100")).toBe("OK");
      yield* advance(0); // the expiry task now sleeps until t = 100 s
      expect(yield* call(c, "SET", "soon", "v", "PX", "1500")).toBe("OK");
      expect(yield* call(c, "SET", "mid", "v")).toBe("OK");
      expect(yield* call(c, "EXPIRE", "mid", "3")).toBe(1);
      yield* advance(1_500);
      expect(server.db.size).toBe(2); // "soon" is gone without being touched
      yield* advance(1_500);
      expect(server.db.size).toBe(1); // then "mid"
      expect(yield* call(c, "GET", "late")).toBe("v");
      yield* advance(97_000);
      expect(server.db.size).toBe(0);
    });
  });

  it("a key whose TTL was replaced or cleared does not expire at the old deadline", async () => {
    await withServer(function* (server, c) {
      expect(yield* call(c, "SET", "a", "1", "EX", "5")).toBe("OK");
      expect(yield* call(c, "SET", "b", "1", "EX", "5")).toBe("OK");
      expect(yield* call(c, "EXPIRE", "a", "50")).toBe(1);
      expect(yield* call(c, "SET", "b", "2")).toBe("OK"); // plain SET: no TTL any more
      yield* advance(10_000);
      expect(yield* call(c, "GET", "a")).toBe("1");
      expect(yield* call(c, "GET", "b")).toBe("2");
      expect(yield* call(c, "TTL", "b")).toBe(-1);
      yield* advance(40_000);
      expect(server.db.size).toBe(1);
    });
  });
});

describe("shutdown", () => {
  it("closes a connection still blocked writing to a client that does not read, after the grace period", async () => {
    await run(
      function* () {
        const logs: string[] = [];
        const server = new Server({ log: (l) => logs.push(l), shutdownGraceMs: 5_000 });
        const [tx, rx] = mpsc.channel<Conn>(4);
        const serving = spawn(server.serve(new MemoryListener(rx)));
        const [client, serverEnd] = duplex(1024); // a small pipe: the server's writes block soon
        yield* tx.send(serverEnd);
        expect(yield* call(client, "SET", "big", "x".repeat(100_000))).toBe("OK");
        yield* client.writeAll(encode("GET", "big")); // and never read the reply
        yield* advance(0);
        expect(server.connected).toBe(1);
        const t0 = Instant.now();
        server.shutdown();
        yield* serving;
        expect(Instant.now().ms - t0.ms).toBe(5_000);
        expect(logs).toEqual(["closing 1 connections still busy after 5000 ms"]);
        client.close();
      },
      { clock: "paused" },
    );
  });
});

describe("the accept loop", () => {
  it("retries a failed accept after a backoff and goes on serving", async () => {
    await run(
      function* () {
        const logs: string[] = [];
        const server = new Server({ log: (l) => logs.push(l) });
        const [tx, rx] = mpsc.channel<Conn>(4);
        const inner = new MemoryListener(rx);
        let failures = 2;
        const flaky = {
          accept: () => (failures-- > 0 ? failing() : inner.accept()),
          close: () => inner.close(),
        };
        const serving = spawn(server.serve(flaky));
        const [client, serverEnd] = duplex(64 * 1024);
        yield* tx.send(serverEnd);
        expect(yield* call(client, "PING")).toBe("PONG");
        expect(logs).toEqual([
          "accept failed (EMFILE: too many open files); retrying in 1 ms",
          "accept failed (EMFILE: too many open files); retrying in 2 ms",
        ]);
        server.shutdown();
        yield* serving;
        client.close();
      },
      { clock: "paused" },
    );
  });
});

const failing = asyncFn(function* (): Async<readonly [Conn, null]> {
  throw new Error("EMFILE: too many open files");
});

describe("Db", () => {
  it("does not let stale heap entries grow without bound", async () => {
    await run(
      function* () {
        const db = new Db();
        db.set("k", new Uint8Array(1));
        for (let i = 0; i < 100_000; i++) db.expireAt("k", 1_000_000 + i);
        expect(db.purgeExpired(0)).toBe(1_000_000 + 99_999);
        expect((db as unknown as { heapAt: number[] }).heapAt.length).toBeLessThan(2_000);
      },
      { clock: "paused" },
    );
  });
});
