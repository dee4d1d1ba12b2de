/**
 * A V8 heap snapshot, taken in-process and parsed into typed arrays.
 *
 * How: `v8.getHeapSnapshot()` takes the snapshot synchronously (a full GC, then V8 walks the whole
 * heap: the process is paused meanwhile) and serializes it as JSON into a stream (Node 20 writes
 * it all at the first read, in one buffer: measured, a 56 MB snapshot came as one chunk). The JSON
 * is a header (`snapshot.meta` names the fields), then flat arrays of integers (`nodes`, `edges`,
 * `locations`, a few trace arrays), then `strings`. Parsing it with `JSON.parse` would need the
 * whole text as one string (V8 caps a string at ~512 MB, which a large heap's snapshot exceeds)
 * plus an array of numbers per field; instead the integers are parsed byte by byte, chunk by
 * chunk, straight into flat Float64Arrays sized from the header's counts (one element type: the
 * store in the hot loop stays monomorphic, which doubled the parse speed), then split into one
 * compact array per field. Only the `strings` section goes through `JSON.parse`. Fields pollux
 * does not use (node ids, trace ids, detachedness) are not kept.
 *
 * The graph is kept in compressed sparse row form: the edges of node `i` are
 * `firstEdge[i] .. firstEdge[i + 1] - 1`, and an edge's target is a node index (not the JSON's
 * offset into `nodes`).
 */
import { getHeapSnapshot } from "node:v8";

/** A parsed heap snapshot: nodes (objects), edges (references) and the strings they name. */
export interface HeapSnapshot {
  readonly nodeCount: number;
  /** Node type per node, an index into `nodeTypes`. */
  readonly nodeType: Uint8Array;
  /** Node name per node, an index into `strings`. */
  readonly nodeName: Uint32Array;
  /** Shallow size per node, in bytes. */
  readonly selfSize: Float64Array;
  /** Edges of node `i`: `firstEdge[i]` up to `firstEdge[i + 1]` (exclusive). */
  readonly firstEdge: Uint32Array;
  /** Edge type per edge, an index into `edgeTypes`. */
  readonly edgeType: Uint8Array;
  /** Edge name per edge: an index into `strings`, or the element index for `element`/`hidden` edges. */
  readonly edgeName: Uint32Array;
  /** Target node per edge. */
  readonly edgeTo: Uint32Array;
  /** Where each closure is defined: node index → `[scriptId, line, column]` (0-based). */
  readonly locations: Map<number, readonly [number, number, number]>;
  readonly nodeTypes: readonly string[];
  readonly edgeTypes: readonly string[];
  readonly strings: readonly string[];
}

interface Meta {
  node_fields: string[];
  node_types: [string[], ...unknown[]];
  edge_fields: string[];
  edge_types: [string[], ...unknown[]];
  location_fields?: string[];
}

interface Header {
  snapshot: { meta: Meta; node_count: number; edge_count: number };
}

const MINUS = 45;
const ZERO = 48;
const NINE = 57;
const OPEN = 91;
const CLOSE = 93;

/** Where the integers of the array being parsed go, in order: always a Float64Array, so the store in the hot loop stays monomorphic. */
type Target = Float64Array;

/** The target of arrays pollux does not read (trace data): numbers past its length are dropped. */
const DISCARD = new Float64Array(0);

/**
 * @internal Parses the snapshot's JSON as it streams in. Integer arrays are parsed byte by byte straight
 * into flat typed arrays (`nodes`, `edges`, as in the JSON); text between them (the header, the
 * keys) is kept until the `[` that opens the next array.
 */
export class SnapshotParser {
  private text = "";
  private header: Header | null = null;
  /** Inside an integer array: nesting depth (trace_tree nests), the target, the number being read. */
  private depth = 0;
  private target: Target = DISCARD;
  private inArray = false;
  private cursor = 0;
  private value = 0;
  private digits = false;
  private negative = false;
  private stringChunks: Buffer[] | null = null;
  private nodes: Float64Array | null = null;
  private edges: Float64Array | null = null;
  /** Grown by doubling: its length is not in the header. */
  private locations = new Float64Array(1024);
  private locationCount = 0;

  write(chunk: Buffer): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.stringChunks !== null) {
        this.stringChunks.push(i === 0 ? chunk : chunk.subarray(i));
        return;
      }
      if (!this.inArray) {
        // Text up to the next `[`: a key, or the header before `"nodes":[`.
        const open = chunk.indexOf(OPEN, i);
        if (open < 0) {
          this.text += chunk.toString("latin1", i);
          return;
        }
        this.text += chunk.toString("latin1", i, open);
        i = open + 1;
        this.openArray();
        continue;
      }
      i = this.readIntegers(chunk, i);
    }
  }

  /** `text` ends with `"key":`; the array after it starts now. */
  private openArray(): void {
    const text = this.text;
    this.text = "";
    if (this.header === null) {
      // The header's own arrays (meta's field lists) are inside the header object: read on
      // until the text before this `[` ends with the first top-level key, `"nodes":`.
      const at = text.lastIndexOf('"nodes"');
      if (at < 0) {
        this.text = `${text}[`;
        return;
      }
      const header = JSON.parse(`${text.slice(0, text.lastIndexOf(",", at))}}`) as Header;
      this.header = header;
      const { meta, node_count, edge_count } = header.snapshot;
      this.nodes = new Float64Array(node_count * meta.node_fields.length);
      this.edges = new Float64Array(edge_count * meta.edge_fields.length);
      this.startArray(this.nodes);
      return;
    }
    const key = /"([a-z_]+)"\s*:\s*$/.exec(text)?.[1];
    if (key === "strings") {
      this.stringChunks = [Buffer.from("[", "latin1")];
      return;
    }
    this.startArray(key === "edges" ? this.edges! : key === "locations" ? this.locations : DISCARD);
  }

  private startArray(target: Target): void {
    this.inArray = true;
    this.target = target;
    this.cursor = 0;
    this.depth = 1;
    this.value = 0;
    this.digits = false;
    this.negative = false;
  }

  /** Parse integers from `chunk[i..]` until the array closes or the chunk ends; returns the new offset. */
  private readIntegers(chunk: Buffer, i: number): number {
    const n = chunk.length;
    let target = this.target;
    let cursor = this.cursor;
    let value = this.value;
    let digits = this.digits;
    for (; i < n; i++) {
      const c = chunk[i]!;
      if (c >= ZERO && c <= NINE) {
        value = value * 10 + (c - ZERO);
        digits = true;
        continue;
      }
      if (digits) {
        if (cursor >= target.length && target === this.locations) target = this.growLocations();
        if (cursor < target.length) target[cursor] = this.negative ? -value : value;
        cursor++;
        value = 0;
        digits = false;
        this.negative = false;
      }
      if (c === MINUS) this.negative = true;
      else if (c === OPEN) this.depth++;
      else if (c === CLOSE && --this.depth === 0) {
        this.inArray = false;
        if (target === this.locations) this.locationCount = cursor;
        this.checkCount(cursor, target.length);
        this.cursor = 0;
        this.value = 0;
        this.digits = false;
        return i + 1;
      }
      // Anything else (commas, newlines) separates numbers.
    }
    this.cursor = cursor;
    this.value = value;
    this.digits = digits;
    return i;
  }

  private growLocations(): Float64Array {
    const grown = new Float64Array(this.locations.length * 2);
    grown.set(this.locations);
    this.locations = grown;
    this.target = grown;
    return grown;
  }

  private checkCount(count: number, expected: number): void {
    if ((this.target === this.nodes || this.target === this.edges) && count !== expected) {
      throw new Error(
        `pollux: the heap snapshot's ${this.target === this.nodes ? "nodes" : "edges"} array has ${count} numbers ` +
          `where its header announced ${expected}; the snapshot cannot be read.`,
      );
    }
  }

  finish(): HeapSnapshot {
    const header = this.header;
    if (header === null || this.stringChunks === null || this.nodes === null || this.edges === null) {
      throw new Error(
        "pollux: the heap snapshot ended early (no nodes or no strings section); it cannot be read.",
      );
    }
    // The strings section runs to the end: `[ "...", ... ]}` — drop the closing brace of the document.
    const raw = Buffer.concat(this.stringChunks).toString("utf8").trimEnd();
    const strings = JSON.parse(raw.slice(0, raw.lastIndexOf("]") + 1)) as string[];
    const meta = header.snapshot.meta;
    const nodeCount = header.snapshot.node_count;
    const edgeCount = header.snapshot.edge_count;

    const nodes = this.nodes;
    const nf = meta.node_fields;
    const width = nf.length;
    const TYPE = nf.indexOf("type");
    const NAME = nf.indexOf("name");
    const SIZE = nf.indexOf("self_size");
    const EDGES = nf.indexOf("edge_count");
    const nodeType = new Uint8Array(nodeCount);
    const nodeName = new Uint32Array(nodeCount);
    const selfSize = new Float64Array(nodeCount);
    const firstEdge = new Uint32Array(nodeCount + 1);
    let e = 0;
    for (let i = 0, base = 0; i < nodeCount; i++, base += width) {
      nodeType[i] = nodes[base + TYPE]!;
      nodeName[i] = nodes[base + NAME]!;
      selfSize[i] = nodes[base + SIZE]!;
      firstEdge[i] = e;
      e += nodes[base + EDGES]!;
    }
    firstEdge[nodeCount] = e;
    if (e !== edgeCount) {
      throw new Error(
        `pollux: the heap snapshot's nodes count ${e} edges, its header ${edgeCount}; it cannot be read.`,
      );
    }

    const edges = this.edges;
    const ef = meta.edge_fields;
    const ew = ef.length;
    const ETYPE = ef.indexOf("type");
    const ENAME = ef.indexOf("name_or_index");
    const ETO = ef.indexOf("to_node");
    const edgeType = new Uint8Array(edgeCount);
    const edgeName = new Uint32Array(edgeCount);
    const edgeTo = new Uint32Array(edgeCount);
    for (let i = 0, base = 0; i < edgeCount; i++, base += ew) {
      edgeType[i] = edges[base + ETYPE]!;
      edgeName[i] = edges[base + ENAME]!;
      edgeTo[i] = edges[base + ETO]! / width;
    }

    const lf = meta.location_fields ?? ["object_index", "script_id", "line", "column"];
    const lw = lf.length;
    const OBJ = lf.indexOf("object_index");
    const SCRIPT = lf.indexOf("script_id");
    const LINE = lf.indexOf("line");
    const COL = lf.indexOf("column");
    const locations = new Map<number, readonly [number, number, number]>();
    const lv = this.locations;
    for (let i = 0; i + lw <= this.locationCount; i += lw) {
      locations.set(lv[i + OBJ]! / width, [lv[i + SCRIPT]!, lv[i + LINE]!, lv[i + COL]!]);
    }
    return {
      nodeCount,
      nodeType,
      nodeName,
      selfSize,
      firstEdge,
      edgeType,
      edgeName,
      edgeTo,
      locations,
      nodeTypes: meta.node_types[0],
      edgeTypes: meta.edge_types[0],
      strings,
    };
  }
}

/**
 * Take a heap snapshot of this process now and parse it. The snapshot itself is taken
 * synchronously, before this returns its promise: everything reachable at the call is in it.
 * Cost: a full GC and a walk of the heap with the process paused, then parsing (the serialized
 * snapshot is several times the size of the heap, buffered while it is read).
 */
export function takeHeapSnapshot(): Promise<HeapSnapshot> {
  const stream = getHeapSnapshot();
  return (async () => {
    const parser = new SnapshotParser();
    for await (const chunk of stream) parser.write(chunk as Buffer);
    return parser.finish();
  })();
}

/** Every node of `type` named `name`. Linear: for finding a marker object. */
export function findNode(snap: HeapSnapshot, type: string, name: string): number[] {
  const t = snap.nodeTypes.indexOf(type);
  const found: number[] = [];
  for (let i = 0; i < snap.nodeCount; i++) {
    if (snap.nodeType[i] === t && snap.strings[snap.nodeName[i]!] === name) found.push(i);
  }
  return found;
}

/**
 * The target of `node`'s edge named `name` (a property or internal field name, or an element
 * index as a number), or -1.
 */
export function edgeTarget(snap: HeapSnapshot, node: number, name: string | number): number {
  const element = snap.edgeTypes.indexOf("element");
  const hidden = snap.edgeTypes.indexOf("hidden");
  for (let e = snap.firstEdge[node]!; e < snap.firstEdge[node + 1]!; e++) {
    const type = snap.edgeType[e];
    const indexed = type === element || type === hidden;
    if (
      typeof name === "number"
        ? indexed && snap.edgeName[e] === name
        : !indexed && snap.strings[snap.edgeName[e]!] === name
    ) {
      return snap.edgeTo[e]!;
    }
  }
  return -1;
}
