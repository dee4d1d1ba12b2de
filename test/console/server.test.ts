// The console server without a browser: option errors, the host warning, what it serves, the
// update protocol (whole table first, then only changes), and that it changes nothing in the
// runtime it watches (a deadlock is still a deadlock).
import { afterEach, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { type ConsoleServer, startConsole } from "../../src/console/index.js";
import { originAllowed } from "../../src/console/origin.js";
import { pending } from "../../src/future/index.js";
import { DeadlockError, Runtime, run, spawnOn } from "../../src/runtime/index.js";
import { CancellationToken } from "../../src/task/index.js";
import { sleep } from "../../src/time/index.js";

const servers: ConsoleServer[] = [];
function serve(rt: Runtime, options: Parameters<typeof startConsole>[1] = { port: 0 }): ConsoleServer {
  const s = startConsole(rt, options);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  vi.restoreAllMocks();
});

describe("startConsole options", () => {
  it("rejects a bad port, host or interval, naming the value and the fix", () => {
    const rt = new Runtime();
    expect(() => startConsole(rt, { port: 70000 })).toThrow(
      /port must be an integer from 0 to 65535 .*got 70000/,
    );
    expect(() => startConsole(rt, { port: -1 })).toThrow(/got -1/);
    expect(() => startConsole(rt, { port: 1.5 })).toThrow(/0 picks a free port/);
    expect(() => startConsole(rt, { port: "80" as unknown as number })).toThrow(/got 80/);
    expect(() => startConsole(rt, { host: "" })).toThrow(/host must be an address/);
    expect(() => startConsole(rt, { intervalMs: 5 })).toThrow(
      /intervalMs must be between 100 and 10000; got 5/,
    );
    expect(() => startConsole({} as Runtime)).toThrow(/needs a pollux Runtime/);
  });

  it("warns on stderr when listening beyond this machine", async () => {
    const write = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const s = serve(new Runtime(), { port: 0, host: "0.0.0.0" });
    await s.ready;
    expect(write.mock.calls.map((c) => String(c[0])).join("")).toMatch(
      /listening on 0\.0\.0\.0.*anyone who can reach/,
    );
    write.mockClear();
    await serve(new Runtime(), { port: 0 }).ready;
    expect(write).not.toHaveBeenCalled();
  });

  it("rejects ready when the port is taken, saying what to do", async () => {
    const write = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const first = serve(new Runtime());
    const port = Number(new URL(await first.ready).port);
    const second = serve(new Runtime(), { port });
    await expect(second.ready).rejects.toThrow(new RegExp(`port ${port} is in use.*0 for any free one`));
    expect(second.url).toBeUndefined();
    expect(write).toHaveBeenCalled();
  });
});

describe("what the server serves", () => {
  it("the page at /, 404 elsewhere", async () => {
    const url = await serve(new Runtime()).ready;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(res.headers.get("content-security-policy")).toContain("connect-src 'self'");
    expect(await res.text()).toContain('data-testid="task-rows"');
    expect((await fetch(`${url}/secrets`)).status).toBe(404);
  });

  it("sends the whole table first, then only the rows that changed and the ids that went away", async () => {
    const rt = new Runtime({ onOrphans: false });
    const stop = new CancellationToken();
    const running = rt.run(function* () {
      yield* stop.cancelled();
    });
    const url = await serve(rt, { port: 0, intervalMs: 100 }).ready;
    const ws = new WebSocket(`${url.replace("http", "ws")}/ws`);
    const messages: { t: string; full?: boolean; rows?: unknown[][]; gone?: number[]; cols?: string[] }[] =
      [];
    ws.on("message", (d) => messages.push(JSON.parse(String(d))));
    const next = async (pred: (m: (typeof messages)[number]) => boolean) => {
      for (let i = 0; i < 100; i++) {
        const m = messages.find(pred);
        if (m) return m;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`no such message in ${JSON.stringify(messages.map((m) => m.t))}`);
    };
    const hello = await next((m) => m.t === "hello");
    const idCol = hello.cols!.indexOf("id");
    const first = await next((m) => m.t === "update");
    expect(first.full).toBe(true);
    expect(first.rows!.map((r) => r[idCol])).toEqual([1]);
    const h = rt.spawn(
      function* () {
        yield* sleep(100_000);
      },
      { name: "newcomer" },
    );
    const added = await next((m) => m.t === "update" && m.rows!.some((r) => r[idCol] === h.id));
    expect(added.full).toBe(false);
    expect(added.rows!.map((r) => r[idCol])).toEqual([h.id]);
    h.abort();
    const gone = await next((m) => m.t === "update" && m.gone!.includes(h.id));
    expect(gone.rows).toEqual([]);
    ws.send(JSON.stringify({ t: "dump" }));
    const dump = (await next((m) => m.t === "dump")) as unknown as { text: string };
    expect(dump.text).toContain("task #1");
    ws.close();
    stop.cancel();
    await running;
    await rt.shutdown();
  });
});

describe("the console does not change what it watches", () => {
  it("a deadlock is still reported while the console serves", async () => {
    const write = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    // run() makes its own runtime: watch another one, which is what a console server is to it.
    await serve(new Runtime()).ready;
    const started = Date.now();
    await expect(
      run(function* () {
        yield* pending();
      }),
    ).rejects.toBeInstanceOf(DeadlockError);
    expect(Date.now() - started).toBeLessThan(2000);
    write.mockRestore();
  });
});

describe("the console's own cost", () => {
  it("spaces updates out when a snapshot is slow, to stay under a tenth of the event loop", async () => {
    const rt = new Runtime({ instrument: true });
    const real = rt.taskMetrics.bind(rt);
    rt.taskMetrics = () => {
      const end = performance.now() + 30;
      while (performance.now() < end) {
        // a huge task table
      }
      return real();
    };
    const url = await serve(rt, { port: 0, intervalMs: 100 }).ready;
    const ws = new WebSocket(`${url.replace("http", "ws")}/ws`);
    const updates: { everyMs: number; at: number }[] = [];
    ws.on("message", (d) => {
      const m = JSON.parse(String(d));
      if (m.t === "update") updates.push({ everyMs: m.everyMs, at: performance.now() });
    });
    while (updates.length < 4) await new Promise((r) => setTimeout(r, 50));
    ws.close();
    expect(updates[3]!.everyMs).toBeGreaterThanOrEqual(9 * 30);
    expect(updates[3]!.at - updates[2]!.at).toBeGreaterThanOrEqual(9 * 30 - 20);
  });
});

describe("a runtime that cannot be read", () => {
  it("is reported once on stderr, and the program goes on", async () => {
    const write = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const rt = new Runtime({ instrument: true });
    rt.taskMetrics = () => {
      throw new Error("boom");
    };
    const url = await serve(rt, { port: 0, intervalMs: 100 }).ready;
    const ws = new WebSocket(`${url.replace("http", "ws")}/ws`);
    await new Promise((r) => ws.on("open", r));
    await new Promise((r) => setTimeout(r, 350));
    const said = write.mock.calls
      .map((c) => String(c[0]))
      .filter((l) => l.includes("reading the runtime failed"));
    expect(said).toEqual([
      "pollux console: reading the runtime failed (the page keeps its last figures): boom\n",
    ]);
    ws.close();
  });
});

describe("originAllowed", () => {
  it("accepts the console's own origins and refuses others", () => {
    expect(originAllowed(undefined, "127.0.0.1:6669", "127.0.0.1", 6669)).toBe(true);
    expect(originAllowed("http://127.0.0.1:6669", "127.0.0.1:6669", "127.0.0.1", 6669)).toBe(true);
    expect(originAllowed("http://localhost:6669", "localhost:6669", "127.0.0.1", 6669)).toBe(true);
    expect(originAllowed("http://[::1]:6669", "[::1]:6669", "::1", 6669)).toBe(true);
    expect(originAllowed("http://127.0.0.1:6670", "127.0.0.1:6669", "127.0.0.1", 6669)).toBe(false);
    expect(originAllowed("https://127.0.0.1:6669", "127.0.0.1:6669", "127.0.0.1", 6669)).toBe(false);
    expect(originAllowed("http://evil.example", "127.0.0.1:6669", "127.0.0.1", 6669)).toBe(false);
    expect(originAllowed("http://evil.example:6669", "evil.example:6669", "127.0.0.1", 6669)).toBe(false);
    expect(originAllowed("null", "127.0.0.1:6669", "127.0.0.1", 6669)).toBe(false);
    // Bound to an address of the machine, or to every address: only that address, never a name.
    expect(originAllowed("http://10.1.2.3:6669", "10.1.2.3:6669", "10.1.2.3", 6669)).toBe(true);
    expect(originAllowed("http://10.1.2.3:6669", "10.1.2.3:6669", "0.0.0.0", 6669)).toBe(true);
    expect(originAllowed("http://evil.example:6669", "evil.example:6669", "0.0.0.0", 6669)).toBe(false);
  });
});

describe("the built package (needs `npm run build`)", () => {
  it("exports pollux/console, whose server finds its page in dist/", async () => {
    const built = await import("pollux/console");
    const { Runtime: BuiltRuntime } = await import("pollux/runtime");
    const s = built.startConsole(new BuiltRuntime(), { port: 0 });
    try {
      const res = await fetch(await s.ready);
      expect(await res.text()).toContain("<title>pollux console</title>");
    } finally {
      await s.close();
    }
  });
});

describe("every core", () => {
  it("updates carry each runtime's figures once a worker runtime was started", async () => {
    const rt = new Runtime({ workers: 2, onOrphans: false });
    const stop = new CancellationToken();
    const TASKS = new URL("../fixtures/cores/tasks.mjs", import.meta.url);
    const running = rt.run(function* () {
      yield* spawnOn(1, { module: TASKS, export: "add" }, 1, 2);
      yield* stop.cancelled();
    });
    const url = await serve(rt, { port: 0, intervalMs: 100 }).ready;
    const ws = new WebSocket(`${url.replace("http", "ws")}/ws`);
    const messages: { t: string; cores?: ({ tasksCompleted: number } | null)[] }[] = [];
    ws.on("message", (d) => messages.push(JSON.parse(String(d))));
    let cores: ({ tasksCompleted: number } | null)[] | undefined;
    for (let i = 0; i < 200 && cores === undefined; i++) {
      // Refreshed in the background: a report taken before the task ended may come first.
      cores = messages.find((m) => m.t === "update" && (m.cores?.[1]?.tasksCompleted ?? 0) > 0)?.cores;
      if (cores === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    ws.close();
    stop.cancel();
    await running;
    await rt.shutdown();
    expect(cores).toHaveLength(2);
    expect(cores![1]!.tasksCompleted).toBe(1); // the worker runtime ran the task
  });
});
