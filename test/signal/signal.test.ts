import { spawn as spawnProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { END, select } from "../../src/future/index.js";
import { Runtime, run } from "../../src/runtime/index.js";
import { ctrlC, signal } from "../../src/signal/index.js";
import { spawn, yieldNow } from "../../src/task/index.js";

const listenerFixture = fileURLToPath(new URL("./fixtures/listener.mjs", import.meta.url));

async function waitFor(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

describe("signal()", () => {
  it("rejects unknown names and uncatchable signals, naming them", () => {
    expect(() => signal("SIGNOPE" as NodeJS.Signals)).toThrow(/unknown signal "SIGNOPE"/);
    expect(() => signal("term" as NodeJS.Signals)).toThrow(/Did you mean "SIGTERM"/);
    expect(() => signal("SIGKILL")).toThrow(/SIGKILL cannot be listened for/);
    expect(() => signal(15 as unknown as NodeJS.Signals)).toThrow(/signal name/);
  });

  it("one Node listener per signal whatever the number of pollux listeners; removed with the last", () => {
    const before = process.listenerCount("SIGUSR2");
    const a = signal("SIGUSR2");
    const b = signal("SIGUSR2");
    expect(process.listenerCount("SIGUSR2")).toBe(before + 1);
    a.close();
    expect(process.listenerCount("SIGUSR2")).toBe(before + 1);
    b[Symbol.dispose]();
    b.close(); // idempotent
    expect(process.listenerCount("SIGUSR2")).toBe(before);
  });

  it("recv() completes at each delivery; a delivery before recv() is kept; several coalesce", async () => {
    const got = await run(function* () {
      using usr = signal("SIGUSR2");
      process.kill(process.pid, "SIGUSR2");
      const first = yield* usr.recv(); // delivered before recv: kept
      process.kill(process.pid, "SIGUSR2");
      process.kill(process.pid, "SIGUSR2");
      const second = yield* usr.recv();
      const third = yield* select({
        sig: usr.recv(),
        tick: (function* () {
          for (let i = 0; i < 50; i++) yield* yieldNow();
          return "none";
        })(),
      });
      return [first, second, third.key];
    });
    expect(got).toEqual(["SIGUSR2", "SIGUSR2", "tick"]);
    expect(process.listenerCount("SIGUSR2")).toBe(0);
  });

  it("recv() yields END once the listener is closed, waking a waiter", async () => {
    const out = await run(function* () {
      const usr = signal("SIGUSR2");
      const h = spawn(usr.recv());
      yield* yieldNow();
      usr.close();
      return yield* h;
    });
    expect(out).toBe(END);
  });

  it("is a stream: map/take work on it", async () => {
    const out = await run(function* () {
      const usr = signal("SIGUSR2");
      const s = usr.map((name) => name.toLowerCase()).take(1);
      process.kill(process.pid, "SIGUSR2");
      const v = yield* s.next();
      s.cancel();
      return v;
    });
    expect(out).toBe("sigusr2");
    expect(process.listenerCount("SIGUSR2")).toBe(0);
  });

  it("after the last listener is disposed, the signal's default action is back", async () => {
    const child = spawnProcess(process.execPath, [listenerFixture], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    const exit = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on("exit", (code, sig) => resolve([code, sig])),
    );
    await waitFor(() => out.includes("listening"));
    child.kill("SIGTERM"); // handled by the listener: the process survives
    await waitFor(() => out.includes("disposed"));
    expect(out).toContain("got SIGTERM");
    expect(out).toContain("disposed listeners=0");
    child.kill("SIGTERM"); // default action: the process dies of the signal
    expect(await exit).toEqual([null, "SIGTERM"]);
  });
});

describe("ctrlC()", () => {
  it("completes at the next SIGINT after its first poll", async () => {
    const out = await run(function* () {
      const h = spawn(ctrlC());
      yield* yieldNow(); // first poll: registered
      process.kill(process.pid, "SIGINT");
      yield* h;
      return process.listenerCount("SIGINT");
    });
    expect(out).toBe(0);
  });

  it("100,000 cancelled ctrlC() futures and recv()s leave no registration and no Node listener", async () => {
    const before = process.listenerCount("SIGINT");
    const rt = new Runtime();
    await rt.run(function* () {
      for (let i = 0; i < 100_000; i++) {
        const r = yield* select.biased({ now: yieldNow(), stop: ctrlC() });
        if (r.key !== "now") throw new Error("no SIGINT was sent");
      }
      using term = signal("SIGTERM");
      for (let i = 0; i < 1_000; i++) yield* select.biased({ now: yieldNow(), sig: term.recv() });
      expect(rt.metrics().pendingSources).toBe(0);
    });
    // ctrlC() futures must have been polled, registered, then cancelled; select polls both branches.
    expect(rt.metrics().pendingSources).toBe(0);
    expect(process.listenerCount("SIGINT")).toBe(before);
    expect(process.listenerCount("SIGTERM")).toBe(0);
    await rt.shutdown();
  });

  it("a task waiting on ctrlC() alone is not a deadlock, and keeps the process alive", async () => {
    const out = await run(function* () {
      // An unref'd timer does not keep Node alive nor count as a resource: only the waiting
      // ctrlC() can keep the runtime from declaring a deadlock and Node from exiting.
      setTimeout(() => process.kill(process.pid, "SIGINT"), 50).unref();
      yield* ctrlC();
      return "woken";
    });
    expect(out).toBe("woken");
  });
});
