// Module tasks of bench/cores: run on pollux worker runtimes.
export function* echo(x) {
  return x;
}

// Sends 0 … n − 1 on a cross-thread channel, then ends (which closes the sender).
export function* produce(tx, n) {
  for (let i = 0; i < n; i++) yield* tx.send(i);
  return n;
}
