import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { failedAnchors } from "../../src/runtime/map-anchors.js";
import { Runtime } from "../../src/runtime/runtime.js";
// The modules that register anchor workloads, loaded as an application would load them.
import "../../src/stream/index.js";
import "../../src/sync/index.js";
import "../../src/time/index.js";

const fixture = fileURLToPath(new URL("../fixtures/full-gc.mjs", import.meta.url));

describe("map anchors", () => {
  it("every module's anchor builds its objects without an error", () => {
    new Runtime();
    expect(failedAnchors()).toEqual([]);
  });

  it("a full GC between runs does not deoptimize user code that awaits pollux objects (needs `npm run build`)", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--expose-gc", "--trace-deopt", fixture, "8"],
      { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NODE_ENV: "production" } },
    );
    expect(stdout).toContain("done");
    const weak = new Set(
      [
        ...stdout.matchAll(
          /<SharedFunctionInfo ([^>]*)>\) \(opt id \d+\) for deoptimization, reason: weak objects/g,
        ),
      ].map((m) => m[1]),
    );
    // The control (a class of the fixture's own whose objects all die) proves that the run was
    // long enough for optimized code to exist and that a full GC does discard it.
    expect(weak).toContain("control_list");
    expect([...weak].filter((name) => name?.startsWith("user_"))).toEqual([]);
  }, 120_000);
});
