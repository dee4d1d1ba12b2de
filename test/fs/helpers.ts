import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";

/** Call inside a `describe`: each test gets a fresh temporary directory, removed after it. */
export function tempDir(): () => string {
  let dir = "";
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "pollux-fs-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  return () => dir;
}

/** Open file descriptors of this process (Linux: /proc/self/fd). */
export function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}
