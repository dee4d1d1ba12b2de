/**
 * Can anything outside pollux still wake a task? The runtime knows its own wake sources (timers,
 * pending `fromPromise` promises, IO it drives), but user code may wake tasks from its own Node
 * callbacks (a `setTimeout` calling `waker.wake()`, a socket event). Declaring a deadlock while such
 * a handle is alive would kill a correct program, so the deadlock check also asks Node which
 * ref'd handles keep the event loop alive, and compares with a snapshot taken when `run()` started:
 * a handle that appeared since then might wake someone, so no deadlock is declared while it lives.
 * Handles that existed before `run()` (a test runner's IPC pipes) are not counted.
 *
 * `Immediate` entries are ignored: they are one-shot, and the runtime's own check runs in one.
 */
export type ResourceSnapshot = Map<string, number>;

export function snapshotResources(): ResourceSnapshot {
  const counts: ResourceSnapshot = new Map();
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind === "Immediate") continue;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return counts;
}

/** Kinds of handles alive now beyond `baseline`, e.g. `["Timeout"]`; empty when none. */
export function newResources(baseline: ResourceSnapshot): string[] {
  const extra: string[] = [];
  for (const [kind, n] of snapshotResources()) {
    if (n > (baseline.get(kind) ?? 0)) extra.push(kind);
  }
  return extra;
}
