// Compiled with test/consumer/types.ts in the consumer configs that have @types/node: the IO
// modules take and return Node's own sockets and streams, so they need Node's types; their
// declarations must still hold under every `lib`.

import { CancellationToken, run } from "pollux";
import * as fs from "pollux/fs";
import { TcpListener, TcpStream } from "pollux/net";
import { Command } from "pollux/process";
import { signal } from "pollux/signal";

type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
declare function check<T extends true>(...args: T extends true ? [] : [never]): void;

export const done = run(function* () {
  using listener = yield* TcpListener.bind("127.0.0.1:0");
  const { port } = listener.localAddr();
  check<Equal<typeof port, number>>();
  using conn = yield* TcpStream.connect({ host: "127.0.0.1", port });
  const n = yield* conn.read(new Uint8Array(8));
  check<Equal<typeof n, number>>();
  const text = yield* fs.readToString("x");
  check<Equal<typeof text, string>>();
  const token = new CancellationToken();
  const s: AbortSignal = token.signal;
  check<Equal<typeof s, AbortSignal>>();
  void Command;
  void signal;
  return text;
});
check<Equal<typeof done, Promise<string>>>();
