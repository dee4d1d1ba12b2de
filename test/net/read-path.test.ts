/**
 * The two ways a socket stream reads: Node's `onread` into the shared buffer (every stream pollux
 * makes, when the running Node allows it) and 'data' events (the fallback). Both must deliver every
 * byte in order, end of stream, and stop reading at the high-water mark.
 */

import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fromPromise } from "../../src/future/index.js";
import { type Async, Runtime, run, spawn, yieldNow } from "../../src/index.js";
import { TcpListener, TcpStream, UnixListener, UnixStream } from "../../src/net/index.js";
import { adoptOnRead } from "../../src/net/user-buffer-read.js";
import { pattern } from "../io/helpers.js";

/** Write `data` in pieces of varying size (so reads see every kind of split), then half-close. */
function* writeInPieces(conn: TcpStream | UnixStream, data: Uint8Array, largest = 20_000): Async<void> {
  let off = 0;
  for (let i = 1; off < data.length; i++) {
    const n = Math.min(data.length - off, (i * 7919) % largest || 1);
    yield* conn.writeAll(data.subarray(off, off + n));
    off += n;
    if (i % 5 === 0) yield* yieldNow();
  }
  yield* conn.shutdown();
}

const dir = mkdtempSync(join(tmpdir(), "pollux-read-path-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("socket read path", () => {
  it("TCP streams, accepted and connected, read through onread: no 'data' listener, every byte both ways", async () => {
    const out = await run(function* () {
      using listener = yield* TcpListener.bind("127.0.0.1:0");
      const accepting = spawn(listener.accept());
      using client = yield* TcpStream.connect(listener.localAddr());
      const [server] = yield* accepting;
      using s = server;
      const up = pattern(1_000_000, 1);
      const down = pattern(700_000, 2);
      const w1 = spawn(writeInPieces(client, up));
      const w2 = spawn(writeInPieces(s, down));
      const gotUp = yield* s.readToEnd();
      const gotDown = yield* client.readToEnd();
      yield* w1;
      yield* w2;
      return {
        modes: [client.readsViaOnRead, s.readsViaOnRead],
        dataListeners: client.socket.listenerCount("data") + s.socket.listenerCount("data"),
        up: Buffer.compare(Buffer.from(gotUp), Buffer.from(up)),
        down: Buffer.compare(Buffer.from(gotDown), Buffer.from(down)),
      };
    });
    expect(out).toEqual({ modes: [true, true], dataListeners: 0, up: 0, down: 0 });
  });

  it("Unix streams read through onread too", async () => {
    const path = join(dir, "onread.sock");
    const out = await run(function* () {
      using listener = yield* UnixListener.bind(path);
      const accepting = spawn(listener.accept());
      using client = yield* UnixStream.connect(path);
      const [server] = yield* accepting;
      using s = server;
      const data = pattern(300_000, 3);
      const w = spawn(writeInPieces(client, data));
      const got = yield* s.readToEnd();
      yield* w;
      return {
        modes: [client.readsViaOnRead, s.readsViaOnRead],
        same: Buffer.compare(Buffer.from(got), Buffer.from(data)),
      };
    });
    expect(out).toEqual({ modes: [true, true], same: 0 });
  });

  it("many streams sharing the one read buffer and the recycled read buffers each get their own bytes", async () => {
    const ok = await run(function* () {
      using listener = yield* TcpListener.bind("127.0.0.1:0");
      const port = listener.localAddr().port;
      const servers = spawn(
        (function* () {
          const echoes = [];
          for (let i = 0; i < 40; i++) {
            const [conn] = yield* listener.accept();
            echoes.push(
              spawn(
                (function* () {
                  using c = conn;
                  // Small reads: a large read's buffer is taken in many pieces while other
                  // streams' reads arrive (a buffer recycled too early would be overwritten).
                  const buf = new Uint8Array(700);
                  for (let n = yield* c.read(buf); n > 0; n = yield* c.read(buf))
                    yield* c.writeAll(buf.subarray(0, n));
                  yield* c.shutdown();
                })(),
              ),
            );
          }
          for (const e of echoes) yield* e;
        })(),
      );
      const clients = [];
      for (let i = 0; i < 40; i++) {
        clients.push(
          spawn(
            (function* () {
              using conn = yield* TcpStream.connect({ host: "127.0.0.1", port });
              const data = pattern(150_000 + i * 101, 100 + i);
              const w = spawn(writeInPieces(conn, data, 64 * 1024));
              const back = yield* conn.readToEnd();
              yield* w;
              return Buffer.compare(Buffer.from(back), Buffer.from(data)) === 0;
            })(),
          ),
        );
      }
      const results = [];
      for (const c of clients) results.push(yield* c);
      yield* servers;
      return results;
    });
    expect(ok.every(Boolean)).toBe(true);
  });

  it("a socket that is already reading is not switched: it falls back to 'data' events and loses nothing", async () => {
    const rt = new Runtime();
    const out = await rt.run(function* () {
      using listener = yield* TcpListener.bind("127.0.0.1:0");
      const port = listener.localAddr().port;
      // A Node socket that was already flowing before pollux got it (as an adapter might hand over).
      const socket = net.connect({ host: "127.0.0.1", port });
      socket.resume();
      const [server] = yield* listener.accept();
      using s = server;
      while (socket.connecting) yield* yieldNow();
      expect(adoptOnRead(socket, () => true)).toBe(false);
      using client = new TcpStream(socket, 8192);
      const data = pattern(400_000, 4);
      const w = spawn(writeInPieces(s, data));
      // Nobody reads for a while: the 'data' path must stop at the mark as well.
      for (let i = 0; i < 50; i++) yield* yieldNow();
      yield* sleepMacrotasks(10);
      const bufferedWhileIdle = client.bufferedBytes;
      const got = yield* client.readToEnd();
      yield* w;
      return {
        mode: client.readsViaOnRead,
        dataListeners: socket.listenerCount("data"),
        bufferedWhileIdle,
        same: Buffer.compare(Buffer.from(got), Buffer.from(data)),
      };
    });
    expect(out.mode).toBe(false);
    expect(out.dataListeners).toBe(1);
    expect(out.bufferedWhileIdle).toBeLessThanOrEqual(8192 + 65536);
    expect(out.same).toBe(0);
    expect(rt.metrics().pendingSources).toBe(0);
  });
});

/** Let Node's event loop turn `n` times (bytes arrive) without the task reading. */
function* sleepMacrotasks(n: number): Async<void> {
  for (let i = 0; i < n; i++) yield* fromPromise(() => new Promise<void>((res) => setImmediate(res)));
}
