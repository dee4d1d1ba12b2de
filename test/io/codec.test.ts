import { describe, expect, it } from "vitest";
import { END, type Future, type Suspend, select } from "../../src/future/index.js";
import {
  BytesBuf,
  type Decoder,
  duplex,
  type Encoder,
  FramedRead,
  FramedWrite,
  FrameTooLong,
  type IoError,
  LengthDelimitedCodec,
  LinesCodec,
  split,
} from "../../src/io/index.js";
import { run } from "../../src/runtime/index.js";
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

function bytewise(bytes: Uint8Array): Source {
  return new Source(...[...bytes].map((b) => new Uint8Array([b]))).end();
}

describe("BytesBuf", () => {
  it("appends, peeks, takes and reuses its memory", () => {
    const b = new BytesBuf(4);
    b.putUint32(0x01020304);
    b.putString("hé");
    expect(b.length).toBe(7);
    expect(b.getUintBE(0, 4)).toBe(0x01020304);
    expect(b.indexOf(0x68)).toBe(4);
    b.advance(4);
    expect(dec.decode(b.take(3))).toBe("hé");
    expect(b.length).toBe(0);
    expect(() => b.take(1)).toThrow(RangeError);
  });
});

describe("LinesCodec over FramedRead", () => {
  it("decodes lines over CRLF and chunk boundaries, fed one byte at a time", async () => {
    await run(function* () {
      const text = "alpha\r\nbeta\n\ngamma €\r\nlast";
      const lines = yield* new FramedRead(bytewise(enc.encode(text)), new LinesCodec()).collect();
      expect(lines).toEqual(["alpha", "beta", "", "gamma €", "last"]);
    });
  });

  it("a line over maxLength throws FrameTooLong carrying the limit; then the connection closes cleanly", async () => {
    await run(function* () {
      const [client, server] = duplex(64);
      const [rd, wr] = split(server);
      const frames = new FramedRead(rd, new LinesCodec({ maxLength: 16 }));
      const clientTask = spawn(function* () {
        yield* client.writeAll(enc.encode(`short\n${"y".repeat(100)}\n`));
        // The server closes after the bad frame: we read a clean end of stream.
        return yield* client.readToString();
      });
      expect(yield* frames.next()).toBe("short");
      const e = yield* caught(frames.next());
      expect(e).toBeInstanceOf(FrameTooLong);
      expect((e as FrameTooLong).limit).toBe(16);
      expect(yield* frames.next()).toBe(END); // the stream ended
      const out = new FramedWrite(wr, new LinesCodec());
      yield* out.send("ERR line too long");
      yield* out.close();
      expect(yield* clientTask).toBe("ERR line too long\n");
    });
  });

  it("the codec used directly skips the rest of a long line and recovers", () => {
    const codec = new LinesCodec({ maxLength: 4 });
    const buf = new BytesBuf();
    buf.putString("toolong");
    expect(() => codec.decode(buf)).toThrow(FrameTooLong);
    expect(codec.decode(buf)).toBe(undefined);
    buf.putString("line\nok\n");
    expect(codec.decode(buf)).toBe("ok");
    expect(() => codec.encode("a\nb", buf)).toThrow(/two frames/);
  });

  it("next() is cancel-safe: frames survive a select that a timer wins", async () => {
    await run(
      function* () {
        const [a, b] = duplex(32);
        const frames = new FramedRead(b, new LinesCodec());
        spawn(function* () {
          const out = new FramedWrite(a, new LinesCodec());
          for (let i = 0; i < 10; i++) {
            yield* out.send(`msg ${i}`);
            if (i % 2 === 0) yield* sleep(2);
          }
          yield* out.close();
        });
        const got: string[] = [];
        let ticks = 0;
        for (;;) {
          const r = yield* select({ f: frames.next(), t: sleep(1) });
          if (r.key === "t") {
            ticks++;
            continue;
          }
          if (r.value === END) break;
          got.push(r.value);
        }
        expect(got).toEqual(Array.from({ length: 10 }, (_, i) => `msg ${i}`));
        expect(ticks).toBeGreaterThan(0);
      },
      { clock: "paused" },
    );
  });
});

describe("LengthDelimitedCodec", () => {
  it("round-trips frames of many sizes through a small duplex, one byte at a time too", async () => {
    await run(function* () {
      const sizes = [0, 1, 2, 100, 8191, 8192, 8193, 70_000];
      const [a, b] = duplex(1000);
      const writer = spawn(function* () {
        const out = new FramedWrite(a, new LengthDelimitedCodec());
        for (const [i, n] of sizes.entries()) yield* out.feed(pattern(n, i + 1));
        yield* out.close();
      });
      const frames = yield* new FramedRead(b, new LengthDelimitedCodec()).collect();
      yield* writer;
      expect(frames.map((f) => f.length)).toEqual(sizes);
      for (const [i, f] of frames.entries()) expect(firstDiff(f, pattern(sizes[i]!, i + 1))).toBe(-1);

      const wire = new BytesBuf();
      const codec = new LengthDelimitedCodec({ lengthFieldLength: 2 });
      codec.encode(enc.encode("hi"), wire);
      codec.encode(enc.encode("there"), wire);
      const slow = yield* new FramedRead(bytewise(wire.peek().slice()), codec).collect();
      expect(slow.map((f) => dec.decode(f))).toEqual(["hi", "there"]);
    });
  });

  it("a length prefix over maxFrameLength throws FrameTooLong before buffering the frame", async () => {
    await run(function* () {
      const wire = new Uint8Array([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]);
      const frames = new FramedRead(
        new Source(wire).end(),
        new LengthDelimitedCodec({ maxFrameLength: 1024 }),
      );
      const e = yield* caught(frames.next());
      expect(e).toBeInstanceOf(FrameTooLong);
      expect((e as FrameTooLong).limit).toBe(1024);
      expect((e as FrameTooLong).length).toBe(0x7fffffff);
      expect(frames.readBuffer.length).toBeLessThan(10_000);
      // encoding refuses too
      const out = new FramedWrite(duplex(8)[0], new LengthDelimitedCodec({ maxFrameLength: 4 }));
      const e2 = yield* caught(out.send(new Uint8Array(5)));
      expect(e2).toBeInstanceOf(FrameTooLong);
      expect(out.writeBuffer.length).toBe(0);
    });
  });

  it("bytes left at end of stream that are not a frame are UnexpectedEof", async () => {
    await run(function* () {
      const frames = new FramedRead(
        new Source(new Uint8Array([0, 0, 0, 9, 1, 2])).end(),
        new LengthDelimitedCodec(),
      );
      const e = yield* caught(frames.next());
      expect((e as IoError).kind).toBe("UnexpectedEof");
    });
  });
});

describe("user codecs", () => {
  it("a Decoder written by hand works with FramedRead and stream adapters", async () => {
    await run(function* () {
      const pairs: Decoder<number> = {
        decode(src) {
          if (src.length < 2) return undefined;
          const v = src.getUintBE(0, 2);
          src.advance(2);
          return v;
        },
      };
      const sum = yield* new FramedRead(bytewise(new Uint8Array([0, 1, 0, 2, 1, 0])), pairs)
        .map((n) => n * 10)
        .collect();
      expect(sum).toEqual([10, 20, 2560]);
      expect(() => new FramedRead(new Source(), {} as never)).toThrow(/decode/);
    });
  });

  it("an Encoder written by hand (NDJSON) works with FramedWrite, and LinesCodec reads it back", async () => {
    await run(function* () {
      const ndjson: Encoder<unknown> = {
        encode(value, dst) {
          dst.putString(JSON.stringify(value));
          dst.putUint8(10);
        },
      };
      const [a, b] = duplex(32);
      spawn(function* () {
        const out = new FramedWrite(a, ndjson);
        yield* out.send({ id: 1, text: "héllo" });
        yield* out.feed([1, 2, 3]);
        yield* out.close();
      });
      const values = yield* new FramedRead(b, new LinesCodec())
        .map((l) => JSON.parse(l) as unknown)
        .collect();
      expect(values).toEqual([{ id: 1, text: "héllo" }, [1, 2, 3]]);
    });
  });
});
