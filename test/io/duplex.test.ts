import { describe, expect, it } from "vitest";
import { type Future, type Suspend, select } from "../../src/future/index.js";
import { copy, copyBidirectional, duplex, IoError, split } from "../../src/io/index.js";
import { DeadlockError, Runtime, run } from "../../src/runtime/index.js";
import { spawn, yieldNow } from "../../src/task/index.js";
import { sleep } from "../../src/time/index.js";
import { dec, enc, firstDiff, pattern, Source } from "./helpers.js";

function* caught(f: Future<unknown>): Generator<Suspend, unknown, unknown> {
  try {
    yield* f;
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("duplex", () => {
  it("carries bytes both ways", async () => {
    await run(function* () {
      const [a, b] = duplex(16);
      yield* a.writeAll(enc.encode("ping"));
      yield* b.writeAll(enc.encode("pong!"));
      const buf = new Uint8Array(16);
      expect(dec.decode(buf.subarray(0, yield* b.read(buf)))).toBe("ping");
      expect(dec.decode(buf.subarray(0, yield* a.read(buf)))).toBe("pong!");
    });
  });

  it("a write waits (PENDING) while the peer's buffer is full, and resumes when it reads", async () => {
    await run(function* () {
      const [a, b] = duplex(4);
      expect(yield* a.write(enc.encode("abcdef"))).toBe(4);
      let done = false;
      const writer = spawn(function* () {
        yield* a.writeAll(enc.encode("ghij"));
        done = true;
      });
      for (let i = 0; i < 5; i++) yield* yieldNow();
      expect(done).toBe(false); // blocked on the full buffer
      const buf = new Uint8Array(2);
      expect(yield* b.read(buf)).toBe(2);
      yield* b.readExact(new Uint8Array(2));
      yield* b.readExact(buf);
      yield* writer;
      expect(done).toBe(true);
      expect(dec.decode(buf)).toBe("gh");
    });
  });

  it("shutdown gives EOF after the buffered bytes; close makes the peer's writes BrokenPipe", async () => {
    await run(function* () {
      const [a, b] = duplex(64);
      yield* a.writeAll(enc.encode("last words"));
      yield* a.shutdown();
      expect(dec.decode(yield* b.readToEnd())).toBe("last words");
      expect(yield* b.read(new Uint8Array(4))).toBe(0);
      const e0 = yield* caught(a.write(enc.encode("x")));
      expect((e0 as IoError).kind).toBe("BrokenPipe");
      // b can still write to a after a's half-close
      yield* b.writeAll(enc.encode("reply"));
      const back = new Uint8Array(5);
      yield* a.readExact(back);
      expect(dec.decode(back)).toBe("reply");
      b.close();
      expect(yield* a.read(back)).toBe(0);
      const e = yield* caught(b.write(enc.encode("x")));
      expect((e as IoError).kind).toBe("BrokenPipe");
    });
  });

  it("closing one side wakes a reader blocked on the other with EOF and a blocked writer with BrokenPipe", async () => {
    await run(function* () {
      const [a, b] = duplex(2);
      const reader = spawn(function* () {
        return yield* b.read(new Uint8Array(8));
      });
      yield* yieldNow();
      a.close();
      expect(yield* reader).toBe(0);
      const [c, d] = duplex(2);
      yield* c.writeAll(enc.encode("xy"));
      const writer = spawn(function* () {
        try {
          yield* c.writeAll(enc.encode("z"));
          return "written";
        } catch (e) {
          return (e as IoError).kind;
        }
      });
      yield* yieldNow();
      d.close();
      expect(yield* writer).toBe("BrokenPipe");
      expect(() => duplex(0)).toThrow(RangeError);
    });
  });

  it("a read cancelled by a timer in select loses no byte", async () => {
    await run(
      function* () {
        const [a, b] = duplex(64);
        const got: number[] = [];
        let ticks = 0;
        const buf = new Uint8Array(3);
        spawn(function* () {
          for (let i = 0; i < 20; i++) {
            yield* a.writeAll(new Uint8Array([i]));
            if (i % 3 === 0) yield* sleep(2);
          }
          yield* a.shutdown();
        });
        for (;;) {
          const r = yield* select({ data: b.read(buf), tick: sleep(1) });
          if (r.key === "tick") {
            ticks++;
            continue;
          }
          if (r.value === 0) break;
          for (let i = 0; i < r.value; i++) got.push(buf[i]!);
        }
        expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
        expect(ticks).toBeGreaterThan(0); // reads really were cancelled
      },
      { clock: "paused" },
    );
  });

  it("100,000 aborted reads leave no registration behind", async () => {
    const rt = new Runtime();
    await rt.run(function* () {
      const [a, b] = duplex(8);
      const buf = new Uint8Array(8);
      for (let i = 0; i < 100_000; i++) {
        const r = yield* select.biased({ data: b.read(buf), now: yieldNow() });
        expect(r.key).toBe("now");
      }
      expect(b.registrations).toBe(0);
      yield* a.writeAll(enc.encode("ok"));
      expect(yield* b.read(buf)).toBe(2);
    });
    expect(rt.metrics().pendingSources).toBe(0);
    await rt.shutdown();
  });
});

describe("split", () => {
  it("halves are used by two tasks at once; unsplit gives the stream back", async () => {
    await run(function* () {
      const [client, server] = duplex(7);
      const [rd, wr] = split(client);
      const N = 50_000;
      const data = pattern(N, 9);
      // echo server
      spawn(function* () {
        yield* copy(server, server);
        yield* server.shutdown();
      });
      const writer = spawn(function* () {
        yield* wr.writeAll(data);
        yield* wr.shutdown();
      });
      const reader = spawn(function* () {
        return yield* rd.readToEnd();
      });
      yield* writer;
      const back = yield* reader;
      expect(firstDiff(back, data)).toBe(-1);
      expect(rd.unsplit(wr)).toBe(client);
      const [, wr2] = split(duplex(1)[0]);
      expect(() => rd.unsplit(wr2 as never)).toThrow(/different split/);
    });
  });
});

describe("copy", () => {
  it("copies several MB through duplex pairs, every byte checked", async () => {
    await run(function* () {
      const SIZE = 3 * 1024 * 1024 + 17;
      const data = pattern(SIZE, 42);
      const [srcW, srcR] = duplex(1000);
      const [dstW, dstR] = duplex(3000);
      const producer = spawn(function* () {
        yield* srcW.writeAll(data);
        yield* srcW.shutdown();
      });
      const middle = spawn(function* () {
        const n = yield* copy(srcR, dstW);
        yield* dstW.shutdown();
        return n;
      });
      const out = yield* dstR.readToEnd({ limit: SIZE });
      yield* producer;
      expect(yield* middle).toBe(SIZE);
      expect(out.length).toBe(SIZE);
      expect(firstDiff(out, data)).toBe(-1);
    });
  });

  it("copyBidirectional proxies both ways and propagates each end", async () => {
    await run(function* () {
      const [client, proxyIn] = duplex(100);
      const [proxyOut, server] = duplex(50);
      const proxy = spawn(copyBidirectional(proxyIn, proxyOut));
      const up = pattern(10_000, 1);
      const down = pattern(7_000, 2);
      const serverTask = spawn(function* () {
        const got = yield* server.readToEnd();
        yield* server.writeAll(down);
        yield* server.shutdown();
        return got;
      });
      yield* client.writeAll(up);
      yield* client.shutdown();
      const back = yield* client.readToEnd();
      expect(firstDiff(yield* serverTask, up)).toBe(-1);
      expect(firstDiff(back, down)).toBe(-1);
      expect(yield* proxy).toEqual([10_000, 7_000]);
    });
  });

  it("a writer error ends the copy with that error", async () => {
    await run(function* () {
      const [src, srcPeer] = duplex(10);
      const [dst, dstPeer] = duplex(10);
      dstPeer.close(); // writes to dst now fail
      yield* srcPeer.writeAll(enc.encode("data"));
      const e = yield* caught(copy(src, dst));
      expect((e as IoError).kind).toBe("BrokenPipe");
    });
  });

  it("a failing direction of copyBidirectional releases the other direction's registration", async () => {
    const rt = new Runtime();
    await rt.run(function* () {
      class Flaky extends Source {
        pollWrite(): number {
          return 1;
        }
        pollFlush(): void {}
        pollShutdown(): void {}
      }
      const a = new Flaky();
      const [b, bPeer] = duplex(16);
      const proxy = spawn(copyBidirectional(a, b));
      yield* yieldNow();
      yield* yieldNow();
      // Reading a: a wake source. Reading b: registered, but a duplex only moves by tasks, so not one.
      expect(rt.metrics().pendingSources).toBe(1);
      expect(b.registrations).toBe(1);
      a.fail(new IoError("ConnectionReset", "reset"));
      let kind = "";
      try {
        yield* proxy;
      } catch (e) {
        kind = ((e as { cause?: IoError }).cause ?? (e as IoError)).kind;
      }
      expect(kind).toBe("ConnectionReset");
      expect(rt.metrics().pendingSources).toBe(0);
      expect(b.registrations).toBe(0);
      bPeer.close();
    });
    await rt.shutdown();
  });

  it("two tasks each reading its end, with nobody to write: a DeadlockError, not a hang", async () => {
    const err = await run(function* () {
      const [a, b] = duplex(8);
      const ra = spawn(a.read(new Uint8Array(1)), { name: "reads a" });
      const rb = spawn(b.read(new Uint8Array(1)), { name: "reads b" });
      yield* ra;
      yield* rb;
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlockError);
    expect(String((err as Error).message)).toMatch(/reads a/);
  });

  it("a duplex end a Node timer closes later is not a deadlock: the timer keeps it alive", async () => {
    const n = await run(function* () {
      const [a, b] = duplex(8);
      setTimeout(() => b.close(), 20);
      return yield* a.read(new Uint8Array(1)); // 0: end of stream once the peer is closed
    });
    expect(n).toBe(0);
  });

  it("runtime.tasks() (and deadlock reports) name the stream a read waits on", async () => {
    const rt = new Runtime();
    await rt.run(function* () {
      const [a] = duplex(8);
      const t = spawn(a.read(new Uint8Array(1)));
      yield* yieldNow();
      const line = rt.tasks().find((x) => x.awaits.includes("read()"));
      expect(line?.awaits).toMatch(/DuplexStream .*\.read\(\) \(waiting for bytes\)/);
      t.abort();
    });
    await rt.shutdown();
  });
});
