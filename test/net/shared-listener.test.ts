import { connect } from "node:net";
import { threadId } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { fromPromise, Runtime, spawn } from "../../src/index.js";
import { TcpListener } from "../../src/net/index.js";
import { supportsReusePort } from "../../src/net/reuse-port.js";
import { spawnOn } from "../../src/runtime/index.js";

const SERVE = { module: new URL("../fixtures/cores/serve.mjs", import.meta.url), export: "serveFd" };

/** One connection: the thread id the server answered with. */
function ask(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1");
    let text = "";
    s.setEncoding("utf8");
    s.on("data", (d) => {
      text += d;
    });
    s.on("end", () => resolve(Number.parseInt(text, 10)));
    s.on("error", reject);
  });
}

describe("a listener shared by every runtime (by file descriptor)", () => {
  it("serves connections from every thread", async () => {
    const rt = new Runtime({ workers: 3, onOrphans: false });
    try {
      const seen = await rt.run(function* () {
        const listener = yield* TcpListener.bind("127.0.0.1:0");
        const port = listener.localAddr().port;
        const workers = [spawnOn(1, SERVE, listener.fd, 20), spawnOn(2, SERVE, listener.fd, 20)];
        // This thread serves too, from a local task on the same socket.
        const local = spawn(function* () {
          for (;;) {
            const [conn] = yield* listener.accept();
            using c = conn;
            const end = Date.now() + 20;
            while (Date.now() < end) {}
            yield* c.writeAll(new TextEncoder().encode(`${threadId}\n`));
            yield* c.shutdown();
          }
        });
        const seen = new Set<number>();
        for (let round = 0; round < 40 && seen.size < 3; round++) {
          const ids = yield* fromPromise(() => Promise.all(Array.from({ length: 12 }, () => ask(port))));
          for (const id of ids) seen.add(id);
        }
        for (const w of workers) w.abort();
        for (const w of workers) {
          try {
            yield* w;
          } catch {
            // cancelled, as asked
          }
        }
        local.abort();
        listener.close();
        return seen;
      });
      expect(seen.size).toBe(3); // the main thread and both worker runtimes accepted connections
      expect(seen.has(threadId)).toBe(true);
    } finally {
      await rt.shutdown();
    }
  });

  it("rejects a bad descriptor with the fix", () => {
    expect(() => TcpListener.fromFd(-1)).toThrow(/non-negative integer, e.g. listener.fd/);
  });
});

describe("reusePort", () => {
  it("knows which Node versions support it", () => {
    expect(supportsReusePort("20.20.0")).toBe(false);
    expect(supportsReusePort("22.11.0")).toBe(false);
    expect(supportsReusePort("22.12.0")).toBe(true);
    expect(supportsReusePort("23.0.0")).toBe(false);
    expect(supportsReusePort("23.1.0")).toBe(true);
    expect(supportsReusePort("24.0.0")).toBe(true);
  });

  it.runIf(!supportsReusePort())("is refused on this Node, naming the fd alternative", () => {
    expect(() => TcpListener.bind("127.0.0.1:0", { reusePort: true })).toThrow(
      /listener\.fd.*TcpListener\.fromFd/,
    );
  });

  it.runIf(supportsReusePort())("lets two listeners bind one port", async () => {
    const rt = new Runtime();
    try {
      await rt.run(function* () {
        using a = yield* TcpListener.bind("127.0.0.1:0", { reusePort: true });
        using b = yield* TcpListener.bind(`127.0.0.1:${a.localAddr().port}`, { reusePort: true });
        expect(b.localAddr().port).toBe(a.localAddr().port);
      });
    } finally {
      await rt.shutdown();
    }
  });
});
