// The RESP parser: incremental at any split point, linear, limits checked on headers; writer →
// parser round trips; the glob matcher used by PSUBSCRIBE and CONFIG GET.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { globMatch } from "../../examples/mini-redis/glob.js";
import { MAX_BULK_LEN, NEED_MORE, ProtocolError, RespParser } from "../../examples/mini-redis/resp-parser.js";
import { RespWriter } from "../../examples/mini-redis/resp-writer.js";

/** Every command in `p`'s buffer now, as arrays of byte arrays. */
function drain(p: RespParser): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  for (let n = p.next(); n !== NEED_MORE; n = p.next()) {
    const args: Uint8Array[] = [];
    for (let i = 0; i < n; i++) args.push(Uint8Array.prototype.slice.call(p.buf, p.starts[i], p.ends[i]));
    out.push(args);
  }
  return out;
}

/** Feed `bytes` cut at `cuts`, collecting commands after each piece (as the handler does). */
function parseInPieces(bytes: Uint8Array, cuts: number[]): Uint8Array[][] {
  const p = new RespParser();
  const out: Uint8Array[][] = [];
  let from = 0;
  for (const cut of [...cuts.sort((a, b) => a - b), bytes.length]) {
    if (cut < from) continue;
    p.push(bytes.subarray(from, cut));
    out.push(...drain(p));
    from = cut;
  }
  return out;
}

const arg = fc.uint8Array({ maxLength: 40 });
const command = fc.array(arg, { minLength: 1, maxLength: 6 });

describe("RespParser", () => {
  it("round-trips writer → parser at random split points", () => {
    fc.assert(
      fc.property(
        fc.array(command, { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (commands, rawCuts) => {
          const w = new RespWriter(16);
          for (const c of commands) w.command(c);
          const bytes = Uint8Array.prototype.slice.call(w.bytes());
          const cuts = rawCuts.map((c) => c % (bytes.length + 1));
          const parsed = parseInPieces(bytes, cuts);
          expect(parsed.map((c) => c.map((a) => Buffer.from(a).toString("hex")))).toEqual(
            commands.map((c) => c.map((a) => Buffer.from(a).toString("hex"))),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("parses inline commands at random split points", () => {
    const word = fc.stringMatching(/^[a-zA-Z0-9_:.-]{1,12}$/);
    fc.assert(
      fc.property(
        fc.array(fc.array(word, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.constantFrom("\r\n", "\n"),
        (lines, rawCuts, eol) => {
          const bytes = Buffer.from(lines.map((l) => ` ${l.join("  ")}\t${eol}`).join(""));
          const cuts = rawCuts.map((c) => c % (bytes.length + 1));
          const parsed = parseInPieces(bytes, cuts).map((c) => c.map((a) => Buffer.from(a).toString()));
          expect(parsed).toEqual(lines);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("is linear: a million-argument frame fed byte by byte-ish stays fast and exact", () => {
    // 200,000 arguments in 7-byte pieces: a parser that restarted each frame from its start
    // would do ~10^11 steps here; this one does one pass.
    const w = new RespWriter();
    const n = 200_000;
    const args = Array.from({ length: n }, (_, i) => String(i % 10));
    w.command(args);
    const bytes = Uint8Array.prototype.slice.call(w.bytes());
    const p = new RespParser();
    let got = -1;
    for (let i = 0; i < bytes.length; i += 7) {
      p.push(bytes.subarray(i, Math.min(i + 7, bytes.length)));
      const r = p.next();
      if (r !== NEED_MORE) got = r;
    }
    expect(got).toBe(n);
    expect(p.buf.toString("latin1", p.starts[n - 1], p.ends[n - 1])).toBe(String((n - 1) % 10));
  });

  it("rejects an oversized declared length from the header, before any payload", () => {
    const p = new RespParser();
    p.push(Buffer.from(`*1\r\n$${MAX_BULK_LEN + 1}\r\n`));
    expect(() => p.next()).toThrow(new ProtocolError("Protocol error: invalid bulk length"));
    expect(p.buf.length).toBeLessThan(1024 * 1024); // nothing was sized from the declaration
  });

  it("accepts the largest declared length and grows only with the bytes that arrive", () => {
    const p = new RespParser();
    p.push(Buffer.from(`*1\r\n$${MAX_BULK_LEN}\r\n`));
    expect(p.next()).toBe(NEED_MORE);
    p.push(Buffer.alloc(100_000));
    expect(p.next()).toBe(NEED_MORE);
    expect(p.buf.length).toBeLessThan(1024 * 1024);
  });

  it.each([
    ["*x\r\n", "invalid multibulk length"],
    ["*1048577\r\n", "invalid multibulk length"],
    ["*1\r\n:3\r\n", "expected '$', got ':'"],
    ["*1\r\n$-1\r\n", "invalid bulk length"],
    ["*1\r\n$3x\r\n", "invalid bulk length"],
    ["*2\n", "invalid multibulk length"],
  ])("rejects %j", (input, message) => {
    const p = new RespParser();
    p.push(Buffer.from(input));
    expect(() => p.next()).toThrow(`Protocol error: ${message}`);
  });

  it("rejects unterminated header and inline lines over 64 KiB, also when they trickle in", () => {
    const p = new RespParser();
    p.push(Buffer.from("*1\r\n$"));
    expect(p.next()).toBe(NEED_MORE);
    for (let i = 0; i < 63; i++) {
      p.push(Buffer.alloc(1024, 49));
      expect(p.next()).toBe(NEED_MORE);
    }
    p.push(Buffer.alloc(2048, 49));
    expect(() => p.next()).toThrow("Protocol error: too big bulk count string");
    const q = new RespParser();
    q.push(Buffer.alloc(65 * 1024, 97));
    expect(() => q.next()).toThrow("Protocol error: too big inline request");
  });

  it("parses a redis-benchmark pipeline cut at any one or two byte positions", () => {
    // Headers cut anywhere (inside the `$16` digits, between CR and LF) take the general path,
    // complete ones the digit-by-digit one; both must give the same commands.
    const frames = [
      "*3\r\n$3\r\nSET\r\n$16\r\nkey:__rand_int__\r\n$3\r\nxxx\r\n",
      "*2\r\n$3\r\nget\r\n$16\r\nkey:__rand_int__\r\n",
      "*1\r\n$4\r\nPING\r\n",
      "*2\r\n$003\r\nabc\r\n$0\r\n\r\n", // leading zeros and an empty argument, as Redis accepts
    ];
    const bytes = Buffer.from(frames.join(""), "latin1");
    const expected = [["SET", "key:__rand_int__", "xxx"], ["get", "key:__rand_int__"], ["PING"], ["abc", ""]];
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) {
        const parsed = parseInPieces(bytes, [i, j]).map((c) =>
          c.map((a) => Buffer.from(a).toString("latin1")),
        );
        expect(parsed).toEqual(expected);
      }
    }
  });

  it.each([
    ["*1\r\n$3\rx\n", "invalid bulk length"],
    ["*1\r\n$3\n", "invalid bulk length"],
    ["*1\r\n$+3\r\n", "invalid bulk length"],
    ["*1\r\n$\r\n", "invalid bulk length"],
    ["*1\r\n$ 3\r\n", "invalid bulk length"],
    [`*1\r\n$${"1".repeat(19)}\r\n`, "invalid bulk length"],
    [`*1\r\n$${MAX_BULK_LEN + 1}\r\n`, "invalid bulk length"],
    ["*\r\n", "invalid multibulk length"],
    ["*3\rx\n", "invalid multibulk length"],
    [`*${"1".repeat(19)}\r\n`, "invalid multibulk length"],
  ])("rejects %j whole and fed byte by byte, with the same message", (input, message) => {
    const whole = new RespParser();
    whole.push(Buffer.from(input, "latin1"));
    expect(() => whole.next()).toThrow(`Protocol error: ${message}`);
    const bytes = Buffer.from(input, "latin1");
    const p = new RespParser();
    let error: unknown;
    try {
      for (let i = 0; i < bytes.length; i++) {
        p.push(bytes.subarray(i, i + 1));
        expect(p.next()).toBe(NEED_MORE);
      }
    } catch (e) {
      error = e;
    }
    expect(error).toEqual(new ProtocolError(`Protocol error: ${message}`));
  });

  it("skips empty commands (*0, *-1, blank lines)", () => {
    const p = new RespParser();
    p.push(Buffer.from("*0\r\n*-1\r\n\r\n   \r\n*1\r\n$4\r\nPING\r\n"));
    expect(drain(p).map((c) => c.map((a) => Buffer.from(a).toString()))).toEqual([["PING"]]);
  });
});

describe("globMatch", () => {
  it.each([
    ["news.*", "news.sport", true],
    ["news.*", "new", false],
    ["h?llo", "hello", true],
    ["h[ae]llo", "hallo", true],
    ["h[^e]llo", "hello", false],
    ["h[a-c]llo", "hbllo", true],
    ["h\\*llo", "h*llo", true],
    ["*", "", true],
    ["a*a*a*b", "a".repeat(200), false],
  ])("%s ~ %s → %s", (pattern, text, expected) => {
    expect(globMatch(pattern, text)).toBe(expected);
  });
});
