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
 * chunk, each straight into a compact typed array per field sized from the header's counts (no
 * intermediate copy of the flat arrays: at ~4 edges per object that saved ~150 bytes per object
 * of peak memory). Only the `strings` section goes through `JSON.parse`. Fields pollux does not
 * use (node ids, trace ids, detachedness) are not kept.
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

/** What the integers of the array being parsed are. */
const SKIP = 0;
const NODES = 1;
const EDGES = 2;
const LOCATIONS = 3;

/**
 * @internal Parses the snapshot's JSON as it streams in. Integer arrays are parsed byte by byte,
 * each number stored straight into the array of its field (`nodes` and `edges` are flat in the
 * JSON: a record of `node_fields.length` numbers per node); text between them (the header, the
 * keys) is kept until the `[` that opens the next array.
 */
export class SnapshotParser {
  private text = "";
  private header: Header | null = null;
  /** Inside an integer array: which one, its nesting depth (trace_tree nests), the number being read. */
  private mode = SKIP;
  private inArray = false;
  private depth = 0;
  private value = 0;
  private digits = false;
  private negative = false;
  /** Numbers read in this array; the field within the record and the record's index. */
  private cursor = 0;
  private field = 0;
  private index = 0;
  private stringChunks: Buffer[] | null = null;

  // Field positions, from the header's meta.
  private nodeWidth = 0;
  private nType = 0;
  private nName = 0;
  private nSize = 0;
  private nEdges = 0;
  private edgeWidth = 0;
  private eType = 0;
  private eName = 0;
  private eTo = 0;
  // Output, allocated once the header gives the counts.
  private nodeCount = 0;
  private edgeCount = 0;
  private nodeType = new Uint8Array(0);
  private nodeName = new Uint32Array(0);
  private selfSize = new Float64Array(0);
  private edgeCounts = new Uint32Array(0);
  private edgeType = new Uint8Array(0);
  private edgeName = new Uint32Array(0);
  private edgeTo = new Uint32Array(0);
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
      this.readHeader(JSON.parse(`${text.slice(0, text.lastIndexOf(",", at))}}`) as Header);
      this.startArray(NODES);
      return;
    }
    const key = /"([a-z_]+)"\s*:\s*$/.exec(text)?.[1];
    if (key === "strings") {
      this.stringChunks = [Buffer.from("[", "latin1")];
      return;
    }
    this.startArray(key === "edges" ? EDGES : key === "locations" ? LOCATIONS : SKIP);
  }

  private readHeader(header: Header): void {
    this.header = header;
    const { meta, node_count, edge_count } = header.snapshot;
    const nf = meta.node_fields;
    this.nodeWidth = nf.length;
    this.nType = nf.indexOf("type");
    this.nName = nf.indexOf("name");
    this.nSize = nf.indexOf("self_size");
    this.nEdges = nf.indexOf("edge_count");
    const ef = meta.edge_fields;
    this.edgeWidth = ef.length;
    this.eType = ef.indexOf("type");
    this.eName = ef.indexOf("name_or_index");
    this.eTo = ef.indexOf("to_node");
    this.nodeCount = node_count;
    this.edgeCount = edge_count;
    this.nodeType = new Uint8Array(node_count);
    this.nodeName = new Uint32Array(node_count);
    this.selfSize = new Float64Array(node_count);
    this.edgeCounts = new Uint32Array(node_count);
    this.edgeType = new Uint8Array(edge_count);
    this.edgeName = new Uint32Array(edge_count);
    this.edgeTo = new Uint32Array(edge_count);
  }

  private startArray(mode: number): void {
    this.inArray = true;
    this.mode = mode;
    this.cursor = 0;
    this.field = 0;
    this.index = 0;
    this.depth = 1;
    this.value = 0;
    this.digits = false;
    this.negative = false;
  }

  /** Parse integers from `chunk[i..]` until the array closes or the chunk ends; returns the new offset. */
  private readIntegers(chunk: Buffer, i: number): number {
    const n = chunk.length;
    const mode = this.mode;
    // Hoisted: the loop runs once per byte of a snapshot of tens of MB.
    const width = mode === NODES ? this.nodeWidth : this.edgeWidth;
    const records = mode === NODES ? this.nodeCount : this.edgeCount;
    const { nType, nName, nSize, nEdges, eType, eName, eTo, nodeWidth } = this;
    const { nodeType, nodeName, selfSize, edgeCounts, edgeType, edgeName, edgeTo } = this;
    let { cursor, field, index, value, digits, negative } = this;
    for (; i < n; i++) {
      const c = chunk[i]!;
      if (c >= ZERO && c <= NINE) {
        value = value * 10 + (c - ZERO);
        digits = true;
        continue;
      }
      if (digits) {
        const v = negative ? -value : value;
        if (mode === NODES) {
          if (index < records) {
            if (field === nType) nodeType[index] = v;
            else if (field === nName) nodeName[index] = v;
            else if (field === nSize) selfSize[index] = v;
            else if (field === nEdges) edgeCounts[index] = v;
          }
        } else if (mode === EDGES) {
          if (index < records) {
            if (field === eType) edgeType[index] = v;
            else if (field === eName) edgeName[index] = v;
            else if (field === eTo) edgeTo[index] = v / nodeWidth;
          }
        } else if (mode === LOCATIONS) {
          if (cursor >= this.locations.length) this.growLocations();
          this.locations[cursor] = v;
        }
        if (++field === width) {
          field = 0;
          index++;
        }
        cursor++;
        value = 0;
        digits = false;
        negative = false;
      }
      if (c === MINUS) negative = true;
      else if (c === OPEN) this.depth++;
      else if (c === CLOSE && --this.depth === 0) {
        this.inArray = false;
        if (mode === LOCATIONS) this.locationCount = cursor;
        else if (mode !== SKIP && cursor !== records * width) {
          throw new Error(
            `pollux: the heap snapshot's ${mode === NODES ? "nodes" : "edges"} array has ${cursor} numbers ` +
              `where its header announced ${records * width}; the snapshot cannot be read.`,
          );
        }
        this.value = 0;
        this.digits = false;
        this.negative = false;
        return i + 1;
      }
      // Anything else (commas, newlines) separates numbers.
    }
    this.cursor = cursor;
    this.field = field;
    this.index = index;
    this.value = value;
    this.digits = digits;
    this.negative = negative;
    return i;
  }

  private growLocations(): void {
    const grown = new Float64Array(this.locations.length * 2);
    grown.set(this.locations);
    this.locations = grown;
  }

  finish(): HeapSnapshot {
    const header = this.header;
    if (header === null || this.stringChunks === null) {
      throw new Error(
        "pollux: the heap snapshot ended early (no nodes or no strings section); it cannot be read.",
      );
    }
    // The strings section runs to the end: `[ "...", ... ]}` — drop the closing brace of the document.
    const raw = Buffer.concat(this.stringChunks).toString("utf8").trimEnd();
    const strings = JSON.parse(raw.slice(0, raw.lastIndexOf("]") + 1)) as string[];
    const meta = header.snapshot.meta;
    const nodeCount = this.nodeCount;
    const firstEdge = new Uint32Array(nodeCount + 1);
    let e = 0;
    for (let i = 0; i < nodeCount; i++) {
      firstEdge[i] = e;
      e += this.edgeCounts[i]!;
    }
    firstEdge[nodeCount] = e;
    if (e !== this.edgeCount) {
      throw new Error(
        `pollux: the heap snapshot's nodes count ${e} edges, its header ${this.edgeCount}; it cannot be read.`,
      );
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
      locations.set(lv[i + OBJ]! / this.nodeWidth, [lv[i + SCRIPT]!, lv[i + LINE]!, lv[i + COL]!]);
    }
    return {
      nodeCount,
      nodeType: this.nodeType,
      nodeName: this.nodeName,
      selfSize: this.selfSize,
      firstEdge,
      edgeType: this.edgeType,
      edgeName: this.edgeName,
      edgeTo: this.edgeTo,
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
