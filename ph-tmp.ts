import { getHeapSnapshot } from "node:v8";
import { Runtime } from "./src/runtime/index.js";
import { SnapshotParser } from "./src/runtime/heap-snapshot.js";
import { exclusiveRetained } from "./src/runtime/retained.js";
import { sleep } from "./src/time/index.js";
function* big() { const data = new Array<number>(10_000).fill(1.5); yield* sleep(1_000_000); return data.length; }
function* records() { const list = Array.from({ length: 20 }, (_, i) => ({ i, label: `record ${i}` })); yield* sleep(1_000_000); return list.length; }
const n = Number(process.argv[2]);
const rt = new Runtime({ onOrphans: false });
for (let i = 0; i < n / 2; i++) { rt.spawn(big()); rt.spawn(records()); }
while (rt.metrics().polls < n) await new Promise((r) => setImmediate(r));
for (let round = 0; round < 2; round++) {
let t = performance.now(); const out: string[] = [];
const stream = getHeapSnapshot(); out.push(`take ${(performance.now() - t).toFixed(0)}`); t = performance.now();
const chunks: Buffer[] = []; for await (const c of stream) chunks.push(c as Buffer);
out.push(`serialize ${(performance.now() - t).toFixed(0)} (${(chunks.reduce((a, c) => a + c.length, 0) / 1e6).toFixed(0)} MB)`); t = performance.now();
const p = new SnapshotParser(); for (const c of chunks) p.write(c); const snap = p.finish();
out.push(`parse ${(performance.now() - t).toFixed(0)} (${snap.nodeCount} objects, ${snap.edgeTo.length} edges)`); t = performance.now();
exclusiveRetained(snap, 0, [1, 2, 3], [], { weakType: snap.edgeTypes.indexOf("weak"), shortcutType: snap.edgeTypes.indexOf("shortcut") });
out.push(`ownership ${(performance.now() - t).toFixed(0)}`);
t = performance.now(); const r = await rt.memory(); out.push(`| memory() ${r.durationMs.toFixed(0)}`);
console.log(n, out.join(", "));
}
await rt.shutdown();
