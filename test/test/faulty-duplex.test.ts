/**
 * faultyDuplex under simulation: latency on the paused clock, reset and stall as errors and
 * timeouts in the reader, a line protocol over a jittery link across many seeds.
 */
import { describe, expect, it } from "vitest";
import { type Async, END, type Future } from "../../src/future/index.js";
import { BufReader, FramedRead, FramedWrite, IoError, LengthDelimitedCodec } from "../../src/io/index.js";
import { DeadlockError } from "../../src/runtime/index.js";
import { spawn } from "../../src/task/index.js";
import { explore, faultyDuplex, SimulationError, simulate } from "../../src/test/index.js";
import { Elapsed, Instant, sleep, timeout } from "../../src/time/index.js";

const enc = new TextEncoder();

describe("faultyDuplex", () => {
  it("delivers after the latency, on the simulated clock", async () => {
    const { value } = await simulate(
      function* () {
        const [a, b] = faultyDuplex(64, { latencyMs: 7 });
        const t0 = Instant.now();
        yield* a.writeAll(enc.encode("hi\n"));
        const line = yield* new BufReader(b).readLine();
        return [line, t0.elapsed()];
      },
      { seed: 1 },
    );
    expect(value).toEqual(["hi", 7]);
  });

  /** An upper-casing echo server and a client sending `n` lines, over a jittery link. */
  function* protocol(): Async<string[]> {
    const [client, server] = faultyDuplex(16, { latencyMs: { min: 0, max: 30 } });
    const srv = spawn(function* () {
      const r = new BufReader(server);
      for (;;) {
        const line = yield* r.readLine();
        if (typeof line !== "string") break;
        yield* server.writeAll(enc.encode(`${line.toUpperCase()}\n`));
      }
      server.close();
    });
    const r = new BufReader(client);
    const writer = spawn(function* () {
      for (let i = 0; i < 5; i++) yield* client.writeAll(enc.encode(`msg ${i}\n`));
      yield* client.shutdown();
    });
    const got: string[] = [];
    for (;;) {
      const line = yield* r.readLine();
      if (typeof line !== "string") break;
      got.push(line);
    }
    yield* writer;
    yield* srv;
    if (got.join(",") !== "MSG 0,MSG 1,MSG 2,MSG 3,MSG 4") throw new Error(`bad replies: ${got.join(",")}`);
    return got;
  }

  it("a line protocol over a jittery, small-buffered link passes 300 seeds, with chaos", async () => {
    await expect(explore(protocol, { seeds: 300, chaos: true })).resolves.toEqual(
      expect.objectContaining({ seeds: 300 }),
    );
  });

  it("length-delimited frames over a jittery 7-byte link: every frame whole and in order, 200 seeds with chaos", async () => {
    await expect(
      explore(
        function* () {
          const [a, b] = faultyDuplex(7, { latencyMs: { min: 0, max: 10 } });
          const sizes = [0, 1, 5, 17, 40, 3];
          const writer = spawn(function* () {
            const out = new FramedWrite(a, new LengthDelimitedCodec());
            for (const n of sizes) yield* out.send(new Uint8Array(n).fill(n));
            yield* out.close();
          });
          const frames = new FramedRead(b, new LengthDelimitedCodec());
          const got: number[] = [];
          for (let f = yield* frames.next(); f !== END; f = yield* frames.next()) {
            const frame = f as Uint8Array;
            if (!frame.every((x) => x === frame.length)) throw new Error(`corrupt frame of ${frame.length}`);
            got.push(frame.length);
          }
          yield* writer;
          if (got.join() !== sizes.join()) throw new Error(`frames ${got.join()}`);
        },
        { seeds: 200, chaos: true },
      ),
    ).resolves.toEqual(expect.objectContaining({ seeds: 200 }));
  });

  it("latency is seeded: the same seed gives the same arrival times, another seed others", async () => {
    const arrivals = function* (): Async<number[]> {
      const [a, b] = faultyDuplex(1024, { latencyMs: { min: 1, max: 100 } });
      const t0 = Instant.now();
      const times: number[] = [];
      spawn(function* () {
        for (let i = 0; i < 5; i++) {
          yield* a.writeAll(enc.encode("x"));
          yield* sleep(1);
        }
      });
      const buf = new Uint8Array(1);
      for (let i = 0; i < 5; i++) {
        yield* b.readExact(buf);
        times.push(t0.elapsed());
      }
      return times;
    };
    const one = (await simulate(arrivals, { seed: 5 })).value;
    expect((await simulate(arrivals, { seed: 5 })).value).toEqual(one);
    expect((await simulate(arrivals, { seed: 6 })).value).not.toEqual(one);
    // Bytes never overtake each other: arrival times never go backwards.
    expect([...one].sort((x, y) => x - y)).toEqual(one);
  });

  it("a reset surfaces as IoError ConnectionReset in a waiting reader and in later writes", async () => {
    const { value } = await simulate(
      function* () {
        const [a, b, faults] = faultyDuplex(64);
        spawn(function* () {
          yield* sleep(10);
          faults.reset();
        });
        const readErr = yield* catchIo(b.read(new Uint8Array(8)));
        const writeErr = yield* catchIo(a.write(enc.encode("late")));
        return [readErr, writeErr];
      },
      { seed: 2 },
    );
    expect(value).toEqual(["ConnectionReset", "ConnectionReset"]);
  });

  it("a stall is a timeout for the reader, and data flows again after resume", async () => {
    const { value } = await simulate(
      function* () {
        const [a, b, faults] = faultyDuplex(64, { latencyMs: 1 });
        faults.stall();
        yield* a.writeAll(enc.encode("ping\n"));
        const reader = new BufReader(b);
        let first: string;
        try {
          yield* timeout(50, reader.readLine());
          first = "read";
        } catch (e) {
          first = e instanceof Elapsed ? "timed out" : String(e);
        }
        faults.resume();
        const line = yield* reader.readLine();
        return [first, line];
      },
      { seed: 3 },
    );
    expect(value).toEqual(["timed out", "ping"]);
  });

  it("both ends waiting to read is reported as a deadlock, not a hang", async () => {
    const error = await simulate(
      function* () {
        const [a, b] = faultyDuplex(64);
        spawn(function* () {
          yield* a.read(new Uint8Array(4));
        });
        yield* b.read(new Uint8Array(4));
      },
      { seed: 4 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SimulationError);
    expect((error as SimulationError).cause).toBeInstanceOf(DeadlockError);
  });

  it("rejects bad options", () => {
    expect(() => faultyDuplex(0)).toThrow(/positive integer.*got 0/);
    expect(() => faultyDuplex(8, { latencyMs: -1 })).toThrow(/latencyMs.*got -1/);
    expect(() => faultyDuplex(8, { latencyMs: { min: 5, max: 1 } })).toThrow(/min <= max/);
  });
});

function* catchIo(fut: Future<unknown>): Async<string> {
  try {
    yield* fut;
    return "ok";
  } catch (e) {
    return e instanceof IoError ? e.kind : String(e);
  }
}
