// The job functions of bench/blocking/pool.ts for workerpool.
const workerpool = require("workerpool");

workerpool.worker({
  echo: (x) => x,
  spin: (ms) => {
    const end = performance.now() + ms;
    let n = 0;
    while (performance.now() < end) n++;
    return n > 0 ? ms : 0;
  },
});
