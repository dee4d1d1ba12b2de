// Starting the console without code (runMain's `console` option, POLLUX_CONSOLE) and its effect
// on the process: it prints its URL, serves the page while main runs, and never keeps the process
// alive. Runs the built package (test/fixtures/console-child.mjs): needs `npm run build`.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";

const fixture = fileURLToPath(new URL("../fixtures/console-child.mjs", import.meta.url));

function start(mode: string, env: Record<string, string> = {}) {
  const child: ChildProcess = spawn(process.execPath, [fixture, mode], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, POLLUX_CONSOLE: "", ...env },
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const waitFor = async (re: RegExp, stream: () => string): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + 8000;
    for (;;) {
      const m = stream().match(re);
      if (m !== null) return m;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${re}; stdout: ${out}; stderr: ${err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { child, exit, err: () => err, waitFor, out: () => out };
}

/** A port that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe("starting the console without code", () => {
  it("runMain({ console: { port: 0 } }) prints the URL and serves the page while main runs", async () => {
    const p = start("run-main-option");
    const [, url] = await p.waitFor(/pollux console: (http:\/\/127\.0\.0\.1:\d+)\n/, p.err);
    const res = await fetch(url!);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("<title>pollux console</title>");
    // runMain made its runtime with full instrumentation for the console.
    const hello = await new Promise<{ mode: string }>((resolve, reject) => {
      const ws = new WebSocket(`${url!.replace("http", "ws")}/ws`);
      ws.once("message", (d) => {
        resolve(JSON.parse(String(d)));
        ws.close();
      });
      ws.once("error", reject);
    });
    expect(hello.mode).toBe("full");
    p.child.stdin!.write("done\n");
    expect(await p.exit).toBe(0);
  });

  it("POLLUX_CONSOLE=<port> does the same for an unchanged program", async () => {
    const port = await freePort();
    const p = start("run-main-env", { POLLUX_CONSOLE: String(port) });
    await p.waitFor(new RegExp(`pollux console: http://127\\.0\\.0\\.1:${port}\\n`), p.err);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    p.child.stdin!.write("done\n");
    expect(await p.exit).toBe(0);
  });

  it("a bad POLLUX_CONSOLE is reported and the program runs without the console", async () => {
    const p = start("run-main-env", { POLLUX_CONSOLE: "lots" });
    await p.waitFor(/POLLUX_CONSOLE must be 1 .* got "lots"/, p.err);
    p.child.stdin!.write("done\n");
    expect(await p.exit).toBe(0);
    expect(p.err()).not.toContain("pollux console: http");
  });

  it("a console left open does not keep the process alive", async () => {
    const p = start("left-open");
    await p.waitFor(/listening http/, p.out);
    expect(await p.exit).toBe(0);
  });
});
