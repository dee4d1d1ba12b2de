// The job functions of bench/blocking/pool.ts, for pollux's module form and for piscina.
export default function echo(x) {
  return x;
}

export function echo2(x) {
  return x;
}

export function spin(ms) {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) n++;
  return n > 0 ? ms : 0;
}
