import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import type { PathOp } from "../../src/fs/index.js";
import * as fs from "../../src/fs/index.js";
import { END, select } from "../../src/future/index.js";
import { IoError } from "../../src/io/index.js";
import { Runtime, run } from "../../src/runtime/index.js";
import { yieldNow } from "../../src/task/index.js";
import { tempDir } from "./helpers.js";

async function failure(p: Promise<unknown>): Promise<IoError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(IoError);
    return e as IoError;
  }
  throw new Error("expected an IoError");
}

describe("whole-file helpers", () => {
  const tmp = tempDir();

  it("write then read round-trips bytes and text; futures are lazy", async () => {
    const dir = tmp();
    const p = join(dir, "a.bin");
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    const out = await run(function* () {
      const w = fs.write(p, bytes);
      expect(existsSync(p)).toBe(false); // nothing ran yet
      yield* w;
      const back = yield* fs.read(p);
      yield* fs.write(pathToFileURL(join(dir, "t.txt")), "héllo\n");
      const text = yield* fs.readToString(join(dir, "t.txt"));
      return { back: Array.from(back), text };
    });
    expect(out).toEqual({ back: [0, 1, 2, 250, 255], text: "héllo\n" });
  });

  it("a missing file is NotFound with the path in the fields and the message", async () => {
    const dir = tmp();
    const p = join(dir, "nope.txt");
    const ops: (() => PathOp<unknown>)[] = [
      () => fs.read(p),
      () => fs.readToString(p),
      () => fs.metadata(p),
      () => fs.removeFile(p),
    ];
    for (const op of ops) {
      const e = await failure(run(op()));
      expect(e.kind).toBe("NotFound");
      expect(e.code).toBe("ENOENT");
      expect(e.path).toBe(p);
      expect(e.message).toContain(p);
    }
  });

  it("readToString rejects invalid UTF-8 as InvalidData", async () => {
    const dir = tmp();
    const p = join(dir, "bad.txt");
    writeFileSync(p, Buffer.from([0x66, 0xff, 0xfe]));
    const e = await failure(run(fs.readToString(p)));
    expect(e.kind).toBe("InvalidData");
    expect(e.path).toBe(p);
  });

  it("bad arguments are rejected at once, naming the value and the fix", () => {
    expect(() => fs.read("")).toThrow(/expects a path; got the empty string/);
    expect(() => fs.read(42 as never)).toThrow(/fs.read\(\) expects a path .* got number 42/);
    expect(() => fs.write(join(tmp(), "x"), { a: 1 } as never)).toThrow(/Uint8Array or a string; got Object/);
    expect(() => fs.metadata(new URL("http://example.com/x"))).toThrow(/file: URL; got a http: URL/);
  });
});

describe("directories and entries", () => {
  const tmp = tempDir();

  it("createDir, createDirAll, metadata, rename, copy, removeFile, removeDir, removeDirAll", async () => {
    const dir = tmp();
    await run(function* () {
      const deep = join(dir, "a", "b", "c");
      yield* fs.createDirAll(deep);
      yield* fs.createDirAll(deep); // idempotent
      expect((yield* fs.metadata(deep)).isDir()).toBe(true);
      const e = yield* (function* () {
        try {
          yield* fs.createDir(deep);
        } catch (err) {
          return err as IoError;
        }
        return null;
      })();
      expect(e?.kind).toBe("AlreadyExists");

      const f = join(deep, "f.txt");
      yield* fs.write(f, "12345");
      const m = yield* fs.metadata(f);
      expect(m.isFile()).toBe(true);
      expect(m.len).toBe(5);
      expect(m.modified).toBeInstanceOf(Date);

      yield* fs.copy(f, join(dir, "copy.txt"));
      yield* fs.rename(join(dir, "copy.txt"), join(dir, "moved.txt"));
      expect(readFileSync(join(dir, "moved.txt"), "utf8")).toBe("12345");
      expect(existsSync(join(dir, "copy.txt"))).toBe(false);
      yield* fs.removeFile(join(dir, "moved.txt"));

      yield* fs.createDir(join(dir, "empty"));
      yield* fs.removeDir(join(dir, "empty"));
      yield* fs.removeDirAll(join(dir, "a"));
    });
    expect(existsSync(join(dir, "a"))).toBe(false);
    expect(existsSync(join(dir, "empty"))).toBe(false);
  });

  it("rename of a missing file names both paths", async () => {
    const dir = tmp();
    const from = join(dir, "ghost");
    const to = join(dir, "elsewhere");
    const e = await failure(run(fs.rename(from, to)));
    expect(e.kind).toBe("NotFound");
    expect(e.path).toBe(from);
    expect(e.message).toContain(to);
  });

  it("symlinkMetadata sees links; metadata follows them", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "target"), "x");
    symlinkSync(join(dir, "target"), join(dir, "link"));
    const [l, m] = await run(function* () {
      return [yield* fs.symlinkMetadata(join(dir, "link")), yield* fs.metadata(join(dir, "link"))] as const;
    });
    expect(l.isSymlink()).toBe(true);
    expect(m.isFile()).toBe(true);
  });
});

describe("readDir", () => {
  const tmp = tempDir();

  it("lists every entry with name, path and file type, in batches", async () => {
    const dir = tmp();
    for (let i = 0; i < 100; i++) writeFileSync(join(dir, `f${i}`), "");
    mkdirSync(join(dir, "sub"));
    symlinkSync(join(dir, "f0"), join(dir, "ln"));
    const entries = await run(fs.readDir(dir).collect());
    expect(entries).toHaveLength(102);
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(byName.get("f7")?.fileType).toBe("file");
    expect(byName.get("f7")?.path).toBe(join(dir, "f7"));
    expect(byName.get("sub")?.isDir()).toBe(true);
    expect(byName.get("ln")?.isSymlink()).toBe(true);
    expect(new Set(entries.map((e) => e.name)).size).toBe(102);
  });

  it("an empty directory ends at once; a missing one throws NotFound from next()", async () => {
    const dir = tmp();
    mkdirSync(join(dir, "empty"));
    expect(await run(fs.readDir(join(dir, "empty")).collect())).toEqual([]);
    const e = await failure(
      run(function* () {
        return yield* fs.readDir(join(dir, "missing")).next();
      }),
    );
    expect(e.kind).toBe("NotFound");
    expect(e.path).toBe(join(dir, "missing"));
  });

  it("an entry's metadata; dropping the stream mid-way and cancelled next()s leave no registration", async () => {
    const dir = tmp();
    for (let i = 0; i < 50; i++) writeFileSync(join(dir, `g${i}`), "abc");
    const rt = new Runtime();
    await rt.run(function* () {
      using rd = fs.readDir(dir);
      const first = yield* rd.next();
      if (first === END) throw new Error("empty dir");
      expect((yield* first.metadata()).len).toBeGreaterThanOrEqual(0);
      for (let i = 0; i < 100; i++) yield* select.biased({ now: yieldNow(), next: rd.next() });
    });
    expect(rt.metrics().pendingSources).toBe(0);
    await rt.shutdown();
  });
});
