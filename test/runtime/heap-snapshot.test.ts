import { describe, expect, it } from "vitest";
import {
  edgeTarget,
  findNode,
  type HeapSnapshot,
  SnapshotParser,
  takeHeapSnapshot,
} from "../../src/runtime/heap-snapshot.js";

/** A snapshot in V8's format (as Node 20 writes it): 3 nodes, 3 edges, a closure location. */
const TEXT = `{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],"node_types":[["hidden","array","string","object","code","closure"],"string","number","number","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal","hidden","shortcut","weak"],"string_or_number","node"],"trace_function_info_fields":["function_id","name","script_name","script_id","line","column"],"trace_node_fields":["id","function_info_index","count","size","children"],"sample_fields":["timestamp_us","last_assigned_id"],"location_fields":["object_index","script_id","line","column"]},"node_count":3,"edge_count":3,"trace_function_count":0},
"nodes":[9,0,1,0,1,0,0
,3,1,3,1234567,2,0,0
,5,2,5,56,0,0,0],
"edges":[5,3,7
,2,4,14
,1,0,14],
"trace_function_infos":[],
"trace_tree":[[1,2,[3,[]]]],
"samples":[],
"locations":[14,42,9,4],
"strings":["","Probe","work","tasks","fn \\"q\\" é"]}`;

function parse(chunks: Buffer[]): HeapSnapshot {
  const parser = new SnapshotParser();
  for (const chunk of chunks) parser.write(chunk);
  return parser.finish();
}

function check(snap: HeapSnapshot): void {
  expect(snap.nodeCount).toBe(3);
  expect([...snap.nodeType]).toEqual([9, 3, 5]);
  expect([...snap.selfSize]).toEqual([0, 1234567, 56]);
  expect([...snap.firstEdge]).toEqual([0, 1, 3, 3]);
  expect([...snap.edgeTo]).toEqual([1, 2, 2]);
  expect([...snap.edgeType]).toEqual([5, 2, 1]);
  expect(snap.strings[4]).toBe('fn "q" é');
  expect(snap.locations.get(2)).toEqual([42, 9, 4]);
  expect(findNode(snap, "object", "Probe")).toEqual([1]);
  expect(edgeTarget(snap, 1, 'fn "q" é')).toBe(2);
  expect(edgeTarget(snap, 1, 0)).toBe(2);
  expect(edgeTarget(snap, 1, "missing")).toBe(-1);
}

describe("SnapshotParser", () => {
  const bytes = Buffer.from(TEXT, "utf8");

  it("parses V8's format in one chunk", () => {
    check(parse([bytes]));
  });

  it("parses the same whatever the chunk boundaries (numbers, keys and UTF-8 split across chunks)", () => {
    for (let at = 1; at < bytes.length; at++) check(parse([bytes.subarray(0, at), bytes.subarray(at)]));
    check(parse([...bytes].map((b) => Buffer.from([b]))));
  });

  it("rejects a snapshot whose arrays disagree with its header", () => {
    const short = Buffer.from(TEXT.replace(",5,2,5,56,0,0,0]", "]"), "utf8");
    expect(() => parse([short])).toThrow(/nodes array has 14 numbers where its header announced 21/);
    expect(() => parse([bytes.subarray(0, 500)])).toThrow(/ended early/);
  });

  it("reads this process's own heap", async () => {
    const snap = await takeHeapSnapshot();
    expect(snap.nodeCount).toBeGreaterThan(1000);
    expect(snap.firstEdge[snap.nodeCount]).toBe(snap.edgeTo.length);
    expect(snap.nodeTypes).toContain("closure");
    expect(findNode(snap, "synthetic", "(GC roots)").length).toBe(1);
  });
});
