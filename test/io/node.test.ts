import { once } from "node:events";
import * as net from "node:net";
import { PassThrough, Readable, Writable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { type Future, fromPromise, type Suspend } from "../../src/future/index.js";
import {
  BufReader,
  copy,
  duplex,
  fromNodeDuplex,
  fromNodeReadable,
  fromNodeWritable,
  IoError,
  split,
  toNodeReadable,
  toNodeWritable,
} from "../../src/io/index.js";
import { Runtime, run } from "../../src/runtime/index.js";
import { spawn } from "../../src/task/index.js";
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

/** A Readable producing `total` bytes on demand, recording how far production ran ahead. */
function producer(total: number, chunk: number, hwm: number) {
  const data = pattern(total, 3);
  const stats = { produced: 0 };
  const stream = new Readable({
    highWaterMark: hwm,
    read() {
      if (stats.produced >= total) {
        this.push(null);
        return;
      }
      const n = Math.min(chunk, total - stats.produced);
      this.push(Buffer.from(data.subarray(stats.produced, stats.produced + n)));
      stats.produced += n;
    },
  });
  return { stream, stats, data };
}

describe("fromNodeReadable", () => {
  it("reads a Node stream to the end, across chunk and buffer boundaries", async () => {
    await run(function* () {
      const src = Readable.from([Buffer.from("hello "), Buffer.from("node\nsecond"), Buffer.from(" line\n")]);
      const lines = yield* new BufReader(fromNodeReadable(src), 4).lines().collect();
      expect(lines).toEqual(["hello node", "second line"]);
    });
  });

  it("a slow consumer keeps the producer within highWaterMark (backpressure)", async () => {
    await run(function* () {
      const { stream, stats, data } = producer(2 * 1024 * 1024, 4096, 16 * 1024);
      const r = fromNodeReadable(stream);
      const buf = new Uint8Array(1000);
      const got = new Uint8Array(data.length);
      let consumed = 0;
      let maxAhead = 0;
      for (;;) {
        const n = yield* r.read(buf);
        if (n === 0) break;
        got.set(buf.subarray(0, n), consumed);
        consumed += n;
        maxAhead = Math.max(maxAhead, stats.produced - consumed);
        if (consumed % 50 === 0) yield* sleep(0);
      }
      expect(consumed).toBe(data.length);
      expect(firstDiff(got, data)).toBe(-1);
      // highWaterMark + one chunk held by Node + one chunk in the adapter, never the whole stream.
      expect(maxAhead).toBeLessThanOrEqual(16 * 1024 + 2 * 4096);
    });
  });

  it("stream errors become IoError with the errno kind; a destroyed stream is UnexpectedEof", async () => {
    await run(function* () {
      const s = new PassThrough();
      const r = fromNodeReadable(s);
      setTimeout(() => s.destroy(Object.assign(new Error("reset"), { code: "ECONNRESET" })), 1);
      const e = yield* caught(r.read(new Uint8Array(8)));
      expect(e).toBeInstanceOf(IoError);
      expect((e as IoError).kind).toBe("ConnectionReset");
      expect((e as IoError).code).toBe("ECONNRESET");

      const s2 = new PassThrough();
      const r2 = fromNodeReadable(s2);
      s2.write("partial");
      setTimeout(() => s2.destroy(), 1);
      const e2 = yield* caught(r2.readToEnd());
      expect((e2 as IoError).kind).toBe("UnexpectedEof");
      expect(() => fromNodeReadable({} as never)).toThrow(TypeError);
    });
  });
});

describe("fromNodeWritable", () => {
  it("waits for 'drain' when write() returns false; a slow sink never holds more than highWaterMark + one write", async () => {
    await run(function* () {
      const chunks: Buffer[] = [];
      let maxBuffered = 0;
      const sink = new Writable({
        highWaterMark: 8 * 1024,
        write(chunk: Buffer, _enc, cb) {
          chunks.push(chunk);
          setImmediate(cb); // slow
        },
      });
      const w = fromNodeWritable(sink);
      const data = pattern(1024 * 1024, 7);
      for (let i = 0; i < data.length; i += 3000) {
        yield* w.writeAll(data.subarray(i, i + 3000));
        maxBuffered = Math.max(maxBuffered, sink.writableLength);
      }
      yield* w.flush();
      expect(sink.writableLength).toBe(0);
      yield* w.shutdown();
      expect(sink.writableFinished).toBe(true);
      expect(firstDiff(new Uint8Array(Buffer.concat(chunks)), data)).toBe(-1);
      expect(maxBuffered).toBeLessThanOrEqual(8 * 1024 + 3000);
      const e = yield* caught(w.write(enc.encode("late")));
      expect((e as IoError).kind).toBe("BrokenPipe");
    });
  });

  it("a failing sink surfaces as IoError", async () => {
    await run(function* () {
      const sink = new Writable({
        write(_c, _e, cb) {
          cb(Object.assign(new Error("disk full"), { code: "ENOSPC" }));
        },
      });
      const w = fromNodeWritable(sink);
      const e = yield* caught(
        (function* () {
          for (;;) {
            yield* w.writeAll(enc.encode("x"));
            yield* w.flush();
          }
        })() as never,
      );
      expect(e).toBeInstanceOf(IoError);
      expect((e as IoError).message).toContain("disk full");
    });
  });
});

describe("toNodeReadable / toNodeWritable", () => {
  it("round trip: pollux → Node pipeline → pollux, every byte, with backpressure", async () => {
    await run(function* () {
      const SIZE = 2 * 1024 * 1024 + 5;
      const data = pattern(SIZE, 11);
      const [inA, inB] = duplex(4096);
      const [outA, outB] = duplex(1000);
      const nodeIn = toNodeReadable(inB, { highWaterMark: 16 * 1024 });
      const nodeOut = toNodeWritable(outA, { highWaterMark: 16 * 1024 });
      const piping = fromPromise(() => pipeline(nodeIn, new PassThrough({ highWaterMark: 1024 }), nodeOut));
      spawn(function* () {
        yield* inA.writeAll(data);
        yield* inA.shutdown();
      });
      const result = spawn(outB.readToEnd({ limit: SIZE }));
      yield* piping;
      const got = yield* result;
      expect(got.length).toBe(SIZE);
      expect(firstDiff(got, data)).toBe(-1);
    });
  });

  it("toNodeWritable: a slow pollux writer holds the Node producer at its highWaterMark", async () => {
    await run(function* () {
      const [a, b] = duplex(1000);
      const node = toNodeWritable(a, { highWaterMark: 4096 });
      const data = pattern(200_000, 8);
      let refused = 0;
      let maxQueued = 0;
      const producerDone = fromPromise(async () => {
        for (let i = 0; i < data.length; i += 1000) {
          if (!node.write(data.subarray(i, i + 1000))) {
            refused++;
            maxQueued = Math.max(maxQueued, node.writableLength);
            await once(node, "drain");
          }
        }
        node.end();
        await finished(node);
      });
      const reader = spawn(function* () {
        const out = new Uint8Array(data.length);
        let at = 0;
        const buf = new Uint8Array(700);
        for (let n = yield* b.read(buf); n > 0; n = yield* b.read(buf)) {
          out.set(buf.subarray(0, n), at);
          at += n;
          yield* sleep(0);
        }
        return out.subarray(0, at);
      });
      yield* producerDone;
      const got = yield* reader;
      expect(firstDiff(got, data)).toBe(-1);
      expect(refused).toBeGreaterThan(0);
      expect(maxQueued).toBeLessThanOrEqual(4096 + 1000);
    });
  });

  it("toNodeReadable reads only when Node asks: a paused consumer stops the pollux reader", async () => {
    await run(function* () {
      let handedOut = 0;
      const endless = {
        pollRead(_cx: unknown, buf: Uint8Array) {
          buf.fill(1);
          handedOut += buf.length;
          return buf.length;
        },
      };
      const node = toNodeReadable(endless, { highWaterMark: 32 * 1024, chunkSize: 4096 });
      expect(node.read(0)).toBe(null); // Node asks once; nobody reads after that
      for (let i = 0; i < 500 && handedOut < 32 * 1024; i++) yield* sleep(1);
      yield* sleep(5);
      expect(handedOut).toBeGreaterThan(0);
      expect(handedOut).toBeLessThanOrEqual(32 * 1024 + 4096);
      const first = node.read(1000) as Buffer;
      expect(first.length).toBe(1000);
      node.destroy();
      for (let i = 0; i < 5; i++) yield* sleep(1);
      const after = handedOut;
      for (let i = 0; i < 10; i++) yield* sleep(1);
      // The pump stopped with the stream (at most one chunk read after destroy, then nothing).
      expect(handedOut - after).toBeLessThanOrEqual(4096);
    });
  });

  it("reader errors destroy the Node stream with the error", async () => {
    await run(function* () {
      const src = new Source("abc");
      const node = toNodeReadable(src);
      const chunks: string[] = [];
      node.on("data", (c: Buffer) => chunks.push(c.toString()));
      setTimeout(() => src.fail(new IoError("ConnectionReset", "peer reset")), 2);
      const e = yield* caught(fromPromise(() => finished(node)));
      expect((e as IoError).kind).toBe("ConnectionReset");
      expect(chunks.join("")).toBe("abc");
    });
  });

  it("needs a runtime: outside a task without { runtime } it says so; with it, it works", async () => {
    expect(() => toNodeReadable(new Source())).toThrow(/runtime/);
    const rt = new Runtime();
    const [a, b] = duplex(64);
    const node = toNodeWritable(a, { runtime: rt });
    node.end("from plain JS");
    const text = await rt.run(b.readToString());
    expect(text).toBe("from plain JS");
    await rt.shutdown();
  });

  it("copy from a Node Readable to a Node Writable through pollux", async () => {
    await run(function* () {
      const { stream, data } = producer(300_000, 7000, 4096);
      const parts: Buffer[] = [];
      const sink = new Writable({
        highWaterMark: 2048,
        write(c: Buffer, _e, cb) {
          parts.push(c);
          setImmediate(cb);
        },
      });
      const w = fromNodeWritable(sink);
      const n = yield* copy(fromNodeReadable(stream), w);
      yield* w.shutdown();
      expect(n).toBe(300_000);
      expect(firstDiff(new Uint8Array(Buffer.concat(parts)), data)).toBe(-1);
      expect(dec.decode(new Uint8Array(0))).toBe("");
    });
  });
});

describe("fromNodeDuplex", () => {
  it("talks to a real TCP peer: echo with half-close, split across two tasks", async () => {
    const server = net.createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      await run(function* () {
        const socket = net.connect(port, "127.0.0.1");
        yield* fromPromise(() => once(socket, "connect"));
        const conn = fromNodeDuplex(socket);
        const [rd, wr] = split(conn);
        const data = pattern(500_000, 4);
        const writer = spawn(function* () {
          yield* wr.writeAll(data);
          yield* wr.shutdown(); // half-close: the echo server ends its side after echoing
        });
        const back = yield* rd.readToEnd();
        yield* writer;
        expect(back.length).toBe(data.length);
        expect(firstDiff(back, data)).toBe(-1);
        conn.close();
      });
    } finally {
      server.close();
    }
  });
});
