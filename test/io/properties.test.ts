/**
 * Property and adversarial tests for `pollux/io`: random buffer sizes, chunkings and
 * cancellations; every byte must arrive once, in order, and nothing may stay registered.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Context, END, type Poll, select } from "../../src/future/index.js";
import {
  AsyncReadBase,
  BufReader,
  BufWriter,
  copy,
  duplex,
  FramedRead,
  FramedWrite,
  LengthDelimitedCodec,
  LinesCodec,
  split,
} from "../../src/io/index.js";
import { Runtime, run } from "../../src/runtime/index.js";
import { spawn, yieldNow } from "../../src/task/index.js";
import { enc, firstDiff, pattern } from "./helpers.js";

class Repeat extends AsyncReadBase {
  pollRead(_cx: Context, buf: Uint8Array): Poll<number> {
    buf.fill(120);
    return buf.length;
  }
}

describe("io properties", () => {
  it("duplex: any capacity, write sizes and read sizes, with reads randomly cancelled, deliver every byte in order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 64 }),
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 10 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }),
        async (cap, writes, reads, cancels) => {
          const total = writes.reduce((a, b) => a + b, 0);
          const data = pattern(total, cap);
          const rt = new Runtime();
          const got = await rt.run(function* () {
            const [a, b] = duplex(cap);
            spawn(function* () {
              let at = 0;
              for (const n of writes) {
                yield* a.writeAll(data.subarray(at, at + n));
                at += n;
              }
              yield* a.shutdown();
            });
            const out = new Uint8Array(total);
            let filled = 0;
            for (let i = 0; ; i++) {
              const buf = new Uint8Array(reads[i % reads.length]!);
              let n: number;
              if (cancels[i % cancels.length]) {
                const r = yield* select.biased({ r: b.read(buf), y: yieldNow() });
                if (r.key === "y") continue;
                n = r.value;
              } else {
                n = yield* b.read(buf);
              }
              if (n === 0) break;
              out.set(buf.subarray(0, n), filled);
              filled += n;
            }
            expect(b.registrations).toBe(0);
            return out.subarray(0, filled);
          });
          await rt.shutdown();
          expect(got.length).toBe(total);
          expect(firstDiff(got, data)).toBe(-1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("lines and frames survive any chunking and any buffer sizes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, "")),
          { maxLength: 20 },
        ),
        fc.array(fc.boolean(), { maxLength: 20 }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 50 }),
        async (lines, crlf, bufCap, pipeCap) => {
          const text = lines.map((l, i) => l + (crlf[i % Math.max(crlf.length, 1)] ? "\r\n" : "\n")).join("");
          await run(function* () {
            const [a, b] = duplex(pipeCap);
            spawn(function* () {
              const w = new BufWriter(a, bufCap);
              yield* w.writeAll(enc.encode(text));
              yield* w.shutdown();
            });
            const got = yield* new BufReader(b, bufCap).lines().collect();
            expect(got).toEqual(lines);

            const [c, d] = duplex(pipeCap);
            spawn(function* () {
              const out = new FramedWrite(c, new LengthDelimitedCodec(), { backpressureBoundary: bufCap });
              for (const l of lines) yield* out.feed(enc.encode(l));
              yield* out.close();
            });
            const frames = yield* new FramedRead(d, new LengthDelimitedCodec()).collect();
            expect(frames.map((f) => new TextDecoder().decode(f))).toEqual(lines);
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("cancel safety properties", () => {
  it("readLine and FramedRead.next lose no line under random cancellation and chunking", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, "")),
          { maxLength: 15 },
        ),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 8 }),
        async (lines, chunking, cancels, bufCap) => {
          const bytes = enc.encode(lines.map((l) => `${l}\r\n`).join(""));
          function* feed(a: ReturnType<typeof duplex>[0]) {
            let at = 0;
            for (let i = 0; at < bytes.length; i++) {
              const n = chunking[i % chunking.length]!;
              yield* a.writeAll(bytes.subarray(at, at + n));
              at += n;
              yield* yieldNow();
            }
            yield* a.shutdown();
          }
          await run(function* () {
            const [a, b] = duplex(16);
            spawn(feed(a));
            const r = new BufReader(b, bufCap);
            const got: string[] = [];
            for (let i = 0; ; i++) {
              if (cancels[i % cancels.length]) {
                const s = yield* select.biased({ l: r.readLine(), y: yieldNow() });
                if (s.key === "y") continue;
                if (s.value === END) break;
                got.push(s.value);
              } else {
                const l = yield* r.readLine();
                if (l === END) break;
                got.push(l);
              }
            }
            expect(got).toEqual(lines);

            const [c, d] = duplex(16);
            spawn(feed(c));
            const frames = new FramedRead(d, new LinesCodec());
            const got2: string[] = [];
            for (let i = 0; ; i++) {
              const s = cancels[i % cancels.length]
                ? yield* select.biased({ l: frames.next(), y: yieldNow() })
                : { key: "l" as const, value: yield* frames.next() };
              if (s.key === "y") continue;
              if (s.value === END) break;
              got2.push(s.value as string);
            }
            expect(got2).toEqual(lines);
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("io adversarial", () => {
  it("copy from an always-ready reader, FramedRead over it and readExact all yield to other tasks", async () => {
    const rt = new Runtime();
    await rt.run(function* () {
      let ticks = 0;
      const ticker = spawn(function* () {
        for (;;) {
          ticks++;
          yield* yieldNow();
        }
      });
      // 4 MB from an endless reader into a sink: many budgets' worth of progress in one future.
      const bounded = {
        left: 4 * 1024 * 1024,
        pollRead(cx: Context, buf: Uint8Array): Poll<number> {
          const n = Math.min(buf.length, this.left);
          this.left -= n;
          return n === 0 ? 0 : new Repeat().pollRead(cx, buf.subarray(0, n));
        },
      };
      const lightSink = {
        bytes: 0,
        pollWrite(_cx: Context, b: Uint8Array) {
          this.bytes += b.length;
          return b.length;
        },
        pollFlush() {},
        pollShutdown() {},
      };
      const before = ticks;
      expect(yield* copy(bounded, lightSink)).toBe(4 * 1024 * 1024);
      expect(ticks).toBeGreaterThan(before); // the ticker ran during the copy
      const t2 = ticks;
      const lines = new FramedRead(new Repeat(), new LinesCodec({ maxLength: 1 << 20 }));
      let e: unknown;
      try {
        yield* lines.next();
      } catch (err) {
        e = err;
      }
      expect(String(e)).toMatch(/maxLength/);
      expect(ticks).toBeGreaterThan(t2);
      ticker.abort();
    });
    expect(rt.metrics().budgetYields).toBeGreaterThan(0);
    await rt.shutdown();
  });

  it("split halves: a cancelled read on one half does not disturb a writer blocked on the other", async () => {
    const rt = new Runtime();
    await rt.run(function* () {
      const [x, y] = duplex(4);
      const [rd, wr] = split(x);
      const writer = spawn(function* () {
        yield* wr.writeAll(enc.encode("0123456789"));
        yield* wr.shutdown();
      });
      for (let i = 0; i < 50; i++) {
        const r = yield* select.biased({ r: rd.read(new Uint8Array(1)), y: yieldNow() });
        expect(r.key).toBe("y");
      }
      expect(new TextDecoder().decode(yield* y.readToEnd())).toBe("0123456789");
      yield* writer;
      expect(x.registrations).toBe(0);
      expect(y.registrations).toBe(0);
    });
    await rt.shutdown();
  });

  it("a FramedWrite send cancelled after its first poll is still delivered by close", async () => {
    await run(function* () {
      const [a, b] = duplex(4);
      const out = new FramedWrite(a, new LinesCodec());
      const r = yield* select.biased({ s: out.send("a long line that does not fit"), y: yieldNow() });
      expect(r.key).toBe("y");
      const reader = spawn(new FramedRead(b, new LinesCodec()).collect());
      yield* out.close();
      expect(yield* reader).toEqual(["a long line that does not fit"]);
    });
  });

  it("a BufWriter flush cancelled half-way resumes without losing or repeating bytes", async () => {
    await run(function* () {
      const [a, b] = duplex(3);
      const w = new BufWriter(a, 64);
      yield* w.writeAll(enc.encode("abcdefghij"));
      const r = yield* select.biased({ f: w.flush(), y: yieldNow() });
      expect(r.key).toBe("y");
      expect(w.buffered).toBe(7); // 3 bytes fit in the pipe
      const reader = spawn(b.readToString());
      yield* w.shutdown();
      expect(yield* reader).toBe("abcdefghij");
    });
  });
});
