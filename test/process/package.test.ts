// The built package's fs, process and signal subpaths, imported the way users import them.
import { describe, expect, it } from "vitest";

describe("pollux/fs, pollux/process, pollux/signal (needs `npm run build`)", () => {
  it("expose their public names", async () => {
    const fs = await import("pollux/fs");
    const proc = await import("pollux/process");
    const sig = await import("pollux/signal");
    for (const name of [
      "read",
      "readToString",
      "write",
      "readDir",
      "metadata",
      "createDirAll",
      "rename",
      "copy",
    ]) {
      expect(typeof (fs as Record<string, unknown>)[name]).toBe("function");
    }
    expect(typeof fs.File.open).toBe("function");
    expect(typeof proc.Command).toBe("function");
    expect(typeof sig.ctrlC).toBe("function");
    expect(typeof sig.signal).toBe("function");
  });
});
