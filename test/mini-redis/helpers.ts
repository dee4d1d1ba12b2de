/**
 * Helpers for the mini-redis tests: a server started in-process on an ephemeral port, a raw RESP
 * client on `node:net`, and a RESP2 reply decoder. The server imports pollux as the examples do
 * ("pollux", the built package), so these tests import it the same way: one copy of the runtime.
 */
import * as net from "node:net";
import { TcpListener } from "pollux/net";
import { Runtime } from "pollux/runtime";
import { Server, type ServerOptions } from "../../examples/mini-redis/server.js";

export interface Running {
  readonly server: Server;
  readonly port: number;
  /** Settles when `serve` returned (after `server.shutdown()`). */
  readonly done: Promise<void>;
  /** Graceful shutdown, then wait for it. */
  stop(): Promise<void>;
}

/** Start a server on 127.0.0.1:0 in a runtime of its own. */
export async function startServer(options: ServerOptions = {}): Promise<Running> {
  const server = new Server(options);
  const rt = new Runtime({ onOrphans: false });
  let ready!: (port: number) => void;
  let failed!: (e: unknown) => void;
  const portP = new Promise<number>((res, rej) => {
    ready = res;
    failed = rej;
  });
  const done = rt
    .run(function* () {
      const listener = yield* TcpListener.bind("127.0.0.1:0");
      ready(listener.localAddr().port);
      yield* server.serve(listener);
    })
    .catch((e: unknown) => {
      failed(e);
      throw e;
    });
  const port = await portP;
  return {
    server,
    port,
    done,
    async stop() {
      server.shutdown();
      await done;
    },
  };
}

/** A decoded RESP2 reply. Bulk strings decode as UTF-8 text; `null` is the nil bulk or array. */
export type Reply = string | number | null | ReplyError | Reply[];

export class ReplyError {
  constructor(readonly message: string) {}
}

const INCOMPLETE = Symbol("incomplete");

/** Decode one reply at `pos`: `[reply, next]`, or INCOMPLETE. */
function decode(buf: Buffer, pos: number): [Reply, number] | typeof INCOMPLETE {
  const nl = buf.indexOf("\r\n", pos);
  if (nl === -1) return INCOMPLETE;
  const type = String.fromCharCode(buf[pos]!);
  const line = buf.toString("utf8", pos + 1, nl);
  const next = nl + 2;
  switch (type) {
    case "+":
      return [line, next];
    case "-":
      return [new ReplyError(line), next];
    case ":":
      return [Number(line), next];
    case "$": {
      const n = Number(line);
      if (n < 0) return [null, next];
      if (buf.length < next + n + 2) return INCOMPLETE;
      return [buf.toString("utf8", next, next + n), next + n + 2];
    }
    case "*": {
      const n = Number(line);
      if (n < 0) return [null, next];
      const items: Reply[] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const r = decode(buf, p);
        if (r === INCOMPLETE) return INCOMPLETE;
        items.push(r[0]);
        p = r[1];
      }
      return [items, p];
    }
    default:
      throw new Error(`not a RESP reply: ${JSON.stringify(buf.toString("latin1", pos, pos + 40))}`);
  }
}

/** Decode the first reply in `buf`: `[reply, bytesUsed]`, or null when it is incomplete. */
export function tryDecode(buf: Buffer): [Reply, number] | null {
  const r = decode(buf, 0);
  return r === INCOMPLETE ? null : r;
}

/** Encode a command as a client does: an array of bulk strings. */
export function encode(...args: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === "string" ? Buffer.from(a) : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from("\r\n"));
  }
  return Buffer.concat(parts);
}

/**
 * A raw RESP client: write any bytes, read decoded replies in order, see when the server closes.
 *
 * @example
 * const c = await RawClient.connect(port);
 * c.send(encode("PING"));
 * expect(await c.reply()).toBe("PONG");
 */
export class RawClient {
  private buf: Buffer = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  ended = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
      this.kick();
    });
    socket.on("error", () => {});
    this.closed = new Promise((res) => {
      socket.on("close", () => {
        this.ended = true;
        this.kick();
        res();
      });
    });
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((res, rej) => {
      const s = net.connect({ host: "127.0.0.1", port }, () => res(new RawClient(s)));
      s.once("error", rej);
    });
  }

  private kick(): void {
    const w = this.waiting;
    this.waiting = null;
    w?.();
  }

  send(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  /** The next reply; rejects if the connection closes first. */
  async reply(): Promise<Reply> {
    for (;;) {
      if (this.buf.length > 0) {
        const r = decode(this.buf, 0);
        if (r !== INCOMPLETE) {
          this.buf = this.buf.subarray(r[1]);
          return r[0];
        }
      }
      if (this.ended) throw new Error("connection closed before a complete reply");
      await new Promise<void>((res) => {
        this.waiting = res;
      });
    }
  }

  async replies(n: number): Promise<Reply[]> {
    const out: Reply[] = [];
    for (let i = 0; i < n; i++) out.push(await this.reply());
    return out;
  }

  /** Send one command and read its reply. */
  async call(...args: (string | Buffer)[]): Promise<Reply> {
    this.send(encode(...args));
    return this.reply();
  }

  /** Every reply until the server closes the connection. */
  async untilClosed(): Promise<Reply[]> {
    const out: Reply[] = [];
    for (;;) {
      try {
        out.push(await this.reply());
      } catch {
        return out;
      }
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Poll `cond` until it holds (no timing assertion: the test's own timeout bounds the wait). */
export async function eventually(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}
