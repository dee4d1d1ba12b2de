// The bare postMessage peers of bench/cores/remote.ts: echo each message back, or stream numbers.
const { parentPort } = require("node:worker_threads");
parentPort.on("message", (m) => {
  if (m !== null && typeof m === "object" && m.stream !== undefined) {
    for (let i = 0; i < m.stream; i++) parentPort.postMessage(i);
    parentPort.postMessage(-1);
    return;
  }
  parentPort.postMessage(m);
});
