// Graceful shutdown with connected clients: in-process (`server.shutdown()`), and the CLI on
// Ctrl-C (SIGINT), which must exit with status 0.
import { spawn as spawnChild } from "node:child_process";
import * as net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { encode, RawClient, startServer } from "./helpers.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

function refused(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = net.connect({ host: "127.0.0.1", port });
    s.on("connect", () => {
      s.destroy();
      res(false);
    });
    s.on("error", () => res(true));
  });
}

describe("graceful shutdown", () => {
  it("stops accepting, ends every connection (idle, subscribed, mid-frame), then serve returns", async () => {
    const s = await startServer();
    const idle = await RawClient.connect(s.port);
    const subscribed = await RawClient.connect(s.port);
    const midFrame = await RawClient.connect(s.port);
    expect(await idle.call("SET", "k", "v")).toBe("OK");
    expect(await subscribed.call("SUBSCRIBE", "ch")).toEqual(["subscribe", "ch", 1]);
    expect(await midFrame.call("PING")).toBe("PONG");
    midFrame.send("*2\r\n$3\r\nGET\r\n");
    expect(s.server.connected).toBe(3);

    await s.stop();

    await Promise.all([idle.closed, subscribed.closed, midFrame.closed]);
    expect(s.server.connected).toBe(0);
    expect(await refused(s.port)).toBe(true);
  });

  it("answers a pipelined batch already received before the connection ends", async () => {
    const s = await startServer();
    const c = await RawClient.connect(s.port);
    expect(await c.call("PING")).toBe("PONG");
    c.send(Buffer.concat([encode("SET", "a", "1"), encode("GET", "a")]));
    expect(await c.replies(2)).toEqual(["OK", "1"]);
    await s.stop();
    await c.closed;
  });

  it("the CLI shuts down on Ctrl-C with clients connected and exits 0", async () => {
    const child = spawnChild(
      process.execPath,
      ["--import", "tsx", join(root, "examples/mini-redis/main.ts"), "--port", "0", "--console-port", "0"],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      let out = "";
      let err = "";
      child.stderr.on("data", (d) => {
        err += d;
      });
      const [port, consoleUrl] = await new Promise<[number, string]>((res, rej) => {
        child.stdout.on("data", (d) => {
          out += d;
          const m = /listening on [\d.]+:(\d+)/.exec(out);
          const c = /pollux console: (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m && c) res([Number(m[1]), c[1]!]);
        });
        child.on("exit", (code) => rej(new Error(`exited early (${code}): ${out}${err}`)));
      });
      // npm start shows the console: its page is served while the server runs.
      const page = await fetch(consoleUrl);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/pollux console/i);
      const a = await RawClient.connect(port);
      const b = await RawClient.connect(port);
      expect(await a.call("SET", "k", "v")).toBe("OK");
      expect(await b.call("SUBSCRIBE", "news")).toEqual(["subscribe", "news", 1]);
      const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
      child.kill("SIGINT");
      await Promise.all([a.closed, b.closed]);
      expect(await exited).toBe(0);
      expect(out).toMatch(/Ctrl-C: shutting down \(2 connections\)/);
      expect(out).toMatch(/mini-redis: stopped/);
    } finally {
      // A failed assertion must not leave the server running.
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  }, 60_000);
});
