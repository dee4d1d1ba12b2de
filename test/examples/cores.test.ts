/**
 * examples/cores/main.ts runs as a program: worker runtimes accept on the main runtime's socket
 * by descriptor, more than one thread answers, and the process exits 0 after the self-test.
 */
import { execFile } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const exec = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

describe("examples/cores/main.ts", () => {
  it("serves from several threads on one port, then exits cleanly", async () => {
    const { stdout } = await exec(
      process.execPath,
      ["--import", "tsx", "examples/cores/main.ts", "--self-test"],
      {
        cwd: root,
        timeout: 60_000,
        env: { ...process.env, NODE_ENV: "production" },
      },
    );
    const m = /(\d+) threads answered/.exec(stdout);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(2);
  }, 70_000);
});
