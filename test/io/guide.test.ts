/** The examples of docs/guide-io.md, run as written (imports adjusted to the source tree). */
import { describe, expect, it } from "vitest";
import { type Context, END, PENDING, type Poll, select } from "../../src/future/index.js";
import {
  AsyncReadBase,
  BufReader,
  duplex,
  FramedRead,
  FramedWrite,
  LinesCodec,
  Readiness,
} from "../../src/io/index.js";
import { Runtime, run } from "../../src/runtime/index.js";
import { spawn, yieldNow } from "../../src/task/index.js";

class Pipe extends AsyncReadBase {
  private chunks: Uint8Array[] = [];
  private ended = false;
  private readonly readable = new Readiness();

  push(bytes: Uint8Array) {
    this.chunks.push(bytes);
    this.readable.wake();
  }
  end() {
    this.ended = true;
    this.readable.wake();
  }

  pollRead(cx: Context, buf: Uint8Array): Poll<number> {
    const head = this.chunks[0];
    if (head === undefined) {
      if (this.ended) return 0;
      this.readable.register(cx);
      return PENDING;
    }
    const n = Math.min(head.length, buf.length);
    buf.set(head.subarray(0, n));
    if (n === head.length) this.chunks.shift();
    else this.chunks[0] = head.subarray(n);
    return n;
  }

  override cancelRead() {
    this.readable.clear();
  }
}

describe("guide-io examples", () => {
  it("the line server over duplex", async () => {
    const replies = await run(function* () {
      const [client, server] = duplex(64 * 1024);
      spawn(function* () {
        const lines = new BufReader(server).lines({ maxLength: 8192 });
        const out = new FramedWrite(server, new LinesCodec());
        for (let l = yield* lines.next(); l !== END; l = yield* lines.next()) {
          yield* out.send(l.toUpperCase());
        }
        yield* out.close();
      });
      const out = new FramedWrite(client, new LinesCodec());
      yield* out.send("hello");
      yield* out.send("world");
      yield* client.shutdown();
      return yield* new FramedRead(client, new LinesCodec()).collect();
    });
    expect(replies).toEqual(["HELLO", "WORLD"]);
  });

  it("the hand-written resource, with its registration counted and cleared", async () => {
    const rt = new Runtime();
    await rt.run(function* () {
      const p = new Pipe();
      const r = yield* select.biased({ read: p.read(new Uint8Array(4)), other: yieldNow() });
      expect(r.key).toBe("other");
      expect(rt.metrics().pendingSources).toBe(0);
      p.push(new Uint8Array([1, 2, 3]));
      p.end();
      expect([...(yield* p.readToEnd())]).toEqual([1, 2, 3]);
    });
    await rt.shutdown();
  });
});
