import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const fixture = fileURLToPath(new URL("../fixtures/run-main.mjs", import.meta.url));

function start(mode: string): {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, [fixture, mode], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exit };
}

async function waitFor(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

describe("runMain (needs `npm run build`: it imports the built package)", () => {
  it("exits 0 when main succeeds", async () => {
    const p = start("ok");
    expect(await p.exit).toBe(0);
  });

  it("prints the error and exits 1 when main fails", async () => {
    const p = start("fail");
    expect(await p.exit).toBe(1);
    expect(p.err()).toMatch(/main failed:.*main exploded/s);
  });

  it("Ctrl-C cancels main: its finally blocks run (async ones too), exit code 130", async () => {
    const p = start("wait");
    await waitFor(() => p.out().includes("ready"));
    p.child.kill("SIGINT");
    expect(await p.exit).toBe(130);
    expect(p.out()).toContain("cleanup done");
    expect(p.err()).toMatch(/interrupted; cancelling main/);
  });

  it("a second Ctrl-C exits at once, even while cleanup is still running", async () => {
    const p = start("stubborn");
    await waitFor(() => p.out().includes("ready"));
    p.child.kill("SIGINT");
    await waitFor(() => p.out().includes("cleanup started"));
    p.child.kill("SIGINT");
    expect(await p.exit).toBe(130);
  });

  it("a main that waits on something nothing can settle is reported, not a silent exit", async () => {
    const p = start("silent-hang");
    expect(await p.exit).toBe(1);
    expect(p.err()).toMatch(/deadlock/);
  });
});
