import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const fixture = fileURLToPath(new URL("../fixtures/run-main.mjs", import.meta.url));

function start(mode: string): {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
  signal: () => NodeJS.Signals | null;
} {
  const child = spawn(process.execPath, [fixture, mode], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  let signal: NodeJS.Signals | null = null;
  const exit = new Promise<number | null>((resolve) =>
    child.on("exit", (code, sig) => {
      signal = sig;
      resolve(code);
    }),
  );
  return { child, out: () => out, err: () => err, exit, signal: () => signal };
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

  it("SIGTERM cancels main too: finally runs, exit code 143", async () => {
    const p = start("wait");
    await waitFor(() => p.out().includes("ready"));
    p.child.kill("SIGTERM");
    expect(await p.exit).toBe(143);
    expect(p.out()).toContain("cleanup done");
    expect(p.err()).toMatch(/terminated; cancelling main/);
  });

  for (const [sig, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    it(`after ${sig}, the process exits once cleanup is done, not when a pending foreign timer fires`, async () => {
      const p = start("foreign");
      await waitFor(() => p.out().includes("ready"));
      const sent = Date.now();
      p.child.kill(sig);
      expect(await p.exit).toBe(code);
      expect(p.out()).toContain("cleanup done");
      // The foreign timer is 60 s long; "well before it" is all this asserts.
      expect(Date.now() - sent).toBeLessThan(30_000);
    });
  }

  it("a second SIGTERM exits at once, even while cleanup is still running", async () => {
    const p = start("stubborn");
    await waitFor(() => p.out().includes("ready"));
    p.child.kill("SIGTERM");
    await waitFor(() => p.out().includes("cleanup started"));
    p.child.kill("SIGTERM");
    expect(await p.exit).toBe(143);
  });

  it("when main returns, the process ends even with a foreign timer pending", async () => {
    const started = Date.now();
    const p = start("ok-foreign");
    expect(await p.exit).toBe(0);
    expect(p.out()).not.toContain("foreign timer fired");
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it("{ exit: false }: runMain resolves, sets exitCode, removes its signal listeners, leaves the process alive", async () => {
    const p = start("exit-false");
    expect(await p.exit).toBe(0);
    expect(p.out()).toContain("resolved sigint=0 sigterm=0");
    expect(p.out()).toContain("still alive");
  });

  it("a main that awaits ctrlC() itself owns Ctrl-C: it is not cancelled and exits 0", async () => {
    const p = start("user-ctrlc");
    await waitFor(() => p.out().includes("ready"));
    p.child.kill("SIGINT");
    expect(await p.exit).toBe(0);
    expect(p.out()).toContain("handled by main");
    expect(p.err()).not.toMatch(/cancelling main/);
  });

  it("a main that waits on something nothing can settle is reported, not a silent exit", async () => {
    const p = start("silent-hang");
    expect(await p.exit).toBe(1);
    expect(p.err()).toMatch(/deadlock/);
  });
});
