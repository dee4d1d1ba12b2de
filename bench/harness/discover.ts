/**
 * Workload discovery: every `bench/workloads/*.ts` file default-exports one `Workload`. Files are
 * found at run time, so adding a workload is adding a file; nothing is registered by hand. Files
 * load in natural name order ("deep-await-10" after "deep-await-1"), which is the report's order.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Contender, Workload } from "../workload.js";

export const CONTENDERS: readonly Contender[] = [
  "native",
  "callback",
  "pollux",
  "effect4",
  "effect3",
  "effection",
];

function check(file: string, value: unknown): Workload {
  const w = value as Workload | undefined;
  const where = `bench/workloads/${file}`;
  if (typeof w !== "object" || w === null) {
    throw new Error(
      `${where} must \`export default\` a Workload object (see bench/workload.ts); got ${typeof w}.`,
    );
  }
  if (typeof w.name !== "string" || w.name.length === 0)
    throw new Error(`${where}: the workload needs a name.`);
  if (typeof w.description !== "string")
    throw new Error(`${where}: workload "${w.name}" needs a description.`);
  if (w.unit !== undefined && w.unit !== "ms" && w.unit !== "B/task") {
    throw new Error(`${where}: unit must be "ms" or "B/task"; got ${JSON.stringify(w.unit)}.`);
  }
  const names = Object.keys(w.contenders ?? {});
  if (names.length === 0) throw new Error(`${where}: workload "${w.name}" has no contenders.`);
  for (const name of names) {
    if (!CONTENDERS.includes(name as Contender)) {
      throw new Error(`${where}: unknown contender "${name}"; expected one of ${CONTENDERS.join(", ")}.`);
    }
    if (typeof w.contenders[name as Contender] !== "function") {
      throw new Error(`${where}: contender "${name}" must be a function returning a Promise of a sample.`);
    }
  }
  return w;
}

/** A workload file that could not be loaded: reported, and skipped, so the other workloads still run. */
export interface LoadError {
  file: string;
  error: string;
}

/**
 * Import every workload module in `dir`, validate it, and return the workloads in file order. A
 * file that fails to import or to validate goes to `errors` instead of stopping the run.
 */
export async function discoverWorkloads(dir: string, errors: LoadError[] = []): Promise<Workload[]> {
  const files = (await readdir(dir))
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !f.startsWith("_"))
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  const workloads: Workload[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    let w: Workload;
    try {
      const mod = (await import(pathToFileURL(join(dir, file)).href)) as { default?: unknown };
      w = check(file, mod.default);
      const other = seen.get(w.name);
      if (other !== undefined) throw new Error(`workload name "${w.name}" is already used by ${other}.`);
    } catch (error) {
      errors.push({ file, error: error instanceof Error ? error.message.split("\n")[0]! : String(error) });
      continue;
    }
    seen.set(w.name, file);
    workloads.push(w);
  }
  return workloads;
}
