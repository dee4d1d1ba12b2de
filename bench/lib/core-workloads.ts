/**
 * The two workloads that measure pollux's core against other executors in the standalone
 * scripts: spawn-join (spawn `n` tasks that return at once, join them all) and ping-pong (`n`
 * messages between two tasks over unbounded mpsc channels). Each returns a fresh generator.
 */
import { type Async, END, type JoinHandle, spawn } from "pollux";
import { mpsc } from "pollux/sync";

function* child(i: number): Async<number> {
  return i;
}

export function* spawnJoin(n: number): Async<number> {
  const hs = new Array<JoinHandle<number>>(n);
  for (let i = 0; i < n; i++) hs[i] = spawn(child(i));
  let s = 0;
  for (const h of hs) s += yield* h;
  return s;
}

function* ponger(rx: mpsc.UnboundedReceiver<number>, tx: mpsc.UnboundedSender<number>): Async<void> {
  for (let v = yield* rx.recv(); v !== END; v = yield* rx.recv()) tx.send(v);
}

export function* pingPong(n: number): Async<number> {
  const [pingTx, pingRx] = mpsc.unbounded<number>();
  const [pongTx, pongRx] = mpsc.unbounded<number>();
  const p = spawn(ponger(pingRx, pongTx));
  let s = 0;
  for (let i = 0; i < n; i++) {
    pingTx.send(i);
    s += (yield* pongRx.recv()) as number;
  }
  pingTx.close();
  yield* p;
  return s;
}
