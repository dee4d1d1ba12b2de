import { describe, expect, it } from "vitest";
import { pending } from "../../src/future/index.js";
import { findNode, takeHeapSnapshot } from "../../src/runtime/heap-snapshot.js";
import { Runtime } from "../../src/runtime/index.js";
import {
  type EdgeRules,
  exclusiveRetained,
  type OwnershipGraph,
  type Roles,
} from "../../src/runtime/retained.js";

const PLAIN = 0;
const WEAK = 1;
const SHORTCUT = 2;
const RULES: EdgeRules = { weakType: WEAK, shortcutType: SHORTCUT };

type Edge = [from: number, to: number, type?: number];

function graph(nodeCount: number, edges: Edge[], sizes?: number[]): OwnershipGraph {
  const sorted = [...edges].sort((a, b) => a[0] - b[0]);
  const firstEdge = new Uint32Array(nodeCount + 1);
  for (const [from] of sorted) firstEdge[from + 1]!++;
  for (let i = 0; i < nodeCount; i++) firstEdge[i + 1]! += firstEdge[i]!;
  return {
    nodeCount,
    selfSize: Float64Array.from(sizes ?? Array.from({ length: nodeCount }, (_, i) => 2 ** i)),
    firstEdge,
    edgeTo: Uint32Array.from(sorted.map((e) => e[1])),
    edgeType: Uint8Array.from(sorted.map((e) => e[2] ?? PLAIN)),
  };
}

/**
 * The definition, computed the slow way: drop the edges from outside every owner (what the root
 * reaches without passing an owner or a waker) into wakers, and add an edge from the root to every
 * owner; node v belongs to owner T when v is reachable and every path from the root to v passes
 * through T (T dominates v), i.e. v is no longer reachable once T is removed.
 */
function bruteForce(g: OwnershipGraph, root: number, roles: Roles): number[] {
  const { owners, wakers, blocked } = roles;
  const plainEdges = (v: number): number[] => {
    const out: number[] = [];
    for (let e = g.firstEdge[v]!; e < g.firstEdge[v + 1]!; e++) {
      const t = g.edgeType[e];
      if (t === WEAK || (t === SHORTCUT && v !== root)) continue;
      out.push(g.edgeTo[e]!);
    }
    return out;
  };
  const outside = new Set<number>([root]);
  const todo = [root];
  while (todo.length > 0) {
    const v = todo.pop()!;
    if (blocked.includes(v)) continue;
    for (const w of plainEdges(v)) {
      if (outside.has(w) || owners.includes(w) || wakers.includes(w)) continue;
      outside.add(w);
      todo.push(w);
    }
  }
  const edgesOf = (v: number): number[] => {
    const out = plainEdges(v).filter((w) => !(outside.has(v) && wakers.includes(w)));
    if (v === root) out.push(...owners);
    return out;
  };
  const reach = (removed: number): Set<number> => {
    const seen = new Set<number>();
    const stack = removed === root ? [] : [root];
    for (const v of stack) seen.add(v);
    while (stack.length > 0) {
      const v = stack.pop()!;
      if (blocked.includes(v)) continue;
      for (const w of edgesOf(v)) {
        if (w === removed || seen.has(w)) continue;
        seen.add(w);
        stack.push(w);
      }
    }
    return seen;
  };
  const all = reach(-1);
  return owners.map((t) => {
    const without = reach(t);
    let bytes = 0;
    for (const v of all) if (!without.has(v) && !blocked.includes(v)) bytes += g.selfSize[v]!;
    return bytes;
  });
}

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("exclusiveRetained", () => {
  it("does not credit a task with its neighbours in the live list", () => {
    // 0 root → 1 runtime → 2 task A ⇄ 3 task B (nextLive/prevLive); A holds 4, B holds 5.
    const g = graph(6, [
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 2],
      [2, 4],
      [3, 5],
    ]);
    expect([...exclusiveRetained(g, 0, { owners: [2, 3], wakers: [], blocked: [] }, RULES)]).toEqual([
      4 + 16,
      8 + 32,
    ]);
  });

  it("counts what two tasks share, or what the roots reach, under no task", () => {
    // Tasks 1 and 2 both hold 3 (and 3 holds 4); task 1 holds 5, which the root reaches too.
    const g = graph(6, [
      [0, 1],
      [0, 2],
      [1, 3],
      [2, 3],
      [3, 4],
      [1, 5],
      [0, 5],
    ]);
    expect([...exclusiveRetained(g, 0, { owners: [1, 2], wakers: [], blocked: [] }, RULES)]).toEqual([2, 4]);
  });

  it("ignores weak edges, and shortcut edges except from the root", () => {
    // The root reaches 3 only weakly and 4 only by a shortcut from 3: both stay task 1's.
    const g = graph(5, [
      [0, 1],
      [1, 3],
      [0, 3, WEAK],
      [0, 2],
      [2, 4, SHORTCUT],
      [1, 4],
    ]);
    expect([...exclusiveRetained(g, 0, { owners: [1], wakers: [], blocked: [] }, RULES)]).toEqual([
      2 + 8 + 16,
    ]);
  });

  it("credits a combinator's children to the task, though a timer holds their waker", () => {
    // Task 1 → join 2 → child waker 3 → child future 4; the timer wheel 5 (from the root) holds 3.
    // Task 6 and task 7 both hold waker 8: shared.
    const g = graph(9, [
      [0, 5],
      [5, 3],
      [1, 2],
      [2, 3],
      [3, 4],
      [6, 8],
      [7, 8],
      [0, 8],
    ]);
    const roles = { owners: [1, 6, 7], wakers: [3, 8], blocked: [] };
    expect([...exclusiveRetained(g, 0, roles, RULES)]).toEqual([2 + 4 + 8 + 16, 64, 128]);
    // Without the waker role, the root reaches the child through the timer: shared.
    expect([...exclusiveRetained(g, 0, { ...roles, wakers: [] }, RULES)]).toEqual([2 + 4, 64, 128]);
  });

  it("matches the dominator definition on random graphs", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      const n = 4 + Math.floor(next() * 20);
      const edges: Edge[] = [];
      const m = Math.floor(next() * n * 2.5);
      for (let i = 0; i < m; i++) {
        const r = next();
        edges.push([
          Math.floor(next() * n),
          Math.floor(next() * n),
          r < 0.1 ? WEAK : r < 0.15 ? SHORTCUT : PLAIN,
        ]);
      }
      const owners = [
        ...new Set(
          Array.from({ length: 1 + Math.floor(next() * 4) }, () => 1 + Math.floor(next() * (n - 1))),
        ),
      ];
      const candidates = Array.from({ length: n }, (_, i) => i).filter((i) => i !== 0 && !owners.includes(i));
      const pick = (): number[] =>
        next() < 0.5 || candidates.length === 0
          ? []
          : candidates.splice(Math.floor(next() * candidates.length), 1);
      const blocked = pick();
      const wakers = [...pick(), ...pick()];
      const sizes = Array.from({ length: n }, () => 1 + Math.floor(next() * 100));
      const g = graph(n, edges, sizes);
      const roles = { owners, wakers, blocked };
      expect([...exclusiveRetained(g, 0, roles, RULES)], `seed ${seed}`).toEqual(bruteForce(g, 0, roles));
    }
  });

  it("matches a Cooper–Harvey–Kennedy dominator tree over this process's heap, tasks as roots", async () => {
    const rt = new Runtime({ onOrphans: false });
    function* holds(bytes: number, shared: object) {
      const own = new ArrayBuffer(bytes);
      yield* pending<void>();
      return [own, shared];
    }
    function* parent() {
      const child = rt.spawn(holds(2048, {}));
      yield* child;
    }
    const shared = { data: new Array(1000).fill(0) };
    for (let i = 0; i < 20; i++) rt.spawn(holds(1024 * (i + 1), shared));
    rt.spawn(parent());
    while (rt.metrics().polls < rt.metrics().tasksSpawned) await new Promise((r) => setImmediate(r));

    const snap = await takeHeapSnapshot();
    const owners = findNode(snap, "object", "Task");
    expect(owners.length).toBeGreaterThanOrEqual(22);
    const rules = {
      weakType: snap.edgeTypes.indexOf("weak"),
      shortcutType: snap.edgeTypes.indexOf("shortcut"),
    };
    const fast = exclusiveRetained(snap, 0, { owners, wakers: [], blocked: [] }, rules);
    const slow = dominatorRetained(snap, 0, owners, rules);
    expect([...fast]).toEqual(owners.map((o) => slow[o]));
    await rt.shutdown();
  });
});

/**
 * Retained sizes from a full dominator tree (Cooper, Harvey & Kennedy, "A Simple, Fast Dominance
 * Algorithm"), over the graph plus an edge from the root to every owner: the definition that
 * `exclusiveRetained` computes without building the tree.
 */
function dominatorRetained(
  g: OwnershipGraph,
  root: number,
  owners: number[],
  rules: EdgeRules,
): Float64Array {
  const n = g.nodeCount;
  const successors = (v: number): number[] => {
    const out: number[] = [];
    for (let e = g.firstEdge[v]!; e < g.firstEdge[v + 1]!; e++) {
      const t = g.edgeType[e];
      if (t === rules.weakType || (t === rules.shortcutType && v !== root)) continue;
      out.push(g.edgeTo[e]!);
    }
    if (v === root) out.push(...owners);
    return out;
  };
  // Postorder by an iterative DFS.
  const order = new Int32Array(n).fill(-1); // postorder number
  const post: number[] = [];
  const visited = new Uint8Array(n);
  const preds: number[][] = Array.from({ length: n }, () => []);
  const stack: [number, number[], number][] = [[root, successors(root), 0]];
  visited[root] = 1;
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const [v, succ] = frame;
    if (frame[2] < succ.length) {
      const w = succ[frame[2]++]!;
      preds[w]!.push(v);
      if (visited[w] === 0) {
        visited[w] = 1;
        stack.push([w, successors(w), 0]);
      }
    } else {
      order[v] = post.length;
      post.push(v);
      stack.pop();
    }
  }
  const idom = new Int32Array(n).fill(-1);
  idom[root] = root;
  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while (order[a]! < order[b]!) a = idom[a]!;
      while (order[b]! < order[a]!) b = idom[b]!;
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = post.length - 2; i >= 0; i--) {
      const v = post[i]!;
      let dom = -1;
      for (const p of preds[v]!) {
        if (idom[p] === -1) continue;
        dom = dom === -1 ? p : intersect(p, dom);
      }
      if (dom !== idom[v]) {
        idom[v] = dom;
        changed = true;
      }
    }
  }
  const retained = new Float64Array(n);
  for (const v of post) retained[v]! += g.selfSize[v]!;
  for (const v of post) if (v !== root) retained[idom[v]!]! += retained[v]!;
  return retained;
}
