// What the published tarball contains (issue 11 item 5): every file a shipped source map or
// declaration map names is shipped too (stack traces and go-to-definition open the real
// TypeScript, not a missing src/*.ts), every module has both maps, and every relative link in the
// shipped Markdown (README, docs/) resolves inside the package. Needs `npm run build`.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const exec = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
let work = "";
let pkg = "";
let files: string[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "pollux-pack-"));
  const { stdout } = await exec("npm", ["pack", "--silent", "--pack-destination", work], { cwd: root });
  const tarball = join(work, stdout.trim().split("\n").pop()!);
  await exec("tar", ["-xzf", tarball, "-C", work]);
  pkg = join(work, "package");
  const { stdout: list } = await exec("tar", ["-tzf", tarball]);
  files = list
    .split("\n")
    .filter((f) => f.startsWith("package/") && !f.endsWith("/"))
    .map((f) => f.slice("package/".length));
}, 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Relative link targets in Markdown, outside fenced code blocks, without their #fragment. */
function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, "");
  const out: string[] = [];
  for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1]!.split("#")[0]!;
    if (target === "" || /^[a-z][a-z+.-]*:/i.test(target)) continue;
    out.push(target);
  }
  return out;
}

describe("the packed package", () => {
  it("ships a source map and a declaration map for every module", () => {
    const js = files.filter((f) => f.startsWith("dist/") && f.endsWith(".js"));
    expect(js.length).toBeGreaterThan(50);
    const missing = js.flatMap((f) => {
      const base = f.slice(0, -".js".length);
      return [`${base}.js.map`, `${base}.d.ts`, `${base}.d.ts.map`].filter((m) => !files.includes(m));
    });
    expect(missing).toEqual([]);
  });

  it("ships every file a map names", () => {
    const maps = files.filter((f) => f.endsWith(".map"));
    const dangling: string[] = [];
    for (const map of maps) {
      const { sources, sourceRoot = "" } = JSON.parse(readFileSync(join(pkg, map), "utf8")) as {
        sources: string[];
        sourceRoot?: string;
      };
      for (const s of sources) {
        const target = resolve(pkg, dirname(map), sourceRoot, s);
        const rel = relative(pkg, target);
        if (rel.startsWith("..") || !existsSync(target)) dangling.push(`${map} -> ${s}`);
      }
    }
    expect(maps.length).toBeGreaterThan(100);
    expect(dangling).toEqual([]);
  });

  it("has no dead relative links in its Markdown", () => {
    const docs = files.filter((f) => f.endsWith(".md"));
    expect(docs).toContain("README.md");
    expect(docs).toContain("docs/guide.md");
    const dead: string[] = [];
    for (const doc of docs) {
      for (const link of relativeLinks(readFileSync(join(pkg, doc), "utf8"))) {
        const target = relative(pkg, resolve(pkg, dirname(doc), decodeURIComponent(link)));
        if (target.startsWith("..") || !existsSync(join(pkg, target))) dead.push(`${doc} -> ${link}`);
      }
    }
    expect(dead).toEqual([]);
  });

  it("links the mistakes page from the README and the guide", () => {
    for (const doc of ["README.md", "docs/guide.md"]) {
      const links = relativeLinks(readFileSync(join(pkg, doc), "utf8"));
      expect(links.map((l) => resolve(pkg, dirname(doc), l))).toContain(join(pkg, "docs/mistakes.md"));
    }
  });
});
