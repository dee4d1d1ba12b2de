import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { type Future, select } from "../../src/future/index.js";
import { IoError } from "../../src/io/index.js";
import { Command } from "../../src/process/index.js";
import { Runtime, run } from "../../src/runtime/index.js";
import { spawn, yieldNow } from "../../src/task/index.js";
import { sleep } from "../../src/time/index.js";

const node = process.execPath;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("Command / Child", () => {
  it("stdin → child → stdout round trip, then the exit status", async () => {
    const out = await run(function* () {
      const child = new Command(node)
        .args(["-e", "process.stdin.pipe(process.stdout)"])
        .stdin("piped")
        .stdout("piped")
        .spawn();
      expect(child.id).toBeGreaterThan(0);
      yield* child.stdin!.writeAll(enc("hello "));
      yield* child.stdin!.writeAll(enc("pollux"));
      yield* child.stdin!.shutdown();
      const text = yield* child.stdout!.readToString();
      const status = yield* child.wait();
      return { text, status: { code: status.code, signal: status.signal, success: status.success } };
    });
    expect(out).toEqual({ text: "hello pollux", status: { code: 0, signal: null, success: true } });
  });

  it("output() captures stdout and stderr; a non-zero exit is a status, not an error", async () => {
    const out = await run(
      new Command(node)
        .args(["-e", "process.stdout.write('out'); process.stderr.write('err'); process.exit(3)"])
        .output(),
    );
    expect(dec(out.stdout)).toBe("out");
    expect(dec(out.stderr)).toBe("err");
    expect(out.status.code).toBe(3);
    expect(out.status.success).toBe(false);
    expect(String(out.status)).toBe("exit code 3");
  });

  it("status(), env and cwd; output() is lazy", async () => {
    const dir = tmpdir();
    const out = await run(function* () {
      const cmd = new Command(node)
        .args(["-e", "console.log(process.cwd() + '|' + process.env.POLLUX_T + '|' + process.env.HOME_GONE)"])
        .env("POLLUX_T", "yes")
        .envs({ HOME_GONE: "x" })
        .envRemove("HOME_GONE")
        .cwd(dir);
      const o = cmd.output(); // nothing spawned yet
      const s = yield* new Command(node).args(["-e", "process.exit(0)"]).stdout("null").status();
      return { s: s.success, text: dec((yield* o).stdout).trim() };
    });
    expect(out).toEqual({ s: true, text: `${dir}|yes|undefined` });
  });

  it("a program that does not exist is NotFound, naming it", async () => {
    const name = "pollux-no-such-program-xyz";
    const makers: (() => Future<unknown>)[] = [
      () => new Command(name).output(),
      () => new Command(name).spawn().wait(),
    ];
    for (const make of makers) {
      let caught: unknown = null;
      try {
        await run(make());
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(IoError);
      expect((caught as IoError).kind).toBe("NotFound");
      expect((caught as IoError).path).toBe(name);
      expect((caught as IoError).message).toContain(name);
    }
  });

  it("bad builder input is rejected at once, naming the value", () => {
    expect(() => new Command("")).toThrow(/non-empty string; got ""/);
    expect(() => new Command("ls").stdout("pipe" as never)).toThrow(
      /"piped", "inherit" or "null"; got "pipe"/,
    );
    expect(() => new Command("ls").args("-l" as never)).toThrow(/array of strings; got "-l"/);
    expect(() => new Command("ls").env("A=B", "c")).toThrow(/contains "="/);
  });

  it("several tasks may wait for one child", async () => {
    const out = await run(function* () {
      const child = new Command(node).args(["-e", "setTimeout(() => process.exit(7), 50)"]).spawn();
      const a = spawn(child.wait());
      const b = spawn(child.wait());
      const c = yield* child.wait();
      return [(yield* a).code, (yield* b).code, c.code];
    });
    expect(out).toEqual([7, 7, 7]);
  });

  it("a cancelled wait leaves the child running; kill() then wait() reports the signal", async () => {
    const out = await run(function* () {
      const child = new Command(node).args(["-e", "setInterval(() => {}, 1000)"]).spawn();
      const r = yield* select({ w: child.wait(), t: sleep(50) });
      expect(r.key).toBe("t");
      const stillAlive = alive(child.id!);
      expect(child.kill("SIGTERM")).toBe(true);
      const status = yield* child.wait();
      expect(child.kill()).toBe(false); // already exited
      return { stillAlive, signal: status.signal, code: status.code };
    });
    expect(out).toEqual({ stillAlive: true, signal: "SIGTERM", code: null });
  });

  it("killOnCancel(true): a cancelled wait (or output()) kills the child", async () => {
    const out = await run(function* () {
      const child = new Command(node).args(["-e", "setInterval(() => {}, 1000)"]).killOnCancel(true).spawn();
      yield* select({ w: child.wait(), t: sleep(50) });
      const status = yield* child.wait();
      const cmd = new Command(node).args(["-e", "setInterval(() => {}, 1000)"]).killOnCancel(true);
      const r = yield* select({ o: cmd.output(), t: sleep(50) });
      return { signal: status.signal, key: r.key };
    });
    expect(out).toEqual({ signal: "SIGKILL", key: "t" });
  });

  it("stdout has backpressure: a child writing 4 MiB cannot finish until it is read", async () => {
    const size = 4 * 1024 * 1024;
    const out = await run(function* () {
      const child = new Command(node)
        .args(["-e", `process.stdout.write(Buffer.alloc(${size}, 97), () => process.exit(0))`])
        .stdout("piped")
        .spawn();
      // Without reading, the pipe and Node's 64 KiB buffer fill up and the child blocks.
      const early = yield* select({ w: child.wait(), t: sleep(300) });
      const bytes = yield* child.stdout!.readToEnd({ limit: Number.POSITIVE_INFINITY });
      const status = yield* child.wait();
      return { early: early.key, len: bytes.length, ok: status.success };
    });
    expect(out).toEqual({ early: "t", len: size, ok: true });
  });

  it("stdin has backpressure: writing 4 MiB to a child that does not read waits, not buffers", async () => {
    const out = await run(function* () {
      const child = new Command(node).args(["-e", "setInterval(() => {}, 1000)"]).stdin("piped").spawn();
      const r = yield* select({ w: child.stdin!.writeAll(new Uint8Array(4 * 1024 * 1024)), t: sleep(300) });
      child.kill();
      const status = yield* child.wait();
      return { key: r.key, signal: status.signal };
    });
    expect(out).toEqual({ key: "t", signal: "SIGKILL" });
  });

  it("100,000 aborted waits leave no registration behind", async () => {
    const rt = new Runtime();
    await rt.run(function* () {
      const child = new Command(node).args(["-e", "setInterval(() => {}, 1000)"]).spawn();
      for (let i = 0; i < 100_000; i++) yield* select.biased({ now: yieldNow(), w: child.wait() });
      expect(rt.metrics().pendingSources).toBe(0);
      child.kill();
      yield* child.wait();
    });
    expect(rt.metrics().pendingSources).toBe(0);
    await rt.shutdown();
  });
});
