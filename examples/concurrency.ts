/**
 * The README's concurrency example, runnable: `npm run build && node --import tsx examples/concurrency.ts`.
 * join, select and timeout multiplex futures inside ONE task; the channel connects them.
 */
import { asyncFn, Elapsed, END, join, run, select, sleep, timeout } from "pollux";
import { mpsc } from "pollux/sync";

const producer = asyncFn(function* (tx: mpsc.Sender<string>) {
  for (let i = 0; i < 5; i++) yield* tx.send(`message ${i}`);
  return 5;
});

const consumer = asyncFn(function* (rx: mpsc.Receiver<string>, count: number) {
  const got: string[] = [];
  for (let i = 0; i < count; i++) {
    const msg = yield* rx.recv();
    if (msg === END) break;
    got.push(msg);
  }
  return got;
});

await run(function* () {
  const [tx, rx] = mpsc.channel<string>(2);
  // Two futures, one task: each child has its own waker and is re-polled only when woken.
  const [sent, got] = yield* join(producer(tx), consumer(rx, 5));
  console.log(`sent ${sent}, received ${got.join(", ")}`);

  // The first ready branch wins; the loser is cancelled before select returns.
  tx.trySend("late news");
  const r = yield* select({ msg: rx.recv(), tick: sleep(1_000) });
  console.log(r.key === "msg" ? `select: ${String(r.value)}` : "select: tick");

  // Nothing more arrives: Elapsed is thrown after 50 ms, the inner future cancelled first.
  try {
    yield* timeout(50, consumer(rx, 1));
  } catch (e) {
    if (!(e instanceof Elapsed)) throw e;
    console.log(`timeout: ${e.message}`);
  }
});
