/**
 * fs-small: read 10,000 files of 1 KiB each, 64 reads in flight. The cost measured is the per-call
 * overhead of a file read (libuv's thread pool does the same syscalls for both), so it shows
 * whether pollux's fs futures add anything on top of Node.
 *
 * Contenders: native runs 64 async workers, each awaiting `fs/promises.readFile` in a loop over a
 * shared index; pollux runs 64 spawned tasks doing the same with `fs.read` (one Node callback per
 * file, no promise). Both sum the byte lengths, which must equal 10,000 × 1,024.
 *
 * The files are written once per process, the first time a contender runs (outside the timed
 * part), and removed at exit.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Async, run, spawn } from "pollux";
import * as pfs from "pollux/fs";
import { timed } from "../lib/timed.js";
import type { Workload } from "../workload.js";

const FILES = 10_000;
const SIZE = 1024;
const IN_FLIGHT = 64;

let paths: string[] | null = null;

function files(): string[] {
  if (paths !== null) return paths;
  const dir = mkdtempSync(join(tmpdir(), "pollux-fs-small-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const data = Buffer.alloc(SIZE, 7);
  const out: string[] = [];
  for (let d = 0; d < FILES / 1000; d++) {
    const sub = join(dir, String(d));
    mkdirSync(sub);
    for (let i = 0; i < 1000; i++) {
      const p = join(sub, `f${i}`);
      writeFileSync(p, data);
      out.push(p);
    }
  }
  paths = out;
  return out;
}

// --- native: 64 async workers over fs/promises.readFile ---

async function nativeWorker(list: string[], next: { i: number }): Promise<number> {
  let bytes = 0;
  for (let i = next.i++; i < list.length; i = next.i++) bytes += (await readFile(list[i]!)).length;
  return bytes;
}

async function nativeMain(list: string[]): Promise<number> {
  const next = { i: 0 };
  const workers: Promise<number>[] = [];
  for (let w = 0; w < IN_FLIGHT; w++) workers.push(nativeWorker(list, next));
  let total = 0;
  for (const n of await Promise.all(workers)) total += n;
  return total;
}

// --- pollux: 64 tasks over fs.read ---

function* polluxWorker(list: string[], next: { i: number }): Async<number> {
  let bytes = 0;
  for (let i = next.i++; i < list.length; i = next.i++) bytes += (yield* pfs.read(list[i]!)).length;
  return bytes;
}

function* polluxMain(list: string[]): Async<number> {
  const next = { i: 0 };
  const workers = [];
  for (let w = 0; w < IN_FLIGHT; w++) workers.push(spawn(polluxWorker(list, next)));
  let total = 0;
  for (const h of workers) total += yield* h;
  return total;
}

export default {
  name: "fs-small",
  description:
    "read 10,000 files of 1 KiB, 64 in flight: native `fs/promises.readFile` in 64 async workers vs " +
    "pollux `fs.read` in 64 tasks.",
  target: "≤ 1.0× native",
  contenders: {
    native: () => {
      const list = files();
      return timed(() => nativeMain(list), FILES * SIZE);
    },
    pollux: () => {
      const list = files();
      return timed(() => run(polluxMain(list)), FILES * SIZE);
    },
  },
} satisfies Workload;
