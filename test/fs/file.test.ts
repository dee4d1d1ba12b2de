import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { File } from "../../src/fs/index.js";
import { select } from "../../src/future/index.js";
import { IoError } from "../../src/io/index.js";
import { Runtime, run } from "../../src/runtime/index.js";
import { spawn, yieldNow } from "../../src/task/index.js";
import { openFds, tempDir } from "./helpers.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

describe("File", () => {
  const tmp = tempDir();

  it("create, writeAll, seek back, read it all; flush then the bytes are on disk", async () => {
    const p = join(tmp(), "a.txt");
    const out = await run(function* () {
      using f = yield* File.create(p);
      yield* f.writeAll(enc("hello "));
      yield* f.writeAll(enc("world"));
      yield* f.flush();
      expect(readFileSync(p, "utf8")).toBe("hello world");
      expect(yield* f.seek(0)).toBe(0);
      return yield* f.readToString();
    });
    expect(out).toBe("hello world");
  });

  it("small reads are served from the read-ahead buffer; seek start/current/end", async () => {
    const p = join(tmp(), "digits");
    writeFileSync(p, "0123456789");
    const out = await run(function* () {
      using f = yield* File.open(p);
      const two = new Uint8Array(2);
      const parts: string[] = [];
      yield* f.readExact(two);
      parts.push(dec(two));
      expect(yield* f.seek({ current: 3 })).toBe(5);
      yield* f.readExact(two);
      parts.push(dec(two));
      expect(yield* f.seek({ end: -1 })).toBe(9);
      const one = new Uint8Array(4);
      const n = yield* f.read(one);
      parts.push(dec(one.subarray(0, n)));
      expect(yield* f.read(one)).toBe(0); // end of file
      expect(yield* f.seek({ start: 1 })).toBe(1);
      yield* f.readExact(two);
      parts.push(dec(two));
      return parts;
    });
    expect(out).toEqual(["01", "56", "9", "12"]);
  });

  it("seeking before the start is InvalidInput; bad arguments are named", async () => {
    const p = join(tmp(), "x");
    writeFileSync(p, "abc");
    const e = await run(function* () {
      using f = yield* File.open(p);
      try {
        yield* f.seek({ current: -10 });
      } catch (err) {
        return err as IoError;
      }
      return null;
    });
    expect(e).toBeInstanceOf(IoError);
    expect(e?.kind).toBe("InvalidInput");
    await run(function* () {
      using f = yield* File.open(p);
      expect(() => f.seek({ middle: 1 } as never)).toThrow(/number, \{ start: n \}/);
      expect(() => f.seek(-1)).toThrow(/cannot be negative/);
      expect(() => f.setLen(-5)).toThrow(/non-negative integer length; got number -5/);
    });
    expect(() => File.open(p, "rw" as never)).toThrow(/flags must be one of/);
  });

  it("setLen truncates and extends; metadata and syncAll see pending writes", async () => {
    const p = join(tmp(), "len");
    const out = await run(function* () {
      using f = yield* File.create(p);
      yield* f.writeAll(enc("abcdefgh"));
      const before = (yield* f.metadata()).len;
      yield* f.setLen(3);
      const cut = (yield* f.metadata()).len;
      yield* f.setLen(5);
      yield* f.syncAll();
      yield* f.syncData();
      yield* f.seek(0);
      const all = yield* f.readToEnd();
      return { before, cut, all: Array.from(all) };
    });
    expect(out).toEqual({ before: 8, cut: 3, all: [97, 98, 99, 0, 0] });
  });

  it("append mode writes at the end; overwriting in r+ mode writes at the cursor", async () => {
    const p = join(tmp(), "app");
    writeFileSync(p, "start-");
    await run(function* () {
      using a = yield* File.open(p, "a");
      yield* a.writeAll(enc("one-"));
      yield* a.writeAll(enc("two"));
      yield* a.flush();
    });
    expect(readFileSync(p, "utf8")).toBe("start-one-two");
    await run(function* () {
      using f = yield* File.open(p, "r+");
      yield* f.seek(6);
      yield* f.writeAll(enc("ONE"));
      yield* f.flush();
    });
    expect(readFileSync(p, "utf8")).toBe("start-ONE-two");
  });

  it("a large file round-trips through reads bigger and smaller than the buffer", async () => {
    const p = join(tmp(), "big");
    const data = new Uint8Array(3 * 1024 * 1024 + 17);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
    const back = await run(function* () {
      using f = yield* File.create(p);
      yield* f.writeAll(data);
      yield* f.seek(0);
      return yield* f.readToEnd({ limit: Number.POSITIVE_INFINITY });
    });
    expect(back.length).toBe(data.length);
    expect(Buffer.compare(Buffer.from(back), Buffer.from(data))).toBe(0);
  });

  it("missing file: NotFound naming the path; a closed file refuses operations", async () => {
    const p = join(tmp(), "missing");
    const e = await run(function* () {
      try {
        yield* File.open(p);
      } catch (err) {
        return err as IoError;
      }
      return null;
    });
    expect(e?.kind).toBe("NotFound");
    expect(e?.path).toBe(p);
    expect(e?.message).toContain(p);
    writeFileSync(p, "x");
    const closed = await run(function* () {
      const f = yield* File.open(p);
      f.close();
      f.close(); // idempotent
      expect(f.fd).toBe(-1);
      try {
        yield* f.readToEnd();
      } catch (err) {
        return err as IoError;
      }
      return null;
    });
    expect(closed?.message).toMatch(/file was closed/);
  });

  it("no fd leak: 1,000 cancelled opens, and a file closed while a read is in flight", async () => {
    const p = join(tmp(), "leak");
    writeFileSync(p, "data");
    const before = openFds();
    // Blocking detection off: its watcher thread, if this is the first runtime, opens fds too.
    const rt = new Runtime({ instrument: false });
    await rt.run(function* () {
      for (let i = 0; i < 1_000; i++) {
        const r = yield* select.biased({ now: yieldNow(), open: File.open(p) });
        expect(r.key).toBe("now");
      }
      const f = yield* File.open(p);
      const reader = spawn(f.readToEnd());
      yield* yieldNow();
      f.close();
      try {
        yield* reader;
      } catch {
        // the read may fail with "the file was closed": either way the fd is released
      }
    });
    expect(rt.metrics().pendingSources).toBe(0);
    await rt.shutdown();
    // The cancelled opens complete on libuv's pool after their futures are gone; their fds are
    // closed from the callback. Wait (bounded) for the count to come back.
    for (let i = 0; i < 500 && openFds() > before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(openFds()).toBeLessThanOrEqual(before);
  });
});

describe("File dropped without close()", () => {
  it("is closed when garbage-collected", async () => {
    const { execFile } = await import("node:child_process");
    const { fileURLToPath } = await import("node:url");
    const fixture = fileURLToPath(new URL("./fixtures/gc-close.mjs", import.meta.url));
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ["--expose-gc", fixture], (err, out) => (err ? reject(err) : resolve(out))),
    );
    const { before, held, after } = JSON.parse(stdout) as { before: number; held: number; after: number };
    expect(held).toBeGreaterThanOrEqual(before + 100);
    expect(after).toBeLessThanOrEqual(before);
  });
});
