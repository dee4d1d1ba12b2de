/** Versions of the libraries being compared, read from their installed package.json files. */
import { readFileSync } from "node:fs";

const ROOT = new URL("../../", import.meta.url);

function version(path: string): string {
  try {
    return (JSON.parse(readFileSync(new URL(path, ROOT), "utf8")) as { version?: string }).version ?? "?";
  } catch {
    return "not installed";
  }
}

/** Contender name → library version ("native" is the Node version). */
export function contenderVersions(): Record<string, string> {
  return {
    native: `Node ${process.version}`,
    callback: `Node ${process.version}`,
    pollux: version("package.json"),
    effect4: version("node_modules/effect/package.json"),
    effect3: version("node_modules/effect3/package.json"),
    effection: version("node_modules/effection/package.json"),
  };
}
