import { describe, expect, it } from "vitest";
import { run } from "../../src/runtime/index.js";
import { Barrier } from "../../src/sync/index.js";
import { spawn } from "../../src/task/index.js";
import { settle } from "./helpers.js";

describe("Barrier", () => {
  it("releases all n tasks together, with exactly one leader, generation after generation", async () => {
    await run(function* () {
      const b = new Barrier(3);
      for (let gen = 0; gen < 2; gen++) {
        const arrived: number[] = [];
        const hs = [0, 1, 2].map((i) =>
          spawn(function* () {
            yield* settle(i);
            arrived.push(i);
            const r = yield* b.wait();
            expect(arrived.length).toBe(3);
            return r.isLeader;
          }),
        );
        const leaders = [];
        for (const h of hs) leaders.push(yield* h);
        expect(leaders.filter(Boolean).length).toBe(1);
        expect(leaders[2]).toBe(true); // the last to arrive leads
      }
    });
  });

  it("a barrier of 1 (or 0) never waits; bad sizes are rejected", async () => {
    await run(function* () {
      expect((yield* new Barrier(1).wait()).isLeader).toBe(true);
      expect((yield* new Barrier(0).wait()).isLeader).toBe(true);
    });
    expect(() => new Barrier(-1)).toThrow(/n must be an integer from 0.*got -1/);
  });
});
