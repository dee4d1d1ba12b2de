/**
 * The baseline for the mini-redis benchmark: the same server written with native async/await on
 * `node:net`, as plainly and as fast as that style allows.
 *
 * It shares everything that is not about the runtime with examples/mini-redis: the RESP parser
 * and writer, the keyspace and the command table (all synchronous code). What differs is only the
 * connection handling, which is what the benchmark compares: here `for await (const chunk of
 * socket)` reads, every complete command in the buffer is answered, and the batch goes out in one
 * `socket.write` (awaiting 'drain' when Node's buffer is full); there, a pollux task per
 * connection waits on the socket's readiness.
 *
 * Left out, since the benchmark does not use them: pub/sub (SUBSCRIBE answers an error), the
 * background expiry task (keys still expire lazily, when read), the connection cap and graceful
 * shutdown.
 *
 * Run: `node --import tsx bench/mini-redis/native-server.ts --port 0` (prints its port).
 */
import { once } from "node:events";
import { createServer, type Socket } from "node:net";
import { parseArgs } from "node:util";
import { execute, type Session } from "../../examples/mini-redis/commands.js";
import { Db } from "../../examples/mini-redis/db.js";
import { PubSub } from "../../examples/mini-redis/pubsub.js";
import { NEED_MORE, ProtocolError, RespParser } from "../../examples/mini-redis/resp-parser.js";
import { RespWriter } from "../../examples/mini-redis/resp-writer.js";
import type { Subscriptions } from "../../examples/mini-redis/subscriptions.js";

const FLUSH_AT = 64 * 1024;

const db = new Db();
const pubsub = new PubSub(1024);
const config = new Map([
  ["save", ""],
  ["appendonly", "no"],
]);

class NativeSession implements Session {
  readonly db = db;
  readonly pubsub = pubsub;
  readonly config = config;
  readonly subscriptionCount = 0;
  quit = false;
  subscriptions(): Subscriptions {
    throw new Error("pub/sub is not implemented by the async/await baseline");
  }
}

/** Copy the batch out (the writer's buffer is reused) and write it, waiting for 'drain' if needed. */
async function flush(socket: Socket, out: RespWriter): Promise<void> {
  const chunk = Buffer.allocUnsafe(out.len);
  out.buf.copy(chunk, 0, 0, out.len);
  out.reset();
  if (!socket.write(chunk)) await once(socket, "drain");
}

async function handle(socket: Socket): Promise<void> {
  socket.setNoDelay(true);
  const parser = new RespParser();
  const out = new RespWriter();
  const session = new NativeSession();
  try {
    for await (const chunk of socket) {
      parser.push(chunk as Buffer);
      for (;;) {
        let argc: number;
        try {
          argc = parser.next();
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw e;
          out.error(`ERR ${e.message}`);
          await flush(socket, out);
          socket.end();
          return;
        }
        if (argc === NEED_MORE) break;
        try {
          execute(session, parser, argc, out);
        } catch (e) {
          out.error(`ERR ${(e as Error).message}`);
        }
        if (out.len >= FLUSH_AT) await flush(socket, out);
      }
      if (out.len > 0) await flush(socket, out);
      if (session.quit) break;
      parser.reserve();
    }
  } catch {
    // a reset or a client gone mid-frame: nothing to report
  } finally {
    socket.destroy();
  }
}

const { values } = parseArgs({
  options: { port: { type: "string", default: "6380" }, host: { type: "string", default: "127.0.0.1" } },
});
const server = createServer((socket) => {
  void handle(socket);
});
server.listen(Number(values.port), values.host, () => {
  const addr = server.address() as { address: string; port: number };
  console.log(`native async/await mini-redis listening on ${addr.address}:${addr.port}`);
});
process.on("SIGINT", () => server.close(() => process.exit(0)));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
