/**
 * A V8 heap snapshot, taken in-process and parsed into typed arrays.
 *
 * How: `v8.getHeapSnapshot()` takes the snapshot synchronously (a full GC, then V8 walks the whole
 * heap: the process is paused meanwhile) and serializes it as JSON into a stream. The JSON is a
 * header (`snapshot.meta` names the fields), then flat arrays of integers (`nodes`, `edges`,
 * `locations`, a few trace arrays), then `strings`. Parsing it with `JSON.parse` would hold the
 * whole text (V8 caps a string at ~512 MB, which a large heap's snapshot exceeds) plus an array of
 * boxed numbers per field; instead the integers are parsed byte by byte, chunk by chunk, straight
 * into typed arrays sized from the header's counts, and only the `strings` section goes through
 * `JSON.parse`. Fields pollux does not use (node ids, trace ids, detachedness) are not kept.
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

/** Where the integers of the array being parsed go, field by field. */
type Sink = (value: number) => void;

/**
 * Parses the snapshot's JSON as it streams in. Integer arrays are parsed byte by byte; text
 * between them (the header, the keys) is kept until the `[` that opens the next array.
 */
class SnapshotParser {
  private text = "";
  private header: Header | null = null;
  /** Inside an integer array: nesting depth (trace_tree nests), the sink, the number being read. */
  private depth = 0;
  private sink: Sink | null = null;
  private value = 0;
  private digits = false;
  private negative = false;
  private stringChunks: Buffer[] | null = null;

  // Output, allocated once the header gives the counts.
  private nodeFields = 0;
  private nodeType!: Uint8Array;
  private nodeName!: Uint32Array;
  private selfSize!: Float64Array;
  private edgeCounts!: Uint32Array;
  private edgeFields = 0;
  private edgeType!: Uint8Array;
  private edgeName!: Uint32Array;
  private edgeTo!: Uint32Array;
  private locationValues: number[] = [];
  private nodeCursor = 0;
  private edgeCursor = 0;

  write(chunk: Buffer): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.stringChunks !== null) {
        this.stringChunks.push(i === 0 ? chunk : chunk.subarray(i));
        return;
      }
      if (this.sink === null) {
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
      this.header = JSON.parse(`${text.slice(0, text.lastIndexOf(",", at))}}`) as Header;
      this.allocate(this.header);
      this.startArray(this.nodeSink());
      return;
    }
    const key = /"([a-z_]+)"\s*:\s*$/.exec(text)?.[1];
    if (key === "strings") {
      this.stringChunks = [Buffer.from("[", "latin1")];
      return;
    }
    if (key === "edges") this.startArray(this.edgeSink());
    else if (key === "locations") this.startArray((v) => this.locationValues.push(v));
    else this.startArray(() => {}); // trace data: not used
  }

  private startArray(sink: Sink): void {
    this.sink = sink;
    this.depth = 1;
    this.value = 0;
    this.digits = false;
    this.negative = false;
  }

  /** Parse integers from `chunk[i..]` until the array closes or the chunk ends; returns the new offset. */
  private readIntegers(chunk: Buffer, i: number): number {
    const n = chunk.length;
    const sink = this.sink!;
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
        sink(this.negative ? -value : value);
        value = 0;
        digits = false;
        this.negative = false;
      }
      if (c === MINUS) this.negative = true;
      else if (c === OPEN) this.depth++;
      else if (c === CLOSE && --this.depth === 0) {
        this.sink = null;
        this.value = 0;
        this.digits = false;
        return i + 1;
      }
      // Anything else (commas, newlines) separates numbers.
    }
    this.value = value;
    this.digits = digits;
    return i;
  }

  private allocate(header: Header): void {
    const { meta, node_count: nodes, edge_count: edges } = header.snapshot;
    this.nodeFields = meta.node_fields.length;
    this.edgeFields = meta.edge_fields.length;
    this.nodeType = new Uint8Array(nodes);
    this.nodeName = new Uint32Array(nodes);
    this.selfSize = new Float64Array(nodes);
    this.edgeCounts = new Uint32Array(nodes);
    this.edgeType = new Uint8Array(edges);
    this.edgeName = new Uint32Array(edges);
    this.edgeTo = new Uint32Array(edges);
  }

  private nodeSink(): Sink {
    const fields = this.header!.snapshot.meta.node_fields;
    const TYPE = fields.indexOf("type");
    const NAME = fields.indexOf("name");
    const SIZE = fields.indexOf("self_size");
    const EDGES = fields.indexOf("edge_count");
    const width = this.nodeFields;
    return (v) => {
      const cursor = this.nodeCursor++;
      const node = (cursor / width) | 0;
      const field = cursor - node * width;
      if (field === TYPE) this.nodeType[node] = v;
      else if (field === NAME) this.nodeName[node] = v;
      else if (field === SIZE) this.selfSize[node] = v;
      else if (field === EDGES) this.edgeCounts[node] = v;
    };
  }

  private edgeSink(): Sink {
    const fields = this.header!.snapshot.meta.edge_fields;
    const TYPE = fields.indexOf("type");
    const NAME = fields.indexOf("name_or_index");
    const TO = fields.indexOf("to_node");
    const width = this.edgeFields;
    const nodeWidth = this.nodeFields;
    return (v) => {
      const cursor = this.edgeCursor++;
      const edge = (cursor / width) | 0;
      const field = cursor - edge * width;
      if (field === TYPE) this.edgeType[edge] = v;
      else if (field === NAME) this.edgeName[edge] = v;
      else if (field === TO) this.edgeTo[edge] = v / nodeWidth;
    };
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
    const nodeCount = header.snapshot.node_count;
    const firstEdge = new Uint32Array(nodeCount + 1);
    let e = 0;
    for (let i = 0; i < nodeCount; i++) {
      firstEdge[i] = e;
      e += this.edgeCounts[i]!;
    }
    firstEdge[nodeCount] = e;
    const meta = header.snapshot.meta;
    const locFields = meta.location_fields ?? ["object_index", "script_id", "line", "column"];
    const width = locFields.length;
    const OBJ = locFields.indexOf("object_index");
    const SCRIPT = locFields.indexOf("script_id");
    const LINE = locFields.indexOf("line");
    const COL = locFields.indexOf("column");
    const locations = new Map<number, readonly [number, number, number]>();
    const lv = this.locationValues;
    for (let i = 0; i + width <= lv.length; i += width) {
      locations.set(lv[i + OBJ]! / this.nodeFields, [lv[i + SCRIPT]!, lv[i + LINE]!, lv[i + COL]!]);
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
