// The published declarations under the configs consumers actually use. Packs the package (as
// `npm publish` would), installs the tarball into one scratch project per config and compiles
// test/consumer/types.ts there with `tsc --noEmit` (skipLibCheck off, so pollux's .d.ts must be
// clean too; one exception, see compilerOptions). The file's assertions fail when an inferred type
// widens, e.g. to `unknown` when a consumer's `lib` lacks ESNext.Disposable (issue 11 item 1).
//
// Matrix: TypeScript 5.x (`typescript`) and the current major (`typescript7`, an npm alias) × lib
// ES2022 / ES2023 / ESNext × with and without @types/node, each with moduleResolution NodeNext or
// Bundler alternating so that every compiler meets every lib and every @types/node setting under
// both resolutions (12 compiles instead of 24; the full product took over a minute on 2 cores).
// With @types/node the IO modules are compiled too (test/consumer/node.ts): they take and return
// Node's sockets and streams. Everything comes from the repository's devDependencies: no network.
// Needs `npm run build`.
import { execFile } from "node:child_process";
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const exec = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const compilers = {
  ts5: join(root, "node_modules/typescript/bin/tsc"),
  ts7: join(root, "node_modules/typescript7/bin/tsc"),
} as const;
const libs = ["ES2022", "ES2023", "ESNext"] as const;
const resolutions = ["NodeNext", "Bundler"] as const;
const nodeTypes = [true, false] as const;

interface Config {
  name: string;
  tsc: string;
  lib: string;
  resolution: string;
  node: boolean;
}
const configs: Config[] = [];
for (const [i, [ts, tsc]] of Object.entries(compilers).entries())
  for (const [j, lib] of libs.entries())
    for (const [k, node] of nodeTypes.entries()) {
      const resolution = resolutions[(i + j + k) % 2]!;
      configs.push({
        name: `${ts} lib=${lib} ${resolution} ${node ? "+" : "-"}@types/node`,
        tsc,
        lib,
        resolution,
        node,
      });
    }

let work = "";
let pkgDir = "";
const results = new Map<string, Promise<string>>();

function limit(n: number): <T>(f: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async (f) => {
    while (active >= n) await new Promise<void>((r) => queue.push(r));
    active++;
    try {
      return await f();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

async function compile(c: Config): Promise<string> {
  const dir = join(work, `${configs.indexOf(c)}`);
  mkdirSync(join(dir, "node_modules/@types"), { recursive: true });
  // A copy, not a link: resolved through a real node_modules path, as an installed package is.
  cpSync(pkgDir, join(dir, "node_modules/pollux"), { recursive: true });
  if (c.node)
    symlinkSync(join(root, "node_modules/@types/node"), join(dir, "node_modules/@types/node"), "dir");
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  const files = c.node ? ["types.ts", "node.ts"] : ["types.ts"];
  for (const f of files) copyFileSync(join(root, "test/consumer", f), join(dir, f));
  const compilerOptions = {
    target: "ES2022",
    lib: [c.lib],
    module: c.resolution === "NodeNext" ? "NodeNext" : "ESNext",
    moduleResolution: c.resolution,
    strict: true,
    noEmit: true,
    // Off, so pollux's .d.ts must be error-free, except for TypeScript 5 with @types/node: checking
    // all of @types/node there takes 8 s a compile instead of 3; the assertions still run, and the
    // same declarations are fully checked by TypeScript 7 with @types/node and TypeScript 5 without.
    skipLibCheck: c.node && c.tsc === compilers.ts5,
    types: c.node ? ["node"] : [],
  };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, files }, null, 2));
  try {
    await exec(process.execPath, [c.tsc, "-p", "tsconfig.json", "--pretty", "false"], { cwd: dir });
    return "";
  } catch (e) {
    const { stdout = "", stderr = "" } = e as { stdout?: string; stderr?: string };
    return `${stdout}${stderr}`.trim() || String(e);
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "pollux-consumer-"));
  const { stdout } = await exec("npm", ["pack", "--silent", "--pack-destination", work], { cwd: root });
  const tarball = join(work, stdout.trim().split("\n").pop()!);
  await exec("tar", ["-xzf", tarball, "-C", work]);
  pkgDir = join(work, "package");
  expect(JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")).name).toBe("pollux");
  const run = limit(Math.max(2, Math.min(8, availableParallelism())));
  for (const c of configs)
    results.set(
      c.name,
      run(() => compile(c)),
    );
  await Promise.all(results.values());
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
}, 60_000);

describe("published types under consumer configs", () => {
  it.each(configs.map((c) => [c.name]))("%s", async (name) => {
    expect(await results.get(name)).toBe("");
  });
});
