import { describe, expect, it } from "vitest";
import { type Context, type Future, type Poll, type Suspend, select } from "../../src/future/index.js";
import {
  AsyncReadBase,
  type AsyncWrite,
  flush,
  IoError,
  read,
  readExact,
  readToEnd,
  readToString,
  shutdown,
  write,
  writeAll,
} from "../../src/io/index.js";
import { Runtime, run } from "../../src/runtime/index.js";
import { spawn, yieldNow } from "../../src/task/index.js";
import { sleep } from "../../src/time/index.js";
import { dec, enc, Sink, Source } from "./helpers.js";

function* caught(f: Future<unknown>): Generator<Suspend, unknown, unknown> {
  try {
    yield* f;
  } catch (e) {
    return e;
  }
  return undefined;
}

class Repeat extends AsyncReadBase {
  reads = 0;
  pollRead(_cx: Context, buf: Uint8Array): Poll<number> {
    this.reads++;
    buf.fill(7);
    return buf.length;
  }
}

describe("AsyncReadBase futures", () => {
  it("read returns what is there, then 0 at end of stream", async () => {
    await run(function* () {
      const src = new Source("hello", " world").end();
      const buf = new Uint8Array(16);
      expect(yield* src.read(buf)).toBe(5);
      expect(dec.decode(buf.subarray(0, 5))).toBe("hello");
      expect(yield* src.read(buf)).toBe(6);
      expect(yield* src.read(buf)).toBe(0);
      expect(yield* src.read(new Uint8Array(0))).toBe(0);
    });
  });

  it("read waits for data pushed later by another task", async () => {
    await run(function* () {
      const src = new Source();
      spawn(function* () {
        yield* sleep(1);
        src.push("late");
      });
      const buf = new Uint8Array(8);
      expect(yield* src.read(buf)).toBe(4);
    });
  });

  it("readExact fills across chunks and fails with UnexpectedEof at end of stream", async () => {
    await run(function* () {
      const src = new Source("ab", "c", "defg").end();
      const buf = new Uint8Array(5);
      yield* src.readExact(buf);
      expect(dec.decode(buf)).toBe("abcde");
      const e = yield* caught(src.readExact(new Uint8Array(3)));
      expect(e).toBeInstanceOf(IoError);
      expect((e as IoError).kind).toBe("UnexpectedEof");
      expect((e as IoError).message).toContain("2 of the 3 bytes");
      const e2 = yield* caught(readExact(src, new Uint8Array(1)));
      expect((e2 as IoError).kind).toBe("UnexpectedEof");
    });
  });

  it("readToEnd collects everything; more than the limit is InvalidData, the limit itself is fine", async () => {
    await run(function* () {
      const big = new Uint8Array(100_000).fill(3);
      const all = yield* new Source(big, big).end().readToEnd();
      expect(all.length).toBe(200_000);
      expect(all.every((b) => b === 3)).toBe(true);
      const exact = yield* new Source("12345").end().readToEnd({ limit: 5 });
      expect(dec.decode(exact)).toBe("12345");
      const e = yield* caught(new Source("123456").end().readToEnd({ limit: 5 }));
      expect((e as IoError).kind).toBe("InvalidData");
      expect((e as IoError).message).toContain("limit of 5 bytes");
      // An endless reader is cut off at the limit instead of growing memory forever.
      const e2 = yield* caught(readToEnd(new Repeat(), { limit: 1 << 20 }));
      expect((e2 as IoError).kind).toBe("InvalidData");
    });
  });

  it("readToString decodes UTF-8 split across chunks and rejects invalid UTF-8", async () => {
    await run(function* () {
      const bytes = enc.encode("héllo €𝄞");
      const chunks = [...bytes].map((b) => new Uint8Array([b]));
      expect(yield* new Source(...chunks).end().readToString()).toBe("héllo €𝄞");
      const e = yield* caught(readToString(new Source(new Uint8Array([0x61, 0xff])).end()));
      expect((e as IoError).kind).toBe("InvalidData");
      const e2 = yield* caught(readToString(new Source("abc").end(), { limit: 2 }));
      expect((e2 as IoError).kind).toBe("InvalidData");
    });
  });

  it("a reader error propagates to the awaiting task", async () => {
    await run(function* () {
      const src = new Source();
      spawn(function* () {
        yield* yieldNow();
        src.fail(new IoError("ConnectionReset", "reset by peer"));
      });
      const e = yield* caught(src.read(new Uint8Array(4)));
      expect((e as IoError).kind).toBe("ConnectionReset");
    });
  });

  it("bad arguments fail at the call with a clear TypeError/RangeError", () => {
    const src = new Source();
    expect(() => src.read("abc" as never)).toThrow(/Uint8Array/);
    expect(() => src.readExact([1, 2] as never)).toThrow(TypeError);
    expect(() => src.readToEnd({ limit: -1 })).toThrow(RangeError);
    expect(() => src.readToEnd({ limit: 1.5 })).toThrow(/positive integer/);
    expect(() => read({} as never, new Uint8Array(1))).toThrow(/AsyncRead/);
    expect(() => writeAll({ pollWrite() {} } as never, new Uint8Array(1))).toThrow(/AsyncWrite/);
    expect(() => new Sink().write(null as never)).toThrow(/got null/);
  });

  it("an always-ready reader spends coop budget, so other tasks still run", async () => {
    const rt = new Runtime();
    await rt.run(function* () {
      let ticked = false;
      spawn(function* () {
        ticked = true;
      });
      const r = new Repeat();
      const buf = new Uint8Array(1);
      while (!ticked) yield* r.read(buf);
      expect(r.reads).toBeGreaterThan(0);
      expect(r.reads).toBeLessThanOrEqual(200);
    });
    expect(rt.metrics().budgetYields).toBeGreaterThan(0);
    await rt.shutdown();
  });

  it("readExact over an always-ready reader keeps its progress across budget yields", async () => {
    await run(function* () {
      const r = new Repeat();
      const buf = new Uint8Array(1000);
      // A reader that hands out one byte at a time: 1000 progress steps, several budgets.
      const oneByte = {
        pollRead(cx: Context, b: Uint8Array) {
          return r.pollRead(cx, b.subarray(0, 1));
        },
      };
      yield* readExact(oneByte, buf);
      expect(buf.every((b) => b === 7)).toBe(true);
      expect(r.reads).toBe(1000);
    });
  });

  it("a read cancelled by select loses no byte and drops its registration", async () => {
    const rt = new Runtime();
    await rt.run(function* () {
      const src = new Source();
      const buf = new Uint8Array(8);
      const r = yield* select({ data: src.read(buf), timer: sleep(2) });
      expect(r.key).toBe("timer");
      expect(src.cancels).toBe(1);
      expect(rt.metrics().pendingSources).toBe(0);
      src.push("kept").end();
      expect(yield* src.readToString()).toBe("kept");
    });
    await rt.shutdown();
  });
});

describe("AsyncWriteBase futures", () => {
  it("writeAll waits while the writer is full and delivers every byte in order", async () => {
    await run(function* () {
      const sink = new Sink(3);
      const drainer = spawn(function* () {
        while (sink.data.length < 10) {
          yield* yieldNow();
          sink.drain();
        }
      });
      yield* sink.writeAll(enc.encode("0123456789"));
      yield* drainer;
      expect(sink.text()).toBe("0123456789");
      expect(yield* sink.write(enc.encode("abcd"))).toBe(3);
      yield* sink.flush();
      expect(sink.flushes).toBe(1);
      yield* sink.shutdown();
      expect(sink.closed).toBe(true);
    });
  });

  it("free functions work on plain trait objects; a writer accepting 0 bytes is WriteZero", async () => {
    await run(function* () {
      const got: number[] = [];
      let closed = false;
      const plain: AsyncWrite = {
        pollWrite(_cx, buf) {
          if (closed) return 0;
          got.push(buf[0]!);
          return 1;
        },
        pollFlush() {},
        pollShutdown() {
          closed = true;
        },
      };
      expect(yield* write(plain, enc.encode("xy"))).toBe(1);
      yield* writeAll(plain, enc.encode("abc"));
      yield* flush(plain);
      yield* shutdown(plain);
      expect(dec.decode(new Uint8Array(got))).toBe("xabc");
      const e = yield* caught(writeAll(plain, enc.encode("z")));
      expect((e as IoError).kind).toBe("WriteZero");
      const src = {
        pollRead(_cx: Context, b: Uint8Array) {
          b[0] = 1;
          return 1;
        },
      };
      expect(yield* read(src, new Uint8Array(4))).toBe(1);
    });
  });

  it("a writer that lies about counts is reported, not trusted", async () => {
    await run(function* () {
      const liar: AsyncWrite = { pollWrite: () => 99, pollFlush() {}, pollShutdown() {} };
      const e = yield* caught(writeAll(liar, new Uint8Array(2)));
      expect(String(e)).toMatch(/between 0 and buf.length/);
    });
  });
});
