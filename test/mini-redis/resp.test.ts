// mini-redis over raw RESP: every command, pipelining, the inline form, malformed and oversized
// frames, clients that vanish mid-frame, the connection cap and the output limit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encode, eventually, RawClient, ReplyError, type Running, startServer } from "./helpers.js";

let srv: Running;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  await srv.stop();
});

function err(prefix: string) {
  return expect.objectContaining({ message: expect.stringMatching(new RegExp(`^${prefix}`)) });
}

describe("commands", () => {
  it("PING, ECHO, unknown commands, wrong arity", async () => {
    const c = await RawClient.connect(srv.port);
    expect(await c.call("PING")).toBe("PONG");
    expect(await c.call("ping", "hello")).toBe("hello");
    expect(await c.call("ECHO", "a b\r\nc")).toBe("a b\r\nc");
    expect(await c.call("NOSUCH", "x")).toEqual(
      err("ERR unknown command 'NOSUCH', with args beginning with: 'x'"),
    );
    expect(await c.call("GET")).toEqual(err("ERR wrong number of arguments for 'get' command"));
    expect(await c.call("PING")).toBe("PONG"); // the connection goes on
    c.close();
  });

  it("GET, SET and its options, DEL, EXISTS", async () => {
    const c = await RawClient.connect(srv.port);
    expect(await c.call("GET", "s:k")).toBe(null);
    expect(await c.call("SET", "s:k", "v1")).toBe("OK");
    expect(await c.call("GET", "s:k")).toBe("v1");
    expect(await c.call("SET", "s:k", "v2", "NX")).toBe(null);
    expect(await c.call("SET", "s:new", "n", "XX")).toBe(null);
    expect(await c.call("SET", "s:k", "v3", "XX", "GET")).toBe("v1");
    expect(await c.call("SET", "s:k", "v4", "get")).toBe("v3");
    expect(await c.call("SET", "s:k", "v", "NX", "XX")).toEqual(err("ERR syntax error"));
    expect(await c.call("SET", "s:k", "v", "EX", "0")).toEqual(err("ERR invalid expire time"));
    expect(await c.call("SET", "s:k", "v", "EX", "ten")).toEqual(err("ERR value is not an integer"));
    expect(await c.call("SET", "s:k", "v", "BOGUS")).toEqual(err("ERR syntax error"));
    expect(await c.call("SET", "s:e", "v", "EX", "100")).toBe("OK");
    expect(await c.call("TTL", "s:e")).toBe(100);
    expect(await c.call("SET", "s:p", "v", "PX", "100000")).toBe("OK");
    expect(await c.call("TTL", "s:p")).toBe(100);
    expect(await c.call("SET", "s:e", "w")).toBe("OK");
    expect(await c.call("TTL", "s:e")).toBe(-1); // a plain SET clears the TTL
    expect(await c.call("EXISTS", "s:k", "s:k", "s:none")).toBe(2);
    expect(await c.call("DEL", "s:k", "s:none", "s:e")).toBe(2);
    expect(await c.call("EXISTS", "s:k")).toBe(0);
    const bin = Buffer.from([0, 255, 13, 10, 128]);
    expect(await c.call("SET", bin, bin)).toBe("OK");
    c.send(encode("GET", bin));
    expect(await c.reply()).toBe(bin.toString("utf8"));
    c.close();
  });

  it("INCR, DECR", async () => {
    const c = await RawClient.connect(srv.port);
    expect(await c.call("INCR", "i:n")).toBe(1);
    expect(await c.call("INCR", "i:n")).toBe(2);
    expect(await c.call("DECR", "i:n")).toBe(1);
    expect(await c.call("DECR", "i:m")).toBe(-1);
    expect(await c.call("SET", "i:s", "abc")).toBe("OK");
    expect(await c.call("INCR", "i:s")).toEqual(err("ERR value is not an integer or out of range"));
    expect(await c.call("SET", "i:big", String(Number.MAX_SAFE_INTEGER))).toBe("OK");
    expect(await c.call("INCR", "i:big")).toEqual(err("ERR increment or decrement would overflow"));
    expect(await c.call("SET", "i:t", "5", "EX", "100")).toBe("OK");
    expect(await c.call("INCR", "i:t")).toBe(6);
    expect(await c.call("TTL", "i:t")).toBe(100); // INCR keeps the TTL
    c.close();
  });

  it("EXPIRE, TTL", async () => {
    const c = await RawClient.connect(srv.port);
    expect(await c.call("TTL", "x:none")).toBe(-2);
    expect(await c.call("EXPIRE", "x:none", "10")).toBe(0);
    expect(await c.call("SET", "x:k", "v")).toBe("OK");
    expect(await c.call("TTL", "x:k")).toBe(-1);
    expect(await c.call("EXPIRE", "x:k", "50")).toBe(1);
    expect(await c.call("TTL", "x:k")).toBe(50);
    expect(await c.call("EXPIRE", "x:k", "10", "GT")).toBe(0);
    expect(await c.call("EXPIRE", "x:k", "10", "LT")).toBe(1);
    expect(await c.call("EXPIRE", "x:k", "10", "NX")).toBe(0);
    expect(await c.call("EXPIRE", "x:k", "abc")).toEqual(err("ERR value is not an integer"));
    expect(await c.call("EXPIRE", "x:k", "0")).toBe(1); // a past deadline deletes
    expect(await c.call("EXISTS", "x:k")).toBe(0);
    c.close();
  });

  it("PUBLISH without subscribers, CONFIG GET, COMMAND, INFO, SELECT, QUIT", async () => {
    const c = await RawClient.connect(srv.port);
    expect(await c.call("PUBLISH", "nobody", "hi")).toBe(0);
    expect(await c.call("CONFIG", "GET", "save")).toEqual(["save", ""]);
    expect(await c.call("CONFIG", "GET", "appendonly")).toEqual(["appendonly", "no"]);
    expect(await c.call("CONFIG", "SET", "save", "")).toEqual(err("ERR unknown subcommand"));
    expect(await c.call("COMMAND", "COUNT")).toBeGreaterThanOrEqual(19);
    const all = (await c.call("COMMAND")) as unknown[][];
    expect(all.map((e) => e[0])).toEqual(expect.arrayContaining(["get", "set", "subscribe", "quit"]));
    expect(await c.call("COMMAND", "INFO", "get")).toEqual([["get", 2, ["readonly", "fast"], 1, 1, 1]]);
    expect(await c.call("COMMAND", "DOCS")).toEqual([]);
    expect(await c.call("INFO")).toMatch(/loading:0/);
    expect(await c.call("SELECT", "0")).toBe("OK");
    expect(await c.call("QUIT")).toBe("OK");
    await c.closed;
  });

  it("pub/sub over raw RESP: subscribe mode, messages, patterns, unsubscribe", async () => {
    const sub = await RawClient.connect(srv.port);
    const pub = await RawClient.connect(srv.port);
    sub.send(encode("SUBSCRIBE", "news", "sport"));
    expect(await sub.replies(2)).toEqual([
      ["subscribe", "news", 1],
      ["subscribe", "sport", 2],
    ]);
    expect(await sub.call("PSUBSCRIBE", "n*")).toEqual(["psubscribe", "n*", 3]);
    expect(await sub.call("GET", "k")).toEqual(err("ERR Can't execute 'get'"));
    expect(await sub.call("PING")).toEqual(["pong", ""]);
    expect(await pub.call("PUBLISH", "news", "hello")).toBe(2); // the channel and the pattern
    expect(await sub.replies(2)).toEqual(
      expect.arrayContaining([
        ["message", "news", "hello"],
        ["pmessage", "n*", "news", "hello"],
      ]),
    );
    expect(await pub.call("PUBLISH", "sport", "goal")).toBe(1);
    expect(await sub.reply()).toEqual(["message", "sport", "goal"]);
    sub.send(encode("UNSUBSCRIBE"));
    expect(await sub.replies(2)).toEqual([
      ["unsubscribe", "news", 2],
      ["unsubscribe", "sport", 1],
    ]);
    expect(await sub.call("PUNSUBSCRIBE")).toEqual(["punsubscribe", "n*", 0]);
    expect(await sub.call("UNSUBSCRIBE")).toEqual(["unsubscribe", null, 0]);
    expect(await sub.call("PING")).toBe("PONG"); // out of subscribe mode
    expect(await pub.call("PUBLISH", "news", "again")).toBe(0);
    sub.close();
    pub.close();
  });
});

describe("the protocol", () => {
  it("answers a pipelined batch in order", async () => {
    const c = await RawClient.connect(srv.port);
    const cmds: Buffer[] = [];
    for (let i = 0; i < 2000; i++) cmds.push(encode("SET", `p:${i}`, String(i)), encode("GET", `p:${i}`));
    c.send(Buffer.concat(cmds));
    const replies = await c.replies(4000);
    for (let i = 0; i < 2000; i++) {
      expect(replies[2 * i]).toBe("OK");
      expect(replies[2 * i + 1]).toBe(String(i));
    }
    c.close();
  });

  it("accepts the inline form, and frames split at every byte", async () => {
    const c = await RawClient.connect(srv.port);
    c.send("PING\r\nSET inl  value\r\n\r\nGET inl\n\tECHO  word   \r\n");
    expect(await c.replies(4)).toEqual(["PONG", "OK", "value", "word"]);
    const bytes = Buffer.concat([
      encode("SET", "split", "abc"),
      encode("GET", "split"),
      Buffer.from("PING\r\n"),
    ]);
    for (const b of bytes) {
      c.send(Buffer.from([b]));
      await new Promise((r) => setImmediate(r));
    }
    expect(await c.replies(3)).toEqual(["OK", "abc", "PONG"]);
    c.close();
  });

  it.each([
    ["a bad count", "*abc\r\n", "ERR Protocol error: invalid multibulk length"],
    ["no $", "*1\r\nX3\r\nGET\r\n", "ERR Protocol error: expected '$', got 'X'"],
    ["a negative length", "*1\r\n$-5\r\n", "ERR Protocol error: invalid bulk length"],
    ["a bad length", "*1\r\n$x\r\n", "ERR Protocol error: invalid bulk length"],
    // Oversized declarations are rejected from the header alone: no payload is ever sent.
    ["a bulk over 512 MB", "*1\r\n$536870913\r\n", "ERR Protocol error: invalid bulk length"],
    ["a count over 1048576", "*1048577\r\n", "ERR Protocol error: invalid multibulk length"],
    ["a 70 KiB inline line", "a".repeat(70 * 1024), "ERR Protocol error: too big inline request"],
    ["a 70 KiB header", `*1\r\n$${"1".repeat(70 * 1024)}`, "ERR Protocol error: too big bulk count string"],
  ])("answers %s with a protocol error and closes only that client", async (_what, input, message) => {
    const bystander = await RawClient.connect(srv.port);
    expect(await bystander.call("PING")).toBe("PONG");
    const c = await RawClient.connect(srv.port);
    c.send(encode("PING"));
    c.send(input);
    const replies = await c.untilClosed();
    expect(replies).toEqual(["PONG", new ReplyError(message)]);
    expect(await bystander.call("PING")).toBe("PONG");
    bystander.close();
  });

  it("accepts a bulk string at the size limit's edge without buffering the declared length", async () => {
    const c = await RawClient.connect(srv.port);
    const big = Buffer.alloc(3 * 1024 * 1024, 120);
    expect(await c.call("SET", "big", big)).toBe("OK");
    expect(((await c.call("GET", "big")) as string).length).toBe(big.length);
    expect(await c.call("DEL", "big")).toBe(1);
    c.close();
  });

  it("survives clients that disconnect mid-frame", async () => {
    const before = srv.server.connected;
    for (const partial of ["*3\r\n$3\r\nSET\r\n$1\r\nk", "*2\r\n$3\r\nGET\r\n$100\r\nabc", "PIN", "*5\r\n"]) {
      const c = await RawClient.connect(srv.port);
      c.send(partial);
      await new Promise((r) => setImmediate(r));
      c.close();
    }
    await eventually(() => srv.server.connected <= before);
    const c = await RawClient.connect(srv.port);
    expect(await c.call("PING")).toBe("PONG");
    c.close();
  });
});

describe("limits", () => {
  it("refuses the client over the cap with an error, and accepts again once one leaves", async () => {
    const s = await startServer({ maxClients: 2 });
    const a = await RawClient.connect(s.port);
    const b = await RawClient.connect(s.port);
    expect(await a.call("PING")).toBe("PONG");
    expect(await b.call("PING")).toBe("PONG");
    const c = await RawClient.connect(s.port);
    expect(await c.untilClosed()).toEqual([new ReplyError("ERR max number of clients reached")]);
    expect(s.server.refused).toBe(1);
    expect(await a.call("PING")).toBe("PONG");
    a.close();
    await eventually(() => s.server.connected === 1);
    const d = await RawClient.connect(s.port);
    expect(await d.call("PING")).toBe("PONG");
    b.close();
    d.close();
    await s.stop();
  });

  it("closes a client whose pending replies pass the output limit, and only that client", async () => {
    const s = await startServer({ maxOutputBuffer: 256 * 1024 });
    const c = await RawClient.connect(s.port);
    const other = await RawClient.connect(s.port);
    expect(await c.call("SET", "big", Buffer.alloc(300 * 1024, 97))).toBe("OK");
    expect(await c.call("SET", "small", "x")).toBe("OK");
    c.send(Buffer.concat([encode("GET", "small"), encode("GET", "big"), encode("PING")]));
    expect(await c.untilClosed()).toEqual([]);
    expect(await other.call("GET", "small")).toBe("x");
    other.close();
    await s.stop();
  });

  it("lets a subscriber that does not read lag: it skips what it missed, publishers never wait", async () => {
    const s = await startServer({ pubsubCapacity: 8 });
    const sub = await RawClient.connect(s.port);
    const pub = await RawClient.connect(s.port);
    expect(await sub.call("SUBSCRIBE", "firehose")).toEqual(["subscribe", "firehose", 1]);
    sub.socket.pause();
    const n = 2000; // 2000 × 16 KiB = 32 MB, far beyond the socket buffers
    const pad = "x".repeat(16 * 1024);
    for (let i = 0; i < n; i++) pub.send(encode("PUBLISH", "firehose", `${i}:${pad}`));
    const counts = await pub.replies(n);
    expect(counts.every((c) => c === 1)).toBe(true); // every publish answered while sub is stuck
    sub.socket.resume();
    const seen: number[] = [];
    while (seen.at(-1) !== n - 1) {
      const m = (await sub.reply()) as string[];
      expect(m[0]).toBe("message");
      seen.push(Number(m[2]!.split(":")[0]));
    }
    expect(seen.length).toBeLessThan(n); // it skipped ahead...
    expect(seen.every((v, i) => i === 0 || v > seen[i - 1]!)).toBe(true); // ...in order, no repeats
    expect(await sub.call("PING")).toEqual(["pong", ""]); // and is still served
    sub.close();
    pub.close();
    await s.stop();
  });

  it("applies backpressure to a client that sends without reading", async () => {
    const s = await startServer();
    const c = await RawClient.connect(s.port);
    expect(await c.call("SET", "v", Buffer.alloc(64 * 1024, 98))).toBe("OK");
    c.socket.pause(); // read nothing: the replies back up into the server's socket, then its writes wait
    const n = 600; // ~38 MB of replies, far beyond the socket buffers
    const gets = Buffer.concat(Array.from({ length: n }, () => encode("GET", "v")));
    c.send(gets);
    // The server still serves everyone else while that client's writes wait.
    const other = await RawClient.connect(s.port);
    expect(await other.call("PING")).toBe("PONG");
    c.socket.resume();
    const replies = await c.replies(n);
    expect(replies.every((r) => typeof r === "string" && r.length === 64 * 1024)).toBe(true);
    c.close();
    other.close();
    await s.stop();
  });
});
