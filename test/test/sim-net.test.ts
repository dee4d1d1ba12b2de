/**
 * The simulated network: `pollux/net`'s TcpListener/TcpStream between hosts of a `Sim`, with
 * seeded latency, partitions (seen as timeouts, healed by repair), host crash and restart, the
 * same trace for the same seed, and no real socket opened.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { type Async, END, type Future } from "../../src/future/index.js";
import { BufReader, IoError } from "../../src/io/index.js";
import { TcpListener, TcpStream } from "../../src/net/index.js";
import { spawn } from "../../src/task/index.js";
import { Sim, SimulationError } from "../../src/test/index.js";
import { Elapsed, Instant, sleep, timeout } from "../../src/time/index.js";

const enc = new TextEncoder();

/** A line echo server on port 7000: replies "<line>!" to each line. */
function* echoServer(): Async<void> {
  using listener = yield* TcpListener.bind("0.0.0.0:7000");
  for (;;) {
    const [conn] = yield* listener.accept();
    spawn(function* () {
      using c = conn;
      const r = new BufReader(c);
      for (let line: string | typeof END; (line = yield* r.readLine()) !== END; ) {
        yield* c.writeAll(enc.encode(`${line}!\n`));
      }
    });
  }
}

/** "timed out" when `fut` hits the limit, else what it returned. */
function* orTimeout<T>(ms: number, fut: Future<T>): Async<T | string> {
  try {
    return yield* timeout(ms, fut);
  } catch (e) {
    if (e instanceof Elapsed) return "timed out";
    throw e;
  }
}

function errorOf(e: unknown): unknown {
  return e instanceof SimulationError ? e.cause : e;
}

describe("Sim: a simulated network", () => {
  it("carries a client/server exchange over TcpListener/TcpStream with host addresses", async () => {
    const sim = new Sim({ seed: 1, latencyMs: 5 });
    sim.host("server", echoServer);
    sim.client("client", function* () {
      using conn = yield* TcpStream.connect("server:7000");
      const t0 = Instant.now();
      yield* conn.writeAll(enc.encode("hello\n"));
      const line = yield* new BufReader(conn).readLine();
      return {
        line,
        rtt: t0.elapsed(),
        isTcpStream: conn instanceof TcpStream,
        peer: conn.peerAddr(),
        local: conn.localAddr(),
      };
    });
    const { value } = await sim.run();
    expect(value.client).toEqual({
      line: "hello!",
      rtt: 10,
      isTcpStream: true,
      peer: { address: "10.0.0.1", port: 7000, family: "IPv4" },
      local: { address: "10.0.0.2", port: 49152, family: "IPv4" },
    });
  });

  /** The test: a partition is a timeout to the client, and it recovers after repair. */
  function partitionRun(seed: number, trace = false): Sim {
    const sim = new Sim({ seed, latencyMs: { min: 1, max: 20 }, trace });
    sim.host("server", echoServer);
    sim.client("client", function* () {
      using conn = yield* TcpStream.connect("server:7000");
      const r = new BufReader(conn);
      const log: string[] = [];
      yield* conn.writeAll(enc.encode("one\n"));
      log.push(String(yield* timeout(1_000, r.readLine())));
      sim.partition("client", "server");
      yield* conn.writeAll(enc.encode("two\n"));
      try {
        yield* timeout(500, r.readLine());
        log.push("no timeout");
      } catch (e) {
        log.push(e instanceof Elapsed ? "timed out" : String(e));
      }
      sim.repair("client", "server");
      // The bytes held during the partition are delivered now; the read is retried.
      log.push(String(yield* timeout(1_000, r.readLine())));
      yield* conn.writeAll(enc.encode("three\n"));
      log.push(String(yield* timeout(1_000, r.readLine())));
      return log;
    });
    return sim;
  }

  it("a partition is seen as a timeout and the pair recovers after repair (100 seeds)", async () => {
    for (let seed = 1; seed <= 100; seed++) {
      const { value } = await partitionRun(seed).run();
      expect(value.client).toEqual(["one!", "timed out", "two!", "three!"]);
    }
  });

  it("the same seed gives the same trace; another seed another", async () => {
    const a = await partitionRun(42, true).run();
    const b = await partitionRun(42, true).run();
    const c = await partitionRun(43, true).run();
    expect(a.trace!.length).toBeGreaterThan(20);
    expect(b.trace).toEqual(a.trace);
    expect(c.trace).not.toEqual(a.trace);
  });

  it("replays the same networked trace in other processes", async () => {
    const fixture = fileURLToPath(new URL("./fixtures/sim-net-trace.mjs", import.meta.url));
    const inChild = async (seed: number) =>
      (
        await promisify(execFile)(process.execPath, [fixture, String(seed)], { timeout: 30_000 })
      ).stdout.trim();
    const [a, b, c] = await Promise.all([inChild(42), inChild(42), inChild(43)]);
    expect(a.split("\n")[0]).toBe('{"a":"a0!,a1!,timeout,a2!,a3!","b":"b0!,b1!,b2!,b3!"}');
    expect(a.split("\n").length).toBeGreaterThan(50);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    const { simTraceOf } = (await import(fixture)) as { simTraceOf: (seed: number) => Promise<string> };
    expect(await simTraceOf(42)).toBe(a);
  });

  it("a connect across a partition waits (a timeout bounds it) and succeeds after repair", async () => {
    const sim = new Sim({ seed: 3 });
    sim.host("server", echoServer);
    sim.client("client", function* () {
      sim.partition("server", "client");
      const first = yield* orTimeout(300, TcpStream.connect("10.0.0.1:7000"));
      sim.repair("server", "client");
      using conn = yield* timeout(300, TcpStream.connect("10.0.0.1:7000"));
      yield* conn.writeAll(enc.encode("x\n"));
      return [first, yield* new BufReader(conn).readLine()];
    });
    expect((await sim.run()).value.client).toEqual(["timed out", "x!"]);
  });

  it("a crash resets the peers' connections; a restart runs the host's main again with fresh state", async () => {
    const sim = new Sim({ seed: 5, latencyMs: 2 });
    let starts = 0;
    sim.host("server", function* () {
      starts++;
      yield* echoServer();
    });
    sim.client("client", function* () {
      const log: string[] = [];
      const conn = yield* TcpStream.connect("server:7000");
      const r = new BufReader(conn);
      yield* conn.writeAll(enc.encode("a\n"));
      log.push(String(yield* r.readLine()));
      sim.crash("server");
      try {
        yield* r.readLine();
        log.push("read after crash succeeded");
      } catch (e) {
        log.push(e instanceof IoError ? e.kind : String(e));
      }
      conn.close();
      // Down: a connect waits as for an unreachable host.
      log.push(String(yield* orTimeout(100, TcpStream.connect("server:7000"))));
      sim.restart("server");
      yield* sleep(10);
      using again = yield* TcpStream.connect("server:7000");
      yield* again.writeAll(enc.encode("b\n"));
      log.push(String(yield* new BufReader(again).readLine()));
      return log;
    });
    const { value } = await sim.run();
    expect(value.client).toEqual(["a!", "ConnectionReset", "timed out", "b!"]);
    expect(starts).toBe(2);
  });

  it("a crash across a partition reaches the peer only after the repair, as a reset", async () => {
    const sim = new Sim({ seed: 8, latencyMs: 3 });
    sim.host("server", echoServer);
    sim.client("client", function* () {
      const log: string[] = [];
      using conn = yield* TcpStream.connect("server:7000");
      const r = new BufReader(conn);
      sim.partition("client", "server");
      sim.crash("server");
      yield* conn.writeAll(enc.encode("lost\n")); // accepted into the held buffer
      log.push(String(yield* orTimeout(100, r.readLine())));
      sim.repair("client", "server");
      try {
        yield* r.readLine();
      } catch (e) {
        log.push(e instanceof IoError ? `${e.kind}: ${e.message}` : String(e));
      }
      return log;
    });
    const log = (await sim.run()).value.client as string[];
    expect(log[0]).toBe("timed out");
    expect(log[1]).toMatch(/^ConnectionReset: .*simulated host "server" crashed/);
  });

  it("never opens a real socket: binds port 80 and no TCP handle exists during the run", async () => {
    const sim = new Sim({ seed: 9 });
    sim.host("web", function* () {
      using l = yield* TcpListener.bind("0.0.0.0:80");
      const [conn] = yield* l.accept();
      conn.close();
    });
    sim.client("client", function* () {
      using conn = yield* TcpStream.connect("web:80");
      const resources = process.getActiveResourcesInfo().filter((r) => /TCP/i.test(r));
      return { resources, eof: yield* conn.read(new Uint8Array(8)) };
    });
    expect((await sim.run()).value.client).toEqual({ resources: [], eof: 0 });
  });

  it("backpressure: a writer waits while the link's buffer is full", async () => {
    const sim = new Sim({ seed: 2, latencyMs: 1 });
    sim.host("sink", function* () {
      using l = yield* TcpListener.bind("0.0.0.0:9", { readHighWaterMark: 16 });
      const [conn] = yield* l.accept();
      yield* sleep(1_000);
      const all = yield* conn.readToEnd();
      return all.length;
    });
    sim.client("client", function* () {
      using conn = yield* TcpStream.connect("sink:9");
      const t0 = Instant.now();
      yield* conn.writeAll(new Uint8Array(64));
      const waited = t0.elapsed();
      yield* conn.shutdown();
      return waited >= 1_000;
    });
    expect((await sim.run()).value.client).toBe(true);
  });

  it("fails with clear errors: refused, unknown host, port in use, bad setup", async () => {
    const sim = new Sim({ seed: 1 });
    sim.host("server", function* () {
      yield* TcpListener.bind("0.0.0.0:1");
      yield* sleep(1_000_000);
    });
    sim.client("client", function* () {
      const out: string[] = [];
      for (const addr of ["server:2", "nowhere:1"]) {
        try {
          yield* TcpStream.connect(addr);
        } catch (e) {
          out.push(`${(e as IoError).kind}: ${(e as Error).message}`);
        }
      }
      yield* TcpListener.bind("0.0.0.0:5");
      try {
        yield* TcpListener.bind("0.0.0.0:5");
      } catch (e) {
        out.push((e as IoError).kind);
      }
      return out;
    });
    const out = (await sim.run()).value.client as string[];
    expect(out[0]).toMatch(/^ConnectionRefused: .*"server" \(10\.0\.0\.1\) has no listener on port 2/);
    expect(out[1]).toMatch(
      /^NotFound: .*no simulated host "nowhere"; the hosts are server \(10\.0\.0\.1\), client/,
    );
    expect(out[2]).toBe("AddrInUse");

    const bad = new Sim({ seed: 1 });
    bad.host("a", function* () {});
    expect(() => bad.host("a", function* () {})).toThrow(/already exists/);
    expect(() => bad.partition("a", "b")).toThrow(/no host or client named "b"; declared: a/);
    expect(() => bad.partition("a", "a")).toThrow(/itself/);
    await expect(bad.run()).rejects.toThrow(/no client/);
    expect(() => new Sim({} as never)).toThrow(/needs a seed/);
  });

  it("a client that throws fails the run with a SimulationError naming the seed", async () => {
    const sim = new Sim({ seed: 11 });
    sim.client("client", function* () {
      yield* TcpStream.connect("client:1");
    });
    const e = await sim.run().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SimulationError);
    expect((e as SimulationError).replay).toMatch(/seed: 11/);
    expect(errorOf(e)).toBeInstanceOf(Error);
    expect(String((errorOf(e) as Error).message)).toMatch(/ConnectionRefused|refused/);
  });

  it("leaves real sockets alone outside a simulation", async () => {
    const { run } = await import("../../src/index.js");
    const port = await run(function* () {
      using l = yield* TcpListener.bind("127.0.0.1:0");
      return l.localAddr().address;
    });
    expect(port).toBe("127.0.0.1");
  });
});

describe("Sim: edges", () => {
  it("refuses UDP and Unix sockets under simulation instead of opening real ones", async () => {
    const { UdpSocket, UnixStream } = await import("../../src/net/index.js");
    const sim = new Sim({ seed: 1 });
    sim.client("client", function* () {
      const out: string[] = [];
      for (const make of [() => UdpSocket.bind("0.0.0.0:0"), () => UnixStream.connect("/tmp/x.sock")]) {
        try {
          make();
        } catch (e) {
          out.push((e as Error).message.split(":")[0]!);
        }
      }
      return out;
    });
    expect((await sim.run()).value.client).toEqual([
      "UdpSocket.bind is not simulated",
      "UnixStream.connect is not simulated",
    ]);
  });

  it("a host can crash itself from its own task; crash outside a run is an error", async () => {
    const sim = new Sim({ seed: 4 });
    let after = false;
    sim.host("server", function* () {
      yield* sleep(5);
      sim.crash("server");
      yield* sleep(5);
      after = true;
    });
    sim.client("client", function* () {
      yield* sleep(50);
      const r = yield* orTimeout(50, TcpStream.connect("server:1"));
      sim.restart("server");
      return r;
    });
    expect(() => sim.crash("server")).toThrow(/running simulation/);
    expect((await sim.run()).value.client).toBe("timed out");
    expect(after).toBe(false);
  });

  it("partition/repair/crash hold up under chaos across 200 seeds", async () => {
    for (let seed = 1; seed <= 200; seed++) {
      const sim = new Sim({ seed, chaos: true, latencyMs: { min: 0, max: 30 } });
      sim.host("server", echoServer);
      sim.client("client", function* () {
        let ok = 0;
        const failed: string[] = [];
        yield* sleep(1); // let the server bind
        for (let round = 0; round < 3; round++) {
          try {
            using conn = yield* timeout(200, TcpStream.connect("server:7000"));
            const r = new BufReader(conn);
            if (round === 1) sim.partition("client", "server");
            yield* conn.writeAll(enc.encode(`r${round}\n`));
            const got = yield* orTimeout(100, r.readLine());
            if (got === `r${round}!`) ok++;
            else failed.push(`round ${round}: ${String(got)}`);
            sim.repair("client", "server");
            if (round === 1) {
              sim.crash("server");
              sim.restart("server");
              yield* sleep(1); // let it bind again
            }
          } catch (e) {
            if (!(e instanceof IoError || e instanceof Elapsed)) throw e;
            failed.push(`round ${round}: ${String(e)}`);
          }
        }
        return failed.length === 1 ? ok : failed;
      });
      expect((await sim.run()).value.client).toBe(2);
    }
  });
});
