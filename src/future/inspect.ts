/**
 * A synchronous, in-process `node:inspector` session: what V8 knows about a generator and shows
 * only to debuggers. Shared by error messages that name an async fn (`generatorName`) and by the
 * task dump (`runtime.dump()`), which needs where each suspended generator stopped.
 *
 * HOW: an in-process `Session` answers `post` synchronously (the callback runs before `post`
 * returns), so an ordinary function can ask V8 and get the answer. A value is handed to the
 * protocol by parking it on a global symbol and evaluating that global; a batch is parked as one
 * array whose elements' object ids come back in one `Runtime.getProperties` call, then each
 * generator costs one more `Runtime.getProperties` (~50–60 µs: the protocol serializes JSON both
 * ways). `[[GeneratorLocation]]` gives a script id, line and column; script URLs come only from
 * `Debugger.scriptParsed` events, sent for every loaded script when the debugger is enabled.
 * Enabling costs ~20 ms for a hundred scripts, so the id → URL map is kept between dumps and the
 * debugger is enabled (then disabled at once) only when a dump meets a script it has not seen (or
 * whose source map reference it did not keep). Enabling and disabling the debugger does not slow
 * the program afterwards (measured: a generator-heavy loop ran at the same speed before and after).
 *
 * WHY cold paths only: nothing here runs unless a dump or a misuse error asks. Any failure (a Node
 * built without the inspector, a sandbox, a debugger protocol change) yields `undefined` and the
 * caller prints less.
 */

import { readFileSync } from "node:fs";
import type { Session } from "node:inspector";
import { createRequire, findSourceMap, SourceMap } from "node:module";

/** A place in source, 1-based line and column like stack traces. */
export interface SourceLocation {
  readonly url: string;
  readonly line: number;
  readonly column: number;
}

/**
 * @internal How a session is made; tests replace `create` to simulate a Node without the
 * inspector (it may throw).
 */
export const inspectorSeam: { create: () => Session } = {
  create: () => {
    // Loaded here, not imported: a Node built without the inspector throws when the module is
    // loaded, and only cold paths need it.
    const inspector = createRequire(import.meta.url)("node:inspector") as { Session: new () => Session };
    return new inspector.Session();
  },
};

interface Script {
  readonly url: string;
  /**
   * The `sourceMappingURL` comment of the script ("" when none), or null when not kept: inline
   * maps can be large, so only those of scripts a dump located a generator in are kept.
   */
  readonly sourceMapURL: string | null;
  /** Parsed lazily: null when the script has no usable map. */
  map?: SourceMap | null;
}

/** Script id → script, filled from `Debugger.scriptParsed`; script ids are never reused. */
const scripts = new Map<string, Script>();

const PARK = Symbol.for("pollux.inspect");

interface PropertiesResult {
  result: { name: string; value?: { objectId?: string } }[];
  internalProperties?: {
    name: string;
    value?: { description?: string; objectId?: string; value?: unknown };
  }[];
}

/** One synchronous session. `post` returns the answer, or throws the protocol error. */
class SyncSession {
  private readonly session: Session;

  constructor() {
    this.session = inspectorSeam.create();
    this.session.connect();
  }

  post<R>(method: string, params?: object): R {
    let result: R | undefined;
    let error: Error | null = null;
    let answered = false;
    (this.session.post as (m: string, p: object | undefined, cb: (e: Error | null, r: R) => void) => void)(
      method,
      params,
      (e, r) => {
        answered = true;
        error = e;
        result = r;
      },
    );
    if (error !== null) throw error;
    // An in-process session answers before post returns; if it ever did not, fail loudly here.
    if (!answered) throw new Error(`inspector did not answer ${method} synchronously`);
    return result as R;
  }

  /** Remote object ids of `values`, in order (one evaluate and one getProperties for the lot). */
  objectIds(values: readonly object[]): (string | undefined)[] {
    const g = globalThis as Record<symbol, unknown>;
    g[PARK] = values;
    let array: string | undefined;
    try {
      const r = this.post<{ result: { objectId?: string } }>("Runtime.evaluate", {
        expression: 'globalThis[Symbol.for("pollux.inspect")]',
        objectGroup: "pollux",
      });
      array = r.result.objectId;
    } finally {
      delete g[PARK];
    }
    const ids: (string | undefined)[] = new Array(values.length).fill(undefined);
    if (array === undefined) return ids;
    const props = this.post<PropertiesResult>("Runtime.getProperties", {
      objectId: array,
      ownProperties: true,
      objectGroup: "pollux",
    });
    for (const p of props.result) {
      const i = Number(p.name);
      if (Number.isInteger(i) && i >= 0 && i < values.length) ids[i] = p.value?.objectId;
    }
    return ids;
  }

  internals(objectId: string): PropertiesResult["internalProperties"] {
    return this.post<PropertiesResult>("Runtime.getProperties", {
      objectId,
      ownProperties: true,
      objectGroup: "pollux",
    }).internalProperties;
  }

  /** Learn the URLs of every loaded script, and the source map references of `wanted` ones. */
  loadScripts(wanted: ReadonlySet<string>): void {
    const onScript = (m: { params: { scriptId: string; url: string; sourceMapURL?: string } }): void => {
      const { scriptId, url } = m.params;
      const ref = m.params.sourceMapURL ?? "";
      const known = scripts.get(scriptId);
      if (known !== undefined && known.sourceMapURL !== null) return;
      scripts.set(scriptId, { url, sourceMapURL: ref === "" || wanted.has(scriptId) ? ref : null });
    };
    this.session.on("Debugger.scriptParsed", onScript);
    try {
      this.post("Debugger.enable");
      this.post("Debugger.disable");
    } finally {
      this.session.off("Debugger.scriptParsed", onScript);
    }
  }

  close(): void {
    try {
      this.post("Runtime.releaseObjectGroup", { objectGroup: "pollux" });
    } catch {
      // Nothing to release.
    }
    this.session.disconnect();
  }
}

/** Run `fn` with a session; `undefined` when the inspector is unavailable or anything fails. */
function withSession<R>(fn: (s: SyncSession) => R): R | undefined {
  let session: SyncSession | null = null;
  try {
    session = new SyncSession();
    return fn(session);
  } catch {
    return undefined;
  } finally {
    try {
      session?.close();
    } catch {
      // Never connected: nothing to release.
    }
  }
}

/**
 * The source of the generator function `gen` came from (`[[GeneratorFunction]]`), or `undefined`.
 * JavaScript offers no link from a generator object to its function; V8 shows one to debuggers.
 */
export function generatorFunctionSource(gen: object): string | undefined {
  return withSession((s) => {
    const id = s.objectIds([gen])[0];
    if (id === undefined) return undefined;
    for (const p of s.internals(id) ?? []) {
      if (p.name === "[[GeneratorFunction]]") return p.value?.description;
    }
    return undefined;
  });
}

interface RawLocation {
  scriptId: string;
  lineNumber: number;
  columnNumber: number;
}

/**
 * Where each suspended generator of `gens` stopped (`[[GeneratorLocation]]`: the `yield` or
 * `yield*` it waits at), mapped through source maps when Node has one for the script. An entry is
 * `undefined` for a generator that is not suspended (finished, or running) or when the inspector
 * is unavailable. One session for the whole batch.
 */
export function generatorLocations(gens: readonly object[]): (SourceLocation | undefined)[] {
  const out: (SourceLocation | undefined)[] = new Array(gens.length).fill(undefined);
  if (gens.length === 0) return out;
  const raw = withSession((s) => {
    const ids = s.objectIds(gens);
    const locations: (RawLocation | undefined)[] = new Array(gens.length).fill(undefined);
    const unknown = new Set<string>();
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === undefined) continue;
      for (const p of s.internals(id) ?? []) {
        if (p.name !== "[[GeneratorLocation]]") continue;
        const loc = p.value?.value as RawLocation | undefined;
        if (loc !== undefined && typeof loc.scriptId === "string") {
          locations[i] = loc;
          const known = scripts.get(loc.scriptId);
          if (known === undefined || known.sourceMapURL === null) unknown.add(loc.scriptId);
        }
      }
    }
    if (unknown.size > 0) s.loadScripts(unknown);
    return locations;
  });
  if (raw === undefined) return out;
  for (let i = 0; i < raw.length; i++) {
    const loc = raw[i];
    if (loc === undefined) continue;
    const script = scripts.get(loc.scriptId);
    if (script === undefined || script.url === "") continue;
    out[i] = mapLocation(script, loc.lineNumber, loc.columnNumber);
  }
  return out;
}

/**
 * The script's source map: the one Node keeps (`--enable-source-maps`, tsx), else the script's own
 * `sourceMappingURL` (an inline `data:` map, as vitest and bundlers emit, or a file next to it).
 */
function sourceMapOf(script: Script): SourceMap | null {
  if (script.map !== undefined) return script.map;
  let map: SourceMap | null = null;
  try {
    map = findSourceMap(script.url) ?? null;
    const ref = script.sourceMapURL ?? "";
    if (map === null && ref !== "") {
      let json: string | undefined;
      if (ref.startsWith("data:")) {
        const comma = ref.indexOf(",");
        const body = ref.slice(comma + 1);
        json = /;base64$/.test(ref.slice(0, comma))
          ? Buffer.from(body, "base64").toString("utf8")
          : decodeURIComponent(body);
      } else {
        const file = new URL(ref, script.url);
        if (file.protocol === "file:") json = readFileSync(file, "utf8");
      }
      if (json !== undefined) map = new SourceMap(JSON.parse(json));
    }
  } catch {
    map = null; // A malformed or missing map: keep generated positions.
  }
  script.map = map;
  return map;
}

/** Map a 0-based generated position through the script's source map, if it has one. */
function mapLocation(script: Script, line0: number, column0: number): SourceLocation {
  const map = sourceMapOf(script);
  if (map !== null) {
    const e = map.findEntry(line0, column0) as {
      originalSource?: string;
      originalLine?: number;
      originalColumn?: number;
    };
    if (e.originalSource !== undefined && e.originalLine !== undefined) {
      let url = e.originalSource;
      // A map parsed here leaves `sources` as written: resolve a relative one against the script.
      if (!/^[a-z][a-z0-9+.-]*:/i.test(url) && !url.startsWith("/")) {
        try {
          url = new URL(url, script.url).href;
        } catch {
          // Keep it as written.
        }
      }
      return { url, line: e.originalLine + 1, column: (e.originalColumn ?? 0) + 1 };
    }
  }
  return { url: script.url, line: line0 + 1, column: column0 + 1 };
}

/** `file:line:column`, with a `file://` URL shown as a path (like `formatSpawnSite`). */
export function formatLocation(loc: SourceLocation): string {
  const url = loc.url.startsWith("file://") ? decodeURIComponent(loc.url.slice(7)) : loc.url;
  return `${url}:${loc.line}:${loc.column}`;
}
