/**
 * work-queue-mutex: the `work-queue` workload (1 producer, 200,000 jobs, capacity 256, 8 workers)
 * with the pre-mpmc pollux answer: one `mpsc.Receiver` shared behind a `Mutex`, each worker taking
 * the lock for every `recv()`. Compare its pollux figure with `work-queue`'s (same native).
 */
import { type Async, END, type End, run, spawn } from "pollux";
import { Mutex, mpsc } from "pollux/sync";
import { timed } from "../lib/timed.js";
import type { Workload } from "../workload.js";
import { CAPACITY, EXPECTED, JOBS, nativeMain, WORKERS } from "./work-queue.js";

function* worker(shared: Mutex<mpsc.Receiver<number>>): Async<number> {
  let sum = 0;
  for (;;) {
    let v: number | End;
    {
      using g = yield* shared.lock();
      v = yield* g.value.recv();
    }
    if (v === END) return sum;
    sum += v;
  }
}

function* polluxMain(): Async<number> {
  const [tx, rx] = mpsc.channel<number>(CAPACITY);
  const shared = new Mutex(rx);
  const workers = [];
  for (let w = 0; w < WORKERS; w++) workers.push(spawn(worker(shared)));
  for (let i = 0; i < JOBS; i++) yield* tx.send(i);
  tx.close();
  let sum = 0;
  for (const h of workers) sum += yield* h;
  return sum;
}

export default {
  name: "work-queue-mutex",
  description:
    "work-queue with pollux `Mutex<mpsc.Receiver>` (lock per recv) instead of mpmc: 1 producer × " +
    "200,000 jobs, capacity 256, 8 workers.",
  target: "for comparison with work-queue",
  contenders: {
    native: () => timed(nativeMain, EXPECTED),
    pollux: () => timed(() => run(polluxMain), EXPECTED),
  },
} satisfies Workload;
