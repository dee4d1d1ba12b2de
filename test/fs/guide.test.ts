/** The examples of docs/guide-fs-process-signal.md, run as written (paths under a temp dir). */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as fs from "../../src/fs/index.js";
import { File } from "../../src/fs/index.js";
import { END, select } from "../../src/future/index.js";
import { Command } from "../../src/process/index.js";
import { run } from "../../src/runtime/index.js";
import { signal } from "../../src/signal/index.js";
import { tempDir } from "./helpers.js";

describe("guide-fs-process-signal examples", () => {
  const tmp = tempDir();

  it("the fs example", async () => {
    const root = tmp();
    const seen: string[] = [];
    const tail = await run(function* () {
      yield* fs.createDirAll(join(root, "out/logs"));
      yield* fs.write(join(root, "out/logs/a.txt"), "hello\n");
      const text = yield* fs.readToString(join(root, "out/logs/a.txt"));
      expect(text).toBe("hello\n");

      using entries = fs.readDir(join(root, "out/logs"));
      for (let e = yield* entries.next(); e !== END; e = yield* entries.next()) {
        seen.push(`${e.name} ${e.fileType} ${(yield* e.metadata()).len}`);
      }

      using f = yield* File.open(join(root, "out/logs/a.txt"));
      yield* f.seek({ end: -3 });
      return yield* f.readToString();
    });
    expect(seen).toEqual(["a.txt file 6"]);
    expect(tail).toBe("lo\n");
  });

  it("the process example (sort)", async () => {
    const out = await run(function* () {
      const child = new Command("sort").stdin("piped").stdout("piped").spawn();
      yield* child.stdin!.writeAll(new TextEncoder().encode("pear\napple\n"));
      yield* child.stdin!.shutdown();
      const sorted = yield* child.stdout!.readToString();
      const status = yield* child.wait();
      const o = yield* new Command(process.execPath).args(["-e", "process.stdout.write('abc')"]).output();
      return { sorted, ok: status.success, o: new TextDecoder().decode(o.stdout) };
    });
    expect(out).toEqual({ sorted: "apple\npear\n", ok: true, o: "abc" });
  });

  it("the signal example", async () => {
    let reloads = 0;
    await run(function* () {
      using term = signal("SIGTERM");
      using hup = signal("SIGHUP");
      process.kill(process.pid, "SIGHUP");
      for (;;) {
        const r = yield* select({ stop: term.recv(), reload: hup.recv() });
        if (r.key === "stop") break;
        reloads++;
        process.kill(process.pid, "SIGTERM");
      }
    });
    expect(reloads).toBe(1);
    expect(process.listenerCount("SIGTERM")).toBe(0);
    expect(process.listenerCount("SIGHUP")).toBe(0);
  });
});
