/**
 * pollux demo: tasks, a ping-pong between two tasks built on a hand-written leaf future (no
 * channel), cancellation with async cleanup, and the runtime's metrics.
 *
 *   npm run demo
 */
import {
  asyncFn,
  type Context,
  FutureBase,
  PENDING,
  type Poll,
  Runtime,
  spawn,
  type Waker,
  yieldNow,
} from "pollux";

/** A one-slot mailbox: the smallest useful leaf future. put() wakes the task waiting in take(). */
class Mailbox<T> {
  private value: T | undefined;
  private full = false;
  private waiter: Waker | null = null;

  put(value: T): void {
    this.value = value;
    this.full = true;
    const w = this.waiter;
    this.waiter = null;
    w?.wake(); // the task object is its own waker: no allocation
  }

  take(): Take<T> {
    return new Take(this);
  }

  /** @internal */
  pollTake(cx: Context): Poll<T> {
    if (!this.full) {
      this.waiter = cx.waker;
      return PENDING;
    }
    this.full = false;
    return this.value as T;
  }
}

class Take<T> extends FutureBase<T> {
  constructor(private readonly box: Mailbox<T>) {
    super();
  }
  poll(cx: Context): Poll<T> {
    return this.box.pollTake(cx);
  }
}

const player = asyncFn(function* (
  name: string,
  inbox: Mailbox<number>,
  outbox: Mailbox<number>,
  rounds: number,
) {
  let last = 0;
  for (let i = 0; i < rounds; i++) {
    last = yield* inbox.take();
    outbox.put(last + 1);
  }
  return `${name} saw ${last}`;
});

const worker = asyncFn(function* (id: number) {
  for (let i = 0; i < 3; i++) yield* yieldNow();
  return id * id;
});

const stubborn = asyncFn(function* () {
  try {
    yield* new Mailbox<never>().take(); // never filled
  } finally {
    yield* yieldNow(); // cleanup may await: it runs to completion on abort
    console.log("  stubborn task: finally ran after abort");
  }
});

const rt = new Runtime();
const started = performance.now();
const summary = await rt.run(function* () {
  console.log("1. spawn 10,000 tasks and join them");
  const handles = [];
  for (let i = 0; i < 10_000; i++) {
    handles.push(spawn(worker(i)));
    // A poll that runs long blocks every other task (and is reported): hand control back now and then.
    if (i % 1_000 === 999) yield* yieldNow();
  }
  let sum = 0;
  for (const h of handles) sum += yield* h;
  console.log(`  sum of squares: ${sum}`);

  console.log("2. ping-pong 100,000 messages between two tasks through a leaf future");
  const toPing = new Mailbox<number>();
  const toPong = new Mailbox<number>();
  const ping = spawn(player("ping", toPing, toPong, 50_000), { name: "ping" });
  const pong = spawn(player("pong", toPong, toPing, 50_000), { name: "pong" });
  toPing.put(0);
  console.log(`  ${yield* ping}, ${yield* pong}`);

  console.log("3. abort a task: its finally blocks run, the handle reports cancellation");
  const s = spawn(stubborn(), { name: "stubborn" });
  yield* yieldNow();
  s.abort();
  try {
    yield* s;
  } catch (e) {
    console.log(`  ${(e as Error).message}`);
  }
  return sum;
});
const elapsed = performance.now() - started;
const m = rt.metrics();
console.log(`done in ${elapsed.toFixed(1)} ms (result ${summary}). Metrics:`);
console.log(
  `  tasks: spawned ${m.tasksSpawned}, completed ${m.tasksCompleted}, cancelled ${m.tasksCancelled}, failed ${m.tasksFailed}`,
);
console.log(
  `  polls ${m.polls}; wakes: ${m.wakesInside} inside polls, ${m.wakesOutside} from Node callbacks, ${m.selfWakes} self`,
);
console.log(`  budget-forced yields ${m.budgetYields}; yields to the Node event loop ${m.eventLoopYields}`);
await rt.shutdown();
