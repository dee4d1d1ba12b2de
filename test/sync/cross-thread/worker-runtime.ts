import { afterAll, beforeAll } from "vitest";
import { Runtime } from "../../../src/index.js";

const CHANNELS = new URL("../../fixtures/cores/channels.mjs", import.meta.url);

/** A module task of the channel fixtures (test/fixtures/cores/channels.mjs). */
export function channelTask(name: string): { module: URL; export: string } {
  return { module: CHANNELS, export: name };
}

/** A runtime with two worker runtimes, started before this file's tests and shut down after. */
export function workerRuntimeForFile(): Pick<Runtime, "run"> {
  let rt: Runtime;
  beforeAll(() => {
    rt = new Runtime({ workers: 3, onOrphans: false });
  });
  afterAll(async () => {
    await rt.shutdown();
  });
  return { run: (main, options) => rt.run(main, options) };
}
