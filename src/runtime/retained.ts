/**
 * Retained size per owner (per live task) over a heap graph: the bytes of the objects that only
 * that owner keeps alive.
 *
 * The question is a dominator-tree question with one twist. Plain retained size (Chrome's
 * "Retained Size": the objects a node dominates, reached from the GC roots) would credit one task
 * with others: the runtime's live list chains tasks (`nextLive`, `prevLive`), the run queue holds
 * them, a parent's locals hold a child's JoinHandle (the child task itself), so one task may sit on
 * every path to its neighbours and "retain" them all. The answer pollux wants treats every live task
 * as a root of its own: add an edge from the GC root to every task. Then no task dominates another,
 * and an object is credited to task T exactly when every path to it passes through T.
 *
 * With that extra edge every task's immediate dominator is the root, so the full tree is not
 * needed. An object v is dominated by task T iff T is the only task from which v can be reached
 * without passing through another task, and v cannot be reached from the real GC roots without
 * passing through a task (a path root → T' → … → v that avoids T exists iff some other T' reaches v
 * that way; a path from the real roots that avoids every task avoids T too). So each object gets a
 * label: unseen, one task, or SHARED (the roots, or two tasks, reach it). The labels only grow
 * (unseen → task → SHARED), each node is queued at most twice, and the whole thing is
 * O(nodes + edges): two linear passes, where a general dominator algorithm (Lengauer–Tarjan,
 * Cooper–Harvey–Kennedy) needs a DFS numbering, predecessor lists and several passes.
 *
 * test/runtime/retained.test.ts checks the result against the definition: a brute-force "remove the task,
 * what becomes unreachable" on random graphs, and a Cooper–Harvey–Kennedy dominator tree over a real
 * heap snapshot.
 *
 * Wakers get the same treatment on one side. A combinator (`join`, `select`, `FuturesUnordered`)
 * gives each child future a waker node that points at the child; the node is registered wherever the
 * child waits (the timer wheel, a socket, a channel), so every child would be reachable from the GC
 * roots without passing through the task, and count as shared. A registration does not own what it
 * wakes, as a Tokio timer holding a Waker does not make the task's future the timer's: the flood
 * from the real roots stops at waker nodes, and they belong to whichever task reaches them. (In
 * graph terms: edges from objects outside every task into a waker are dropped.)
 *
 * Edges that do not keep their target alive are skipped: `weak` edges, and `shortcut` edges except
 * from the root (as Chrome's DevTools does: a shortcut elsewhere duplicates a real path, at the root
 * it marks the user's global objects). Objects reachable from nowhere (garbage the snapshot's GC
 * left) belong to no one.
 */

/** The graph the algorithm walks: compressed sparse rows, as `HeapSnapshot` keeps them. */
export interface OwnershipGraph {
  readonly nodeCount: number;
  readonly selfSize: Float64Array;
  readonly firstEdge: Uint32Array;
  readonly edgeTo: Uint32Array;
  readonly edgeType: Uint8Array;
}

/** Which edges count (see the module comment). */
export interface EdgeRules {
  /** The edge type that never keeps its target alive (`weak`), or -1. */
  readonly weakType: number;
  /** The edge type followed only from the root (`shortcut`), or -1. */
  readonly shortcutType: number;
}

/** Who the nodes are (see the module comment). */
export interface Roles {
  /** The tasks: `result[k]` is the bytes of `owners[k]`. */
  readonly owners: readonly number[];
  /**
   * Wakers other than the owners themselves (a combinator's child nodes): what reaches them from
   * outside every owner is a registration (a timer, a socket, a channel waiting to wake it), which
   * does not make what they lead to shared.
   */
  readonly wakers: readonly number[];
  /** The caller's own bookkeeping (the marker that lists the owners): neither walked nor counted. */
  readonly blocked: readonly number[];
}

const UNSEEN = -1;
const SHARED = -2;

/**
 * Bytes exclusively retained by each owner: `result[k]` for `roles.owners[k]`, the owner node's own
 * size included.
 */
export function exclusiveRetained(
  graph: OwnershipGraph,
  root: number,
  roles: Roles,
  rules: EdgeRules,
): Float64Array {
  const { owners, wakers, blocked } = roles;
  const n = graph.nodeCount;
  const { firstEdge, edgeTo, edgeType, selfSize } = graph;
  const { weakType, shortcutType } = rules;
  const label = new Int32Array(n).fill(UNSEEN);
  // An owner is entered only from the (virtual) root: an edge into it from anywhere else stops.
  // A waker (2) is not entered from the real roots either, only from an owner's side.
  const role = new Uint8Array(n);
  for (const node of wakers) role[node] = 2;
  for (const node of owners) role[node] = 1;
  for (const node of blocked) label[node] = SHARED;
  // Each node is pushed at most twice (when first labelled, when it turns SHARED), plus the root.
  const stack = new Uint32Array(2 * n + 1);
  let top = 0;

  // Pass 1: what the GC roots reach without going through an owner or a waker is shared by everyone.
  if (role[root] === 0 && label[root] === UNSEEN) {
    label[root] = SHARED;
    stack[top++] = root;
  }
  while (top > 0) {
    const v = stack[--top]!;
    const end = firstEdge[v + 1]!;
    for (let e = firstEdge[v]!; e < end; e++) {
      const type = edgeType[e];
      if (type === weakType || (type === shortcutType && v !== root)) continue;
      const w = edgeTo[e]!;
      if (label[w] !== UNSEEN || role[w] !== 0) continue;
      label[w] = SHARED;
      stack[top++] = w;
    }
  }

  // Pass 2: flood from every owner at once; a node reached from two owners turns SHARED and
  // passes that on.
  for (let k = 0; k < owners.length; k++) {
    const node = owners[k]!;
    if (label[node] !== UNSEEN) continue; // listed twice, or blocked
    label[node] = k;
    stack[top++] = node;
  }
  while (top > 0) {
    const v = stack[--top]!;
    const own = label[v]!;
    const end = firstEdge[v + 1]!;
    for (let e = firstEdge[v]!; e < end; e++) {
      const type = edgeType[e];
      if (type === weakType || type === shortcutType) continue;
      const w = edgeTo[e]!;
      if (role[w] === 1) continue;
      const seen = label[w]!;
      if (seen === own || seen === SHARED) continue;
      label[w] = seen === UNSEEN ? own : SHARED;
      stack[top++] = w;
    }
  }

  const bytes = new Float64Array(owners.length);
  for (let v = 0; v < n; v++) {
    const own = label[v]!;
    if (own >= 0) bytes[own]! += selfSize[v]!;
  }
  return bytes;
}
