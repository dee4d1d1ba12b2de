// mini-redis driven by real clients written by others: ioredis (npm) and redis-cli /
// redis-benchmark (Debian's redis-tools).
//
// redis-tools is installed by scripts/ensure-redis-tools.sh when missing (CI machines start
// fresh). Decision: if it cannot be installed (no apt-get, no network, no root), the redis-cli
// tests FAIL with the script's message. They are never skipped: a green run must mean that the
// real clients were exercised.
import { execFile, spawn as spawnChild } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Running, startServer } from "./helpers.js";

const exec = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

let srv: Running;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  await srv.stop();
});

function client(): Redis {
  return new Redis({ host: "127.0.0.1", port: srv.port, lazyConnect: true, maxRetriesPerRequest: 0 });
}

describe("ioredis", () => {
  it("runs commands, pipelines and transactions of replies", async () => {
    const r = client();
    await r.connect(); // includes ioredis's ready check (INFO)
    expect(await r.ping()).toBe("PONG");
    expect(await r.set("io:k", "v")).toBe("OK");
    expect(await r.get("io:k")).toBe("v");
    expect(await r.set("io:k", "w", "EX", 100, "GET")).toBe("v");
    expect(await r.ttl("io:k")).toBe(100);
    expect(await r.incr("io:n")).toBe(1);
    expect(await r.decr("io:n")).toBe(0);
    expect(await r.exists("io:k", "io:n", "io:none")).toBe(2);
    expect(await r.expire("io:n", 10)).toBe(1);
    expect(await r.del("io:k", "io:n")).toBe(2);
    expect(await r.echo("hi")).toBe("hi");
    const buf = Buffer.from([0, 1, 2, 255]);
    await r.set(buf, buf);
    expect(await r.getBuffer(buf)).toEqual(buf);
    await expect(r.call("NOSUCH")).rejects.toThrow(/unknown command/);
    const p = r.pipeline();
    for (let i = 0; i < 500; i++) p.set(`io:p:${i}`, String(i)).get(`io:p:${i}`);
    const results = await p.exec();
    expect(results!.length).toBe(1000);
    expect(results![999]).toEqual([null, "499"]);
    await r.quit();
  });

  it("subscribes, pattern-subscribes and receives what another client publishes", async () => {
    const sub = client();
    const pub = client();
    await Promise.all([sub.connect(), pub.connect()]);
    const got: string[] = [];
    let arrived!: () => void;
    const allArrived = new Promise<void>((res) => {
      arrived = res;
    });
    sub.on("message", (ch: string, msg: string) => {
      got.push(`${ch}:${msg}`);
      if (got.length === 3) arrived();
    });
    sub.on("pmessage", (pattern: string, ch: string, msg: string) => {
      got.push(`${pattern}|${ch}:${msg}`);
      if (got.length === 3) arrived();
    });
    expect(await sub.subscribe("io:news", "io:sport")).toBe(2);
    expect(await sub.psubscribe("io:n*")).toBe(3);
    expect(await pub.publish("io:news", "hello")).toBe(2);
    expect(await pub.publish("io:sport", "goal")).toBe(1);
    await allArrived;
    expect(got.sort()).toEqual(["io:n*|io:news:hello", "io:news:hello", "io:sport:goal"]);
    // Named channels first: ioredis resolves an argument-less (P)UNSUBSCRIBE only when the
    // subscription count reaches 0, which the still-active pattern would prevent (real Redis too).
    expect(await sub.unsubscribe("io:news", "io:sport")).toBe(1);
    expect(await sub.punsubscribe()).toBe(0);
    expect(await pub.publish("io:news", "nobody")).toBe(0);
    expect(await sub.ping()).toBe("PONG");
    await Promise.all([sub.quit(), pub.quit()]);
  });
});

describe("redis-cli and redis-benchmark", () => {
  beforeAll(async () => {
    try {
      await exec(join(root, "scripts/ensure-redis-tools.sh"), [], { timeout: 300_000 });
    } catch (e) {
      const stderr = (e as { stderr?: string }).stderr ?? String(e);
      throw new Error(
        `redis-tools (redis-cli, redis-benchmark) are missing and could not be installed:\n${stderr}\n` +
          "Install them (Debian/Ubuntu: apt-get install redis-tools) and run the tests again.",
      );
    }
  }, 300_000);

  async function cli(...args: string[]): Promise<string> {
    const { stdout } = await exec("redis-cli", ["-h", "127.0.0.1", "-p", String(srv.port), ...args]);
    return stdout.trimEnd();
  }

  it("runs commands", async () => {
    expect(await cli("PING")).toBe("PONG");
    expect(await cli("SET", "cli:k", "hello world")).toBe("OK");
    expect(await cli("GET", "cli:k")).toBe("hello world");
    expect(await cli("INCR", "cli:n")).toBe("1");
    expect(await cli("EXPIRE", "cli:k", "100")).toBe("1");
    expect(await cli("TTL", "cli:k")).toBe("100");
    expect(await cli("CONFIG", "GET", "save")).toBe("save");
    expect(await cli("NOSUCH")).toMatch(/ERR unknown command 'NOSUCH'/);
    expect(await cli("DEL", "cli:k", "cli:n")).toBe("2");
  });

  it("pipes commands from stdin (--pipe)", async () => {
    const input = Array.from({ length: 1000 }, (_, i) => `SET cli:pipe:${i} ${i}\r\n`).join("");
    const child = execFile("redis-cli", ["-p", String(srv.port), "--pipe"]);
    child.stdin!.end(input);
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
    });
    const code = await new Promise((res) => child.on("exit", res));
    expect(code).toBe(0);
    expect(out).toMatch(/errors: 0, replies: 1000/);
    expect(await cli("GET", "cli:pipe:999")).toBe("999");
  });

  it("subscribes and receives what another redis-cli publishes", async () => {
    const sub = spawnChild("redis-cli", ["-p", String(srv.port), "SUBSCRIBE", "cli:chan"]);
    let out = "";
    const seen = (text: string) =>
      new Promise<void>((res) => {
        const check = () => {
          if (out.includes(text)) res();
        };
        sub.stdout.on("data", (d) => {
          out += d;
          check();
        });
        check();
      });
    await seen("subscribe\ncli:chan\n1");
    expect(await cli("PUBLISH", "cli:chan", "hello from redis-cli")).toBe("1");
    await seen("message\ncli:chan\nhello from redis-cli");
    sub.kill();
    await new Promise((res) => sub.on("exit", res));
  });

  it("serves redis-benchmark without errors", async () => {
    const { stdout } = await exec("redis-benchmark", [
      "-p",
      String(srv.port),
      "-t",
      "ping_mbulk,set,get",
      "-n",
      "2000",
      "-c",
      "10",
      "-P",
      "4",
      "--csv",
    ]);
    expect(stdout).toMatch(/"PING_MBULK"/);
    expect(stdout).toMatch(/"SET"/);
    expect(stdout).toMatch(/"GET"/);
  });
});
