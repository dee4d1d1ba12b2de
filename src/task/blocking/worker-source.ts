/**
 * The code each blocking-pool thread runs, as source text. The pool starts its workers with
 * `eval: true`, so the same string works from `src/` (tests, tsx) and from the built `dist/`:
 * no worker file to locate next to the compiled module, and no TypeScript loader in the thread.
 *
 * Protocol (one job at a time per thread):
 * - parent → worker: `[id, kind, target, extra, args]`: kind 0 = function source (`extra`: the id
 *   the thread caches it under), 1 = module URL (`extra`: the export), 2 = a function this thread
 *   already compiled (`target`: its id), so a repeated function's source crosses once per thread.
 * - worker → parent: `[id, true, value]` or `[id, false, serializedError]`.
 * Compiled functions and imported modules are cached per thread, so a repeated job costs one
 * message each way.
 */
export const WORKER_SOURCE = `
"use strict";
const { parentPort } = require("node:worker_threads");
const fns = new Map();
const byId = new Map();
const mods = new Map();
function serialize(e) {
  if (e !== null && typeof e === "object") {
    const out = {
      isError: e instanceof Error,
      name: e.constructor && e.constructor.name !== "Object" ? e.constructor.name : e.name,
      message: String(e.message),
      stack: typeof e.stack === "string" ? e.stack : undefined,
      props: {},
    };
    for (const k of Object.keys(e)) {
      try { out.props[k] = structuredClone(e[k]); } catch {}
    }
    return out;
  }
  return { thrown: e };
}
function reply(id, ok, value) {
  try {
    parentPort.postMessage([id, ok, value]);
  } catch (e) {
    parentPort.postMessage([id, false, serialize(new TypeError(
      "the blocking job's result could not be sent back (structured clone failed): " + e.message +
      ". Return plain data (objects, arrays, strings, numbers, typed arrays, Maps, Sets)."))]);
  }
}
function fail(id, e, kind) {
  if (kind !== 1 && e instanceof ReferenceError) {
    const m = /^(\\S+) is not defined/.exec(e.message);
    if (m) {
      const err = new ReferenceError(
        "spawnBlocking: the function uses the outer variable \\"" + m[1] + "\\", which does not exist in the " +
        "worker thread: a function sent as source cannot close over variables. Pass the value as an " +
        "argument (spawnBlocking(fn, " + m[1] + ")), or put the function in a module and use the module " +
        "form: spawnBlocking({ module: new URL(\\"./work.js\\", import.meta.url), export: \\"work\\" }, ...args).");
      err.stack = err.name + ": " + err.message + "\\n" + String(e.stack).split("\\n").slice(1).join("\\n");
      err.freeVariable = m[1];
      e = err;
    }
  }
  reply(id, false, serialize(e));
}
function settle(id, kind, v) {
  if (v !== null && typeof v === "object" && typeof v.then === "function") {
    v.then((r) => reply(id, true, r), (e) => fail(id, e, kind));
  } else {
    reply(id, true, v);
  }
}
function compile(src) {
  let fn = fns.get(src);
  if (fn === undefined) {
    fn = (0, eval)("(" + src + ")");
    if (typeof fn !== "function") throw new TypeError("spawnBlocking: the source did not evaluate to a function");
    fns.set(src, fn);
  }
  return fn;
}
parentPort.on("message", (msg) => {
  const id = msg[0], kind = msg[1], target = msg[2], exp = msg[3], args = msg[4];
  if (kind !== 1) {
    let v;
    try {
      let fn;
      if (kind === 2) {
        fn = byId.get(target);
        if (fn === undefined) throw new Error("pollux internal error: blocking worker lost function #" + target);
      } else {
        fn = compile(target);
        byId.set(exp, fn);
      }
      v = fn(...args);
    } catch (e) { fail(id, e, 0); return; }
    settle(id, 0, v);
    return;
  }
  const mod = mods.get(target);
  const go = (m) => {
    const fn = m[exp];
    if (typeof fn !== "function") {
      fail(id, new TypeError("spawnBlocking: module " + target + " has no exported function \\"" + exp +
        "\\" (exports: " + Object.keys(m).join(", ") + ")"), 1);
      return;
    }
    let v;
    try { v = fn(...args); } catch (e) { fail(id, e, 1); return; }
    settle(id, 1, v);
  };
  if (mod !== undefined) { go(mod); return; }
  import(target).then((m) => { mods.set(target, m); go(m); }, (e) => fail(id, e, 1));
});
`;
