/**
 * work-queue: N workers draining ONE queue, the job mpmc exists for. One producer sends 200,000
 * jobs into a bounded queue of capacity 256; 8 worker tasks take jobs until the queue ends and add
 * them up. Each job goes to exactly one worker; the sum checks that none is lost or repeated.
 *
 * Contenders: native, the plainest correct promise-based bounded queue (from `ping-pong`) shared by
 * 8 async workers (a sentinel per worker ends them); pollux `mpmc.channel(256)` with a cloned
 * receiver per worker. The other pollux answer, an `mpsc.Receiver` behind a `Mutex`, is the
 * `work-queue-mutex` workload (same sizes), since a workload has one pollux contender.
 */
import { type Async, END, run, spawn } from "pollux";
import { mpmc } from "pollux/sync";
import { sumBelow, timed } from "../lib/timed.js";
import type { Workload } from "../workload.js";
import { PromiseQueue } from "./ping-pong.js";

export const JOBS = 200_000;
export const WORKERS = 8;
export const CAPACITY = 256;
export const EXPECTED = sumBelow(JOBS);

async function nativeWorker(q: PromiseQueue<number>): Promise<number> {
  let sum = 0;
  for (let v = await q.recv(); v >= 0; v = await q.recv()) sum += v;
  return sum;
}

/** Native: jobs, then one -1 per worker to end it (the queue has no close). */
export async function nativeMain(): Promise<number> {
  const q = new PromiseQueue<number>(CAPACITY);
  const workers = [];
  for (let w = 0; w < WORKERS; w++) workers.push(nativeWorker(q));
  for (let i = 0; i < JOBS; i++) await q.send(i);
  for (let w = 0; w < WORKERS; w++) await q.send(-1);
  let sum = 0;
  for (const s of await Promise.all(workers)) sum += s;
  return sum;
}

function* worker(rx: mpmc.Receiver<number>): Async<number> {
  let sum = 0;
  for (let v = yield* rx.recv(); v !== END; v = yield* rx.recv()) sum += v;
  return sum;
}

function* polluxMain(): Async<number> {
  const [tx, rx] = mpmc.channel<number>(CAPACITY);
  const workers = [];
  for (let w = 0; w < WORKERS; w++) workers.push(spawn(worker(rx.clone())));
  for (let i = 0; i < JOBS; i++) yield* tx.send(i);
  tx.close();
  let sum = 0;
  for (const h of workers) sum += yield* h;
  return sum;
}

export default {
  name: "work-queue",
  description:
    "1 producer × 200,000 jobs into one bounded queue of capacity 256, drained by 8 worker tasks: " +
    "native promise queue vs pollux `mpmc.channel(256)` (see work-queue-mutex for `Mutex<mpsc.Receiver>`).",
  target: "≤ 0.7× native",
  contenders: {
    native: () => timed(nativeMain, EXPECTED),
    pollux: () => timed(() => run(polluxMain), EXPECTED),
  },
} satisfies Workload;
