import * as net from "node:net";
import { describe, expect, it } from "vitest";
import { fromPromise, ready, select } from "../../src/future/index.js";
import { type Async, Runtime, run, spawn, yieldNow } from "../../src/index.js";
import { IoError } from "../../src/io/index.js";
import { TcpListener, TcpStream } from "../../src/net/index.js";

function* echo(conn: TcpStream): Async<void> {
  using c = conn;
  const buf = new Uint8Array(4096);
  for (let n = yield* c.read(buf); n > 0; n = yield* c.read(buf)) yield* c.writeAll(buf.subarray(0, n));
  yield* c.shutdown();
}

function* serve(listener: TcpListener, count: number): Async<void> {
  const tasks = [];
  for (let i = 0; i < count; i++) {
    const [conn] = yield* listener.accept();
    tasks.push(spawn(echo(conn)));
  }
  for (const t of tasks) yield* t;
}

function pattern(seed: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed * 2654435761;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function* client(port: number, seed: number): Async<boolean> {
  using conn = yield* TcpStream.connect({ host: "127.0.0.1", port });
  const data = pattern(seed, 20_000 + seed * 37);
  const writer = spawn(
    (function* () {
      yield* conn.writeAll(data);
      yield* conn.shutdown();
    })(),
  );
  const back = yield* conn.readToEnd();
  yield* writer;
  return back.length === data.length && Buffer.compare(Buffer.from(back), Buffer.from(data)) === 0;
}

describe("TCP", () => {
  it("echoes for 100 concurrent clients, every byte checked", async () => {
    const ok = await run(function* () {
      using listener = yield* TcpListener.bind("127.0.0.1:0");
      const { port, address, family } = listener.localAddr();
      expect(address).toBe("127.0.0.1");
      expect(family).toBe("IPv4");
      expect(port).toBeGreaterThan(0);
      const server = spawn(serve(listener, 100));
      const clients = [];
      for (let i = 0; i < 100; i++) clients.push(spawn(client(port, i)));
      const results = [];
      for (const c of clients) results.push(yield* c);
      yield* server;
      return results;
    });
    expect(ok.every(Boolean)).toBe(true);
  });

  it("readExact at end of stream is UnexpectedEof", async () => {
    const err = await run(function* () {
      using listener = yield* TcpListener.bind("127.0.0.1:0");
      const port = listener.localAddr().port;
      spawn(
        (function* () {
          const [conn] = yield* listener.accept();
          yield* conn.writeAll(new Uint8Array([1, 2, 3]));
          yield* conn.shutdown();
          conn.close();
        })(),
      );
      using conn = yield* TcpStream.connect(`127.0.0.1:${port}`);
      try {
        yield* conn.readExact(new Uint8Array(10));
        return null;
      } catch (e) {
        return e;
      }
    });
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).kind).toBe("UnexpectedEof");
  });

  it("connection refused is a typed error naming the address", async () => {
    // Find a port nobody listens on: bind, note it, close.
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const err = await run(function* () {
      try {
        yield* TcpStream.connect(`127.0.0.1:${port}`);
        return null;
      } catch (e) {
        return e;
      }
    });
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).kind).toBe("ConnectionRefused");
    expect((err as IoError).address).toBe(`127.0.0.1:${port}`);
    expect((err as IoError).message).toContain(`127.0.0.1:${port}`);
  });

  it("a reset mid-read is ConnectionReset", async () => {
    const server = net.createServer((s) => {
      s.write("hello", () => setTimeout(() => s.resetAndDestroy(), 20));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const out = await run(function* () {
        using conn = yield* TcpStream.connect({ host: "127.0.0.1", port });
        const buf = new Uint8Array(100);
        let got = 0;
        try {
          for (;;) {
            const n = yield* conn.read(buf);
            if (n === 0) return { got, err: null };
            got += n;
          }
        } catch (e) {
          return { got, err: e };
        }
      });
      expect(out.got).toBe(5);
      expect(out.err).toBeInstanceOf(IoError);
      expect((out.err as IoError).kind).toBe("ConnectionReset");
    } finally {
      server.close();
    }
  });

  it("shutdown is a half-close: the peer reads EOF and can still answer", async () => {
    const out = await run(function* () {
      using listener = yield* TcpListener.bind("127.0.0.1:0");
      const port = listener.localAddr().port;
      const srv = spawn(
        (function* () {
          const [conn, addr] = yield* listener.accept();
          using c = conn;
          expect(addr.address).toBe("127.0.0.1");
          const req = yield* c.readToString();
          yield* c.writeAll(new TextEncoder().encode(`got ${req.length} bytes: ${req}`));
          yield* c.shutdown();
        })(),
      );
      using conn = yield* TcpStream.connect(`127.0.0.1:${port}`);
      expect(conn.peerAddr().port).toBe(port);
      expect(conn.localAddr().port).toBeGreaterThan(0);
      conn.setNoDelay(true);
      yield* conn.writeAll(new TextEncoder().encode("ping"));
      yield* conn.shutdown();
      const reply = yield* conn.readToString();
      yield* srv;
      return reply;
    });
    expect(out).toBe("got 4 bytes: ping");
  });

  it("bad addresses are InvalidInput naming the value", () => {
    for (const bad of ["localhost", "127.0.0.1:99999", ":80", "::1:80", "host:abc"]) {
      let err: unknown;
      try {
        TcpStream.connect(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(IoError);
      expect((err as IoError).kind).toBe("InvalidInput");
      expect((err as IoError).message).toContain(JSON.stringify(bad));
    }
    expect(() => TcpListener.bind({ host: "127.0.0.1", port: -1 })).toThrow(/port -1/);
  });

  it("bind to a port in use is AddrInUse", async () => {
    const err = await run(function* () {
      using a = yield* TcpListener.bind("127.0.0.1:0");
      try {
        yield* TcpListener.bind(`127.0.0.1:${a.localAddr().port}`);
        return null;
      } catch (e) {
        return e;
      }
    });
    expect((err as IoError).kind).toBe("AddrInUse");
  });

  it("accept is cancel-safe: connections arriving while nobody awaits are queued", async () => {
    const got = await run(function* () {
      using listener = yield* TcpListener.bind("127.0.0.1:0");
      const port = listener.localAddr().port;
      using a = yield* TcpStream.connect(`127.0.0.1:${port}`);
      using b = yield* TcpStream.connect(`127.0.0.1:${port}`);
      yield* a.writeAll(new Uint8Array([1]));
      yield* b.writeAll(new Uint8Array([2]));
      const bytes = [];
      for (let i = 0; i < 2; i++) {
        const [conn] = yield* listener.accept();
        using c = conn;
        const one = new Uint8Array(1);
        yield* c.readExact(one);
        bytes.push(one[0]);
      }
      return bytes.sort();
    });
    expect(got).toEqual([1, 2]);
  });

  it("using closes: the peer sees EOF, a waiting accept fails after close", async () => {
    const out = await run(function* () {
      using listener = yield* TcpListener.bind("127.0.0.1:0");
      const port = listener.localAddr().port;
      const peer = spawn(
        (function* () {
          const [conn] = yield* listener.accept();
          using c = conn;
          return yield* c.read(new Uint8Array(10));
        })(),
      );
      {
        using conn = yield* TcpStream.connect(`127.0.0.1:${port}`);
        expect(conn.isClosed).toBe(false);
      }
      const n = yield* peer;
      const waiting = spawn(listener.accept());
      yield* (function* () {})();
      listener.close();
      let err: unknown = null;
      try {
        yield* waiting;
      } catch (e) {
        err = e;
      }
      return { n, err, closed: listener.isClosed };
    });
    expect(out.n).toBe(0);
    expect(out.closed).toBe(true);
    expect(out.err).toBeTruthy();
  });

  it("an aborted task's `using` closes its stream: the peer reads EOF, no registration remains", async () => {
    const rt = new Runtime();
    const out = await rt.run(function* () {
      using listener = yield* TcpListener.bind("127.0.0.1:0");
      const port = listener.localAddr().port;
      let held: TcpStream | null = null;
      const victim = spawn(
        (function* () {
          using conn = yield* TcpStream.connect(`127.0.0.1:${port}`);
          held = conn;
          yield* conn.read(new Uint8Array(8)); // blocks: the peer never writes
        })(),
      );
      const [peer] = yield* listener.accept();
      using p = peer;
      while (held === null || rt.metrics().pendingSources === 0) yield* yieldNow();
      victim.abort();
      try {
        yield* victim;
      } catch {
        // cancelled
      }
      const n = yield* p.read(new Uint8Array(8));
      return { n, closed: (held as TcpStream | null)?.isClosed };
    });
    expect(out).toEqual({ n: 0, closed: true });
    expect(rt.metrics().pendingSources).toBe(0);
  });

  it("cancelled connects destroy their half-open sockets: no registration, no socket left", async () => {
    const rt = new Runtime();
    const sockets = () => process.getActiveResourcesInfo().filter((k) => k === "TCPSocketWrap").length;
    const out = await rt.run(function* () {
      using listener = yield* TcpListener.bind("127.0.0.1:0");
      const before = sockets();
      for (let i = 0; i < 200; i++) {
        const r = yield* select.biased({ conn: TcpStream.connect(listener.localAddr()), now: ready(i) });
        expect(r.key).toBe("now");
      }
      for (let i = 0; i < 50 && sockets() > before; i++) {
        yield* fromPromise(() => new Promise((r) => setTimeout(r, 2)));
      }
      return { before, after: sockets(), sources: rt.metrics().pendingSources };
    });
    expect(out.after).toBeLessThanOrEqual(out.before);
    expect(out.sources).toBe(0);
    expect(() => TcpStream.connect("127.0.0.1:1", { readHighWaterMark: 0 })).toThrow(/readHighWaterMark/);
  });
});
