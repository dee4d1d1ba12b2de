import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { fromPromise, ready, select } from "../../src/future/index.js";
import { type Async, Runtime, run, spawn, yieldNow } from "../../src/index.js";
import { IoError } from "../../src/io/index.js";
import { TcpListener, TcpStream } from "../../src/net/index.js";
import { pattern } from "../io/helpers.js";

const EVENTS = ["data", "end", "error", "close", "drain", "finish"] as const;

function listeners(conn: TcpStream): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of EVENTS) out[e] = conn.socket.listenerCount(e);
  return out;
}

function* pair(listener: TcpListener): Async<[TcpStream, TcpStream]> {
  const accepting = spawn(listener.accept());
  const client = yield* TcpStream.connect(listener.localAddr());
  const [server] = yield* accepting;
  return [client, server];
}

describe("TCP backpressure", () => {
  it("100 MB through copy() between two sockets to a slow reader grows RSS by less than 64 MB", async () => {
    const fixture = fileURLToPath(new URL("./fixtures/transfer.mjs", import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [fixture], { timeout: 50_000 });
    const r = JSON.parse(stdout);
    expect(r.total).toBe(100 * 1024 * 1024);
    expect(r.copied).toBe(100 * 1024 * 1024);
    expect(r.bad).toBe(0);
    expect(r.growthMB).toBeLessThan(64);
    expect(r.pendingSources).toBe(0);
  });

  it("stops reading from the kernel at the high-water mark until the task reads", async () => {
    const rt = new Runtime();
    const out = await rt.run(function* () {
      using listener = yield* TcpListener.bind("127.0.0.1:0", { readHighWaterMark: 8192 });
      const [client, server] = yield* pair(listener);
      using _c = client;
      using _s = server;
      // The writer pushes 4 MB that nobody reads: it must block, not buffer it all.
      const big = new Uint8Array(4 * 1024 * 1024);
      const writer = spawn(client.writeAll(big));
      const first = new Uint8Array(1);
      yield* server.read(first); // starts reading
      for (let i = 0; i < 200; i++) yield* yieldNow();
      yield* sleepMacrotasks(20);
      const bufferedWhileIdle = server.bufferedBytes;
      const writerDone = writer.isFinished();
      // Now drain it all: the writer completes.
      const buf = new Uint8Array(64 * 1024);
      let total = 1;
      while (total < big.length) total += yield* server.read(buf);
      yield* writer;
      return { bufferedWhileIdle, writerDone, total };
    });
    expect(out.writerDone).toBe(false);
    // mark + at most one chunk of Node's (64 KiB)
    expect(out.bufferedWhileIdle).toBeLessThanOrEqual(8192 + 65536);
    expect(out.total).toBe(4 * 1024 * 1024);
    expect(rt.metrics().pendingSources).toBe(0);
  });

  it("100,000 aborted reads leave no registration and no listener behind", async () => {
    const rt = new Runtime();
    const out = await rt.run(function* () {
      using listener = yield* TcpListener.bind("127.0.0.1:0");
      const [client, server] = yield* pair(listener);
      using _c = client;
      using _s = server;
      const before = listeners(server);
      const buf = new Uint8Array(16);
      let readWon = 0;
      for (let i = 0; i < 100_000; i++) {
        // biased: the read is polled first (and registers), then loses to the ready branch.
        const r = yield* select.biased({ read: server.read(buf), now: ready(i) });
        if (r.key === "read") readWon++;
      }
      const sourcesAfterSelects = rt.metrics().pendingSources;
      // Tasks blocked in read, aborted.
      const handles = [];
      for (let i = 0; i < 1000; i++) {
        const h = spawn(server.read(buf));
        yield* yieldNow();
        handles.push(h);
      }
      for (const h of handles) h.abort();
      for (const h of handles) {
        try {
          yield* h;
        } catch {
          // cancelled, as asked
        }
      }
      const sourcesAfterAborts = rt.metrics().pendingSources;
      const after = listeners(server);
      // The stream still works: nothing was lost or left registered.
      yield* client.writeAll(new Uint8Array([42]));
      const one = new Uint8Array(1);
      yield* server.readExact(one);
      return { readWon, sourcesAfterSelects, sourcesAfterAborts, before, after, byte: one[0] };
    });
    expect(out.readWon).toBe(0);
    expect(out.sourcesAfterSelects).toBe(0);
    expect(out.sourcesAfterAborts).toBe(0);
    expect(out.after).toEqual(out.before);
    expect(out.byte).toBe(42);
    expect(rt.metrics().pendingSources).toBe(0);
  });

  it("a task waiting on a socket is not a deadlock; close wakes it with an error", async () => {
    const rt = new Runtime();
    const out = await rt.run(function* () {
      using listener = yield* TcpListener.bind("127.0.0.1:0");
      const [client, server] = yield* pair(listener);
      using _c = client;
      const reader = spawn(
        (function* () {
          try {
            return yield* server.read(new Uint8Array(4));
          } catch (e) {
            return e;
          }
        })(),
      );
      yield* sleepMacrotasks(30);
      const registered = rt.metrics().pendingSources;
      const awaits = rt.tasks().map((t) => t.awaits);
      server.close();
      const result = yield* reader;
      return { registered, result, awaits };
    });
    expect(out.registered).toBeGreaterThanOrEqual(1);
    expect(out.awaits.some((a) => /TcpStream\(127\.0\.0\.1:\d+\)\.read\(\)/.test(a))).toBe(true);
    expect(out.result).toBeInstanceOf(Error);
    expect(rt.metrics().pendingSources).toBe(0);
  });
});

describe("closing and the accept queue", () => {
  it("close wakes a writer blocked on a full send buffer with an error and releases it", async () => {
    const rt = new Runtime();
    const out = await rt.run(function* () {
      using listener = yield* TcpListener.bind("127.0.0.1:0");
      const [client, server] = yield* pair(listener);
      using _s = server; // never reads: the client's writes fill every buffer
      const writer = spawn(
        (function* () {
          try {
            yield* client.writeAll(new Uint8Array(32 * 1024 * 1024));
            return null;
          } catch (e) {
            return e;
          }
        })(),
      );
      while (rt.metrics().pendingSources === 0) yield* sleepMacrotasks(1);
      client.close();
      return yield* writer;
    });
    expect(out).toBeInstanceOf(IoError);
    expect((out as IoError).kind).toBe("BrokenPipe");
    expect(rt.metrics().pendingSources).toBe(0);
  });

  it("writes Node still holds keep their bytes: pool memory is reused only once Node is done with it", async () => {
    // Small writes to a peer that reads nothing for a while: the kernel's buffers fill, Node queues
    // the later writes (their bytes still in the write pool), then the peer reads it all. Writes
    // that went to the kernel at once give their pool bytes back at once; queued ones must not.
    const out = await run(function* () {
      using listener = yield* TcpListener.bind("127.0.0.1:0");
      const [client, server] = yield* pair(listener);
      using _c = client;
      using _s = server;
      // More than loopback sockets buffer in the kernel (a few MB each way), so Node must queue.
      const data = pattern(32 * 1024 * 1024, 7);
      const writer = spawn(
        (function* () {
          let off = 0;
          for (let i = 1; off < data.length; i++) {
            const n = Math.min(data.length - off, 1 + ((i * 7919) % (16 * 1024)));
            yield* server.writeAll(data.subarray(off, off + n));
            off += n;
          }
          yield* server.shutdown();
        })(),
      );
      yield* sleepMacrotasks(30);
      const queuedByNode = server.socket.writableLength;
      const got = yield* client.readToEnd({ limit: data.length });
      yield* writer;
      return { queuedByNode, same: Buffer.compare(Buffer.from(got), Buffer.from(data)) };
    });
    expect(out.queuedByNode).toBeGreaterThan(0);
    expect(out.same).toBe(0);
  });

  it("connections beyond the backlog are closed and counted, the others queued", async () => {
    const out = await run(function* () {
      using listener = yield* TcpListener.bind("127.0.0.1:0", { backlog: 2 });
      const clients: TcpStream[] = [];
      for (let i = 0; i < 5; i++) clients.push(yield* TcpStream.connect(listener.localAddr()));
      for (let i = 0; i < 200 && listener.droppedConnections < 3; i++) yield* sleepMacrotasks(1);
      const dropped = listener.droppedConnections;
      const [a] = yield* listener.accept();
      const [b] = yield* listener.accept();
      a.close();
      b.close();
      for (const c of clients) c.close();
      return dropped;
    });
    expect(out).toBe(3);
  });
});

/** Let Node's event loop run a few turns (real IO happens there). */
function* sleepMacrotasks(n: number): Async<void> {
  for (let i = 0; i < n; i++) yield* fromPromise(() => new Promise((r) => setImmediate(r)));
}
