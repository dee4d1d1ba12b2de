/**
 * examples/tokio-port.ts runs as a program (as `npm test` builds dist first, its `pollux/*`
 * imports resolve to the package): every line reaches the writer, the drop guard stops the
 * helpers, and the process exits 0 without an orphan report.
 */
import { execFile } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const exec = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

describe("examples/tokio-port.ts", () => {
  it("ingests every line through Handle, chunksTimeout and recvMany, then exits cleanly", async () => {
    const { stdout, stderr } = await exec(process.execPath, ["--import", "tsx", "examples/tokio-port.ts"], {
      cwd: root,
      timeout: 60_000,
    });
    expect(stdout).toMatch(/^1000 lines written in \d+ batches\n$/);
    expect(stderr).toBe("");
  });
});
