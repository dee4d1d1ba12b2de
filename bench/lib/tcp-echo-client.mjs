// The ONE client of the tcp-echo benchmark, run in its own process so it never shares a thread with
// the server it measures: plain node:net, callbacks only, Nagle off.
//
//   node bench/lib/tcp-echo-client.mjs <port> <connections> <messageBytes> <roundsPerConnection>
//
// Opens every connection first, then each connection runs a closed loop: send one message, wait
// until all of its bytes came back, record the round trip, send the next. Prints one JSON line:
// { ms, messages, msgPerS, p50Us, p99Us } (ms from the first send to the last reply).
import { connect } from "node:net";

const [port, conns, size, rounds] = process.argv.slice(2).map(Number);
if (!(port > 0 && conns > 0 && size > 0 && rounds > 0)) {
  console.error("usage: tcp-echo-client.mjs <port> <connections> <messageBytes> <roundsPerConnection>");
  process.exit(2);
}

const message = Buffer.alloc(size);
for (let i = 0; i < size; i++) message[i] = (i * 31 + 7) & 0xff;
const latencies = new Float64Array(conns * rounds);
let recorded = 0;
let connected = 0;
let finished = 0;
let started = 0;
const sockets = [];

function fail(err) {
  console.error(`tcp-echo-client: ${err.message}`);
  process.exit(1);
}

class Conn {
  constructor() {
    this.got = 0;
    this.done = 0;
    this.t0 = 0;
    this.socket = connect({ port, host: "127.0.0.1", noDelay: true }, () => {
      if (++connected === conns) start();
    });
    this.socket.on("error", fail);
    this.socket.on("data", (chunk) => this.onData(chunk));
  }
  send() {
    this.got = 0;
    this.t0 = performance.now();
    this.socket.write(message);
  }
  onData(chunk) {
    this.got += chunk.length;
    if (this.got < size) return;
    if (this.got > size) fail(new Error(`echo returned ${this.got} bytes for a ${size}-byte message`));
    latencies[recorded++] = performance.now() - this.t0;
    if (++this.done < rounds) this.send();
    else if (++finished === conns) end();
  }
}

function start() {
  started = performance.now();
  for (const c of sockets) c.send();
}

function end() {
  const ms = performance.now() - started;
  latencies.sort();
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] * 1000;
  const messages = conns * rounds;
  process.stdout.write(
    `${JSON.stringify({ ms, messages, msgPerS: (messages / ms) * 1000, p50Us: pct(0.5), p99Us: pct(0.99) })}\n`,
  );
  for (const c of sockets) c.socket.destroy();
}

for (let i = 0; i < conns; i++) sockets.push(new Conn());
