/**
 * Where the worker runtime's entry module is. A worker thread has no TypeScript loader, so when
 * pollux itself runs from its TypeScript sources (its own tests, `tsx`), worker runtimes run the
 * compiled entry in `dist/` (built by `npm run build`), and a module task's `import "pollux"`
 * resolves there too, so the task and its runtime share one copy of pollux.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

let cached: URL | null = null;

/**
 * The URL a worker thread can import for the pollux module at `metaUrl` (that module's
 * `import.meta.url`): itself when compiled, its `dist/` twin when pollux runs from `src/`.
 */
export function runnableUrl(metaUrl: string): string {
  return metaUrl.endsWith(".ts") ? metaUrl.replace(/\/src\/(.*)\.ts$/, "/dist/$1.js") : metaUrl;
}

export function workerEntryUrl(): URL {
  if (cached !== null) return cached;
  const here = import.meta.url;
  const url = here.endsWith(".ts")
    ? new URL(here.replace(/\/src\/runtime\/cores\/entry-url\.ts$/, "/dist/runtime/cores/worker-entry.js"))
    : new URL("./worker-entry.js", here);
  if (url.protocol === "file:" && !existsSync(fileURLToPath(url))) {
    throw new Error(
      `pollux worker runtimes need their compiled entry ${fileURLToPath(url)}, which does not exist. ` +
        "Run `npm run build` (pollux runs from its TypeScript sources here, and a worker thread cannot load TypeScript).",
    );
  }
  cached = url;
  return url;
}
