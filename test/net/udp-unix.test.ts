import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fromPromise } from "../../src/future/index.js";
import { type Async, Runtime, run, spawn } from "../../src/index.js";
import { IoError } from "../../src/io/index.js";
import { UdpSocket, UnixListener, UnixStream } from "../../src/net/index.js";

const dir = mkdtempSync(join(tmpdir(), "pollux-net-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const enc = new TextEncoder();
const dec = new TextDecoder();

function* turns(n: number): Async<void> {
  for (let i = 0; i < n; i++) yield* fromPromise(() => new Promise((r) => setImmediate(r)));
}

describe("UDP", () => {
  it("round trip: sendTo / recvFrom, then connect + send / recv", async () => {
    const rt = new Runtime();
    const out = await rt.run(function* () {
      using a = yield* UdpSocket.bind("127.0.0.1:0");
      using b = yield* UdpSocket.bind({ host: "127.0.0.1", port: 0 });
      expect(yield* a.sendTo(enc.encode("ping"), b.localAddr())).toBe(4);
      const buf = new Uint8Array(1500);
      const [n, from] = yield* b.recvFrom(buf);
      expect(from.port).toBe(a.localAddr().port);
      const got = dec.decode(buf.subarray(0, n));
      yield* b.connect(from);
      expect(b.peerAddr()?.port).toBe(a.localAddr().port);
      yield* b.send(enc.encode("pong!"));
      const m = yield* a.recv(buf);
      // A datagram longer than the buffer is truncated.
      yield* a.sendTo(enc.encode("0123456789"), b.localAddr());
      const small = new Uint8Array(4);
      const t = yield* b.recv(small);
      return { got, back: dec.decode(buf.subarray(0, m)), t, small: dec.decode(small) };
    });
    expect(out).toEqual({ got: "ping", back: "pong!", t: 4, small: "0123" });
    expect(rt.metrics().pendingSources).toBe(0);
  });

  it("drops and counts datagrams beyond the receive queue", async () => {
    const out = await run(function* () {
      using a = yield* UdpSocket.bind("127.0.0.1:0");
      using b = yield* UdpSocket.bind("127.0.0.1:0", { recvQueueBytes: 1000 });
      const payload = new Uint8Array(100);
      for (let i = 0; i < 50; i++) yield* a.sendTo(payload, b.localAddr());
      yield* turns(20);
      let received = 0;
      const buf = new Uint8Array(200);
      while (received + b.droppedDatagrams < 50) {
        yield* b.recv(buf);
        received++;
      }
      return { received, dropped: b.droppedDatagrams };
    });
    expect(out.received).toBeLessThanOrEqual(10);
    expect(out.received + out.dropped).toBe(50);
  });

  it("send on an unconnected socket and use after close are clear errors", async () => {
    const out = await run(function* () {
      const s = yield* UdpSocket.bind("127.0.0.1:0");
      let notConnected: unknown;
      try {
        yield* s.send(new Uint8Array(1));
      } catch (e) {
        notConnected = e;
      }
      const waiting = spawn(
        (function* () {
          try {
            return yield* s.recv(new Uint8Array(1));
          } catch (e) {
            return e;
          }
        })(),
      );
      yield* turns(2);
      s.close();
      return { notConnected, closed: yield* waiting };
    });
    expect((out.notConnected as IoError).kind).toBe("InvalidInput");
    expect((out.notConnected as IoError).message).toMatch(/connect/);
    expect(out.closed).toBeInstanceOf(IoError);
  });
});

describe("Unix sockets", () => {
  it("echo over a path, with half-close, addresses and using", async () => {
    const path = join(dir, "echo.sock");
    const rt = new Runtime();
    const out = await rt.run(function* () {
      using listener = yield* UnixListener.bind(path);
      expect(listener.localAddr().path).toBe(path);
      const server = spawn(
        (function* () {
          const [conn, addr] = yield* listener.accept();
          using c = conn;
          expect(addr.path).toBeNull();
          const req = yield* c.readToString();
          yield* c.writeAll(enc.encode(req.toUpperCase()));
          yield* c.shutdown();
        })(),
      );
      using conn = yield* UnixStream.connect(path);
      expect(conn.peerAddr().path).toBe(path);
      yield* conn.writeAll(enc.encode("hello unix"));
      yield* conn.shutdown();
      const reply = yield* conn.readToString();
      yield* server;
      return reply;
    });
    expect(out).toBe("HELLO UNIX");
    expect(rt.metrics().pendingSources).toBe(0);
  });

  it("connecting to a missing path is NotFound naming it; binding an existing path is AddrInUse", async () => {
    const missing = join(dir, "nobody.sock");
    const taken = join(dir, "taken.sock");
    const out = await run(function* () {
      let notFound: unknown;
      try {
        yield* UnixStream.connect(missing);
      } catch (e) {
        notFound = e;
      }
      using _l = yield* UnixListener.bind(taken);
      let inUse: unknown;
      try {
        yield* UnixListener.bind(taken);
      } catch (e) {
        inUse = e;
      }
      return { notFound, inUse };
    });
    expect((out.notFound as IoError).kind).toBe("NotFound");
    expect((out.notFound as IoError).address).toBe(missing);
    expect((out.inUse as IoError).kind).toBe("AddrInUse");
    expect(() => UnixStream.connect("")).toThrow(/Unix socket path/);
  });
});
