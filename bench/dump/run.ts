/**
 * How long `runtime.dump()` takes for N live tasks, each suspended on a channel at async-fn depth
 * `depth` below the task's own generator (so N × (depth + 1) generator frames to locate), and
 * whether it slows the program afterwards (the dump enables the debugger briefly to learn script
 * URLs). Run: `npm run build && node --import tsx bench/dump/run.ts`.
 */
import { type Async, asyncFn, type Future } from "pollux";
import { Runtime } from "pollux/runtime";
import { mpsc } from "pollux/sync";

const level: (depth: number, rx: mpsc.Receiver<number>) => Future<unknown> = asyncFn(function* (
  depth: number,
  rx: mpsc.Receiver<number>,
): Async<unknown> {
  if (depth > 1) return yield* level(depth - 1, rx);
  return yield* rx.recv();
});

function* worker(depth: number, rx: mpsc.Receiver<number>): Async<void> {
  yield* level(depth, rx);
}

function* pingPong(n: number): Async<number> {
  const [tx, rx] = mpsc.channel<number>(1);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    yield* tx.send(i);
    const v = yield* rx.recv();
    if (typeof v === "number") sum += v;
  }
  return sum;
}

async function measure(tasks: number, depth: number): Promise<void> {
  const rt = new Runtime();
  const senders: mpsc.Sender<number>[] = [];
  for (let i = 0; i < tasks; i++) {
    const [tx, rx] = mpsc.channel<number>(1);
    senders.push(tx);
    rt.spawn(worker(depth, rx));
  }
  await new Promise((r) => setTimeout(r, 10));
  const t0 = performance.now();
  const dump = rt.dump();
  const took = performance.now() - t0;
  const t1 = performance.now();
  const text = String(dump);
  const render = performance.now() - t1;
  const located = dump.tasks.filter((t) => t.awaitSite !== undefined).length;
  console.log(
    `${tasks} tasks x depth ${depth}: dump ${took.toFixed(0)} ms (${((took / (tasks * (depth + 1))) * 1000).toFixed(1)} µs per frame, ${depth + 1} frames per task), ` +
      `toString ${render.toFixed(0)} ms (${text.length} chars), ${located} located`,
  );
  for (const tx of senders) tx.close();
  await rt.shutdown();
}

async function pingPongMs(): Promise<number> {
  const rt = new Runtime({ instrument: false });
  const t0 = performance.now();
  await rt.run(pingPong(200_000));
  const ms = performance.now() - t0;
  await rt.shutdown();
  return ms;
}

const before = [await pingPongMs(), await pingPongMs(), await pingPongMs()];
await measure(1_000, 1); // the first dump also learns script URLs (enables the debugger once)
await measure(1_000, 1);
await measure(1_000, 3);
await measure(10_000, 1);
await measure(10_000, 3);
const after = [await pingPongMs(), await pingPongMs(), await pingPongMs()];
console.log(
  `ping-pong 200k before dumps: ${before.map((m) => m.toFixed(0)).join(", ")} ms; after: ${after.map((m) => m.toFixed(0)).join(", ")} ms`,
);
