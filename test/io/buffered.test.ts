import { describe, expect, it } from "vitest";
import { END, type Future, type Suspend, select } from "../../src/future/index.js";
import { BufReader, BufWriter, duplex, FrameTooLong, IoError } from "../../src/io/index.js";
import { run } from "../../src/runtime/index.js";
import { spawn, yieldNow } from "../../src/task/index.js";
import { sleep } from "../../src/time/index.js";
import { enc, firstDiff, pattern, Sink, Source } from "./helpers.js";

function* caught(f: Future<unknown>): Generator<Suspend, unknown, unknown> {
  try {
    yield* f;
  } catch (e) {
    return e;
  }
  return undefined;
}

function bytewise(text: string | Uint8Array): Source {
  const bytes = typeof text === "string" ? enc.encode(text) : text;
  return new Source(...[...bytes].map((b) => new Uint8Array([b]))).end();
}

describe("BufReader", () => {
  it("readLine strips \\n and \\r\\n, returns a last unterminated line, then END", async () => {
    await run(function* () {
      const r = new BufReader(new Source("one\r\ntwo\n", "\nthr", "ee").end());
      expect(yield* r.readLine()).toBe("one");
      expect(yield* r.readLine()).toBe("two");
      expect(yield* r.readLine()).toBe("");
      expect(yield* r.readLine()).toBe("three");
      expect(yield* r.readLine()).toBe(END);
      expect(yield* r.readLine()).toBe(END);
    });
  });

  it("lines split across chunk boundaries, fed one byte at a time, with a tiny buffer", async () => {
    await run(function* () {
      const text = "héllo\r\nwörld €\n\r\nlast\r";
      for (const cap of [1, 2, 3, 64]) {
        const lines = yield* new BufReader(bytewise(text), cap).lines().collect();
        expect(lines).toEqual(["héllo", "wörld €", "", "last"]);
      }
    });
  });

  it("a line over maxLength throws FrameTooLong, is skipped, and the next line still reads", async () => {
    await run(function* () {
      const r = new BufReader(bytewise(`ok\n${"x".repeat(50)}\nnext\n`), 4);
      expect(yield* r.readLine({ maxLength: 10 })).toBe("ok");
      const e = yield* caught(r.readLine({ maxLength: 10 }));
      expect(e).toBeInstanceOf(FrameTooLong);
      expect(e).toBeInstanceOf(IoError);
      expect((e as FrameTooLong).limit).toBe(10);
      expect((e as IoError).kind).toBe("InvalidData");
      expect(yield* r.readLine({ maxLength: 10 })).toBe("next");
      expect(yield* r.readLine()).toBe(END);
      // exactly maxLength is fine
      const r2 = new BufReader(new Source("abcde\nabcdef\n").end());
      expect(yield* r2.readLine({ maxLength: 5 })).toBe("abcde");
      expect((yield* caught(r2.readLine({ maxLength: 5 }))) instanceof FrameTooLong).toBe(true);
      expect(() => r2.readLine({ maxLength: 0 })).toThrow(RangeError);
    });
  });

  it("invalid UTF-8 in a line is InvalidData and the next line still reads", async () => {
    await run(function* () {
      const r = new BufReader(new Source(new Uint8Array([0x61, 0xff, 10]), "fine\n").end());
      const e = yield* caught(r.readLine());
      expect((e as IoError).kind).toBe("InvalidData");
      expect(yield* r.readLine()).toBe("fine");
    });
  });

  it("readLine is cancel-safe: a line interrupted by a timer is completed by the next call", async () => {
    await run(
      function* () {
        const [a, b] = duplex(64);
        const r = new BufReader(b);
        spawn(function* () {
          for (const piece of ["hel", "lo wo", "rld\nsecond", " line\n"]) {
            yield* a.writeAll(enc.encode(piece));
            yield* sleep(3);
          }
          yield* a.shutdown();
        });
        const got: string[] = [];
        let timeouts = 0;
        for (;;) {
          const s = yield* select({ line: r.readLine(), t: sleep(1) });
          if (s.key === "t") {
            timeouts++;
            continue;
          }
          if (s.value === END) break;
          got.push(s.value);
        }
        expect(got).toEqual(["hello world", "second line"]);
        expect(timeouts).toBeGreaterThan(0);
      },
      { clock: "paused" },
    );
  });

  it("a long line through a tiny buffer is assembled in one growing array", async () => {
    await run(function* () {
      const long = "z".repeat(200_000);
      const r = new BufReader(new Source(`${long}\nend`).end(), 3);
      expect(yield* r.readLine()).toBe(long);
      expect(yield* r.readLine()).toBe("end");
      expect(yield* r.readLine()).toBe(END);
    });
  });

  it("after a cancelled readLine, plain reads still see the partial line first", async () => {
    await run(function* () {
      const src = new Source("par");
      const r = new BufReader(src, 4);
      const s = yield* select.biased({ line: r.readLine(), now: yieldNow() });
      expect(s.key).toBe("now");
      expect(r.buffered).toBe(3);
      src.push("tial\nrest").end();
      expect(new TextDecoder().decode(yield* r.readToEnd())).toBe("partial\nrest");
    });
  });

  it("fillBuf/consume expose the buffer; reads mix with lines; large reads bypass the buffer", async () => {
    await run(function* () {
      const r = new BufReader(new Source("head\nbody-bytes", pattern(100)).end(), 16);
      expect(yield* r.readLine()).toBe("head");
      const avail = yield* r.fillBuf();
      expect(new TextDecoder().decode(avail.subarray(0, 4))).toBe("body");
      r.consume(5);
      expect(() => r.consume(1000)).toThrow(RangeError);
      const five = new Uint8Array(5);
      yield* r.readExact(five);
      expect(new TextDecoder().decode(five)).toBe("bytes");
      const rest = yield* r.readToEnd();
      expect(firstDiff(rest, pattern(100))).toBe(-1);
      expect((yield* r.fillBuf()).length).toBe(0);
    });
  });
});

describe("BufWriter", () => {
  it("buffers small writes into one inner write; flush and shutdown push them out", async () => {
    await run(function* () {
      let writes = 0;
      const sink = new Sink();
      const inner = {
        pollWrite: (cx: never, b: Uint8Array) => {
          writes++;
          return sink.pollWrite(cx, b);
        },
        pollFlush: () => sink.pollFlush(),
        pollShutdown: () => sink.pollShutdown(),
      };
      const w = new BufWriter(inner, 16);
      for (let i = 0; i < 10; i++) yield* w.writeAll(enc.encode("ab"));
      expect(writes).toBe(1); // 16 bytes went out when the 17th would not fit
      expect(w.buffered).toBe(4);
      yield* w.flush();
      expect(writes).toBe(2);
      expect(sink.text()).toBe("ab".repeat(10));
      yield* w.writeAll(pattern(40)); // larger than the buffer: written through
      yield* w.writeAll(enc.encode("!"));
      yield* w.shutdown();
      expect(sink.closed).toBe(true);
      expect(sink.data.length).toBe(20 + 40 + 1);
    });
  });

  it("keeps order and every byte through a slow inner writer", async () => {
    await run(function* () {
      const [a, b] = duplex(5);
      const w = new BufWriter(a, 7);
      const data = pattern(10_000, 5);
      const reader = spawn(b.readToEnd());
      for (let i = 0; i < data.length; ) {
        const n = 1 + (i % 13);
        yield* w.writeAll(data.subarray(i, i + n));
        i += n;
        if (i % 100 === 0) yield* yieldNow();
      }
      yield* w.shutdown();
      const got = yield* reader;
      expect(firstDiff(got, data)).toBe(-1);
    });
  });
});
