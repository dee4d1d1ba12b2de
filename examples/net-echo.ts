/**
 * A TCP echo server on pollux/net: a task per connection, each closed by `using` however it ends.
 * Run: `npm run build && node --import tsx examples/net-echo.ts`, then `nc 127.0.0.1 7000`.
 */
import { type Async, runMain, spawn } from "pollux";
import { TcpListener, type TcpStream } from "pollux/net";

function* echo(conn: TcpStream): Async<void> {
  using c = conn; // closed however the task ends, cancellation included
  const buf = new Uint8Array(16 * 1024);
  for (let n: number; (n = yield* c.read(buf)) > 0; ) yield* c.writeAll(buf.subarray(0, n));
}

runMain(function* () {
  using listener = yield* TcpListener.bind("127.0.0.1:7000");
  console.log(`echo server on ${listener.localAddr().port}`);
  for (;;) spawn(echo((yield* listener.accept())[0]));
});
