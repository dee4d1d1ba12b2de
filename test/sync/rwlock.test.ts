import { describe, expect, it } from "vitest";
import { run } from "../../src/runtime/index.js";
import { RwLock } from "../../src/sync/index.js";
import { spawn } from "../../src/task/index.js";
import { cancellable, settle, Token } from "./helpers.js";

describe("RwLock", () => {
  it("admits many readers at once and one writer alone", async () => {
    await run(function* () {
      const lock = new RwLock(0);
      const r1 = yield* lock.read();
      const r2 = yield* lock.read();
      expect(r1.value + r2.value).toBe(0);
      expect(lock.tryWrite()).toBeUndefined();
      const writer = spawn(function* () {
        using w = yield* lock.write();
        w.value = 1;
      });
      yield* settle(2);
      expect(writer.isFinished()).toBe(false);
      r1.release();
      yield* settle(2);
      expect(writer.isFinished()).toBe(false);
      r2.release();
      yield* writer;
      using r = yield* lock.read();
      expect(r.value).toBe(1);
    });
  });

  it("is write-preferring: a reader arriving after a waiting writer waits for it", async () => {
    const order: string[] = [];
    await run(function* () {
      const lock = new RwLock(0);
      const first = yield* lock.read();
      const writer = spawn(function* () {
        using w = yield* lock.write();
        order.push("writer");
        w.value++;
      });
      yield* settle(1);
      expect(lock.tryRead()).toBeUndefined(); // would jump the queue
      const reader = spawn(function* () {
        using r = yield* lock.read();
        order.push(`reader saw ${r.value}`);
      });
      yield* settle(2);
      expect(order).toEqual([]);
      first.release();
      yield* writer;
      yield* reader;
    });
    expect(order).toEqual(["writer", "reader saw 1"]);
  });

  it("admits the run of readers queued behind a writer together", async () => {
    await run(function* () {
      const lock = new RwLock(0);
      const w = yield* lock.write();
      let inside = 0;
      let maxInside = 0;
      const readers = [0, 1, 2].map(() =>
        spawn(function* () {
          using _r = yield* lock.read();
          inside++;
          maxInside = Math.max(maxInside, inside);
          yield* settle(2);
          inside--;
        }),
      );
      yield* settle(1);
      w.release();
      for (const r of readers) yield* r;
      expect(maxInside).toBe(3);
    });
  });

  it("a cancelled waiting writer lets the readers queued behind it in", async () => {
    await run(function* () {
      const lock = new RwLock(0);
      const r0 = yield* lock.read();
      const token = new Token();
      const writer = spawn(cancellable(lock.write(), token));
      yield* settle(1);
      const reader = spawn(function* () {
        using r = yield* lock.read();
        return r.value;
      });
      yield* settle(1);
      expect(reader.isFinished()).toBe(false);
      token.cancel();
      expect(yield* writer).toEqual({ ok: false });
      expect(yield* reader).toBe(0);
      r0.release();
      expect(lock.tryWrite()).toBeDefined();
    });
  });

  it("downgrade turns write access into read access without letting another writer in", async () => {
    await run(function* () {
      const lock = new RwLock("v1");
      const w = yield* lock.write();
      const otherWriter = spawn(function* () {
        using w2 = yield* lock.write();
        w2.value = "v3";
      });
      const reader = spawn(function* () {
        using r = yield* lock.read();
        return r.value;
      });
      yield* settle(1);
      w.value = "v2";
      const r = w.downgrade();
      expect(() => w.value).toThrow(/after release/);
      expect(r.value).toBe("v2");
      yield* settle(2);
      expect(otherWriter.isFinished()).toBe(false); // queued first, it is served first
      r.release();
      yield* otherWriter;
      expect(yield* reader).toBe("v3");
    });
  });
});

describe("RwLock parity: maxReaders and guard map", () => {
  it("withMaxReaders admits at most that many readers; a leaving reader admits the next", async () => {
    const lock = RwLock.withMaxReaders(0, 2);
    expect(lock.maxReaders).toBe(2);
    let inside = 0;
    let most = 0;
    await run(function* () {
      const hs = [];
      for (let i = 0; i < 6; i++) {
        hs.push(
          spawn(function* () {
            using _r = yield* lock.read();
            inside++;
            most = Math.max(most, inside);
            yield* settle(i + 1);
            inside--;
          }),
        );
      }
      for (const h of hs) yield* h;
    });
    expect(most).toBe(2);
    const r1 = lock.tryRead();
    const r2 = lock.tryRead();
    expect(lock.tryRead()).toBeUndefined();
    r1!.release();
    r2!.release();
    expect(() => RwLock.withMaxReaders(0, 0)).toThrow(/maxReaders must be an integer from 1.*got 0/);
  });

  it("read and write guards map onto a part and keep the lock until the mapped guard is released", async () => {
    const lock = new RwLock({ users: new Map([["ada", { seen: 0 }]]) });
    await run(function* () {
      {
        using w = (yield* lock.write()).map((s) => s.users.get("ada")!);
        w.value.seen = 5;
        expect(lock.tryRead()).toBeUndefined(); // still write-locked
      }
      using r = (yield* lock.read()).map((s) => s.users.get("ada")!.seen);
      expect(r.value).toBe(5);
      expect(lock.tryWrite()).toBeUndefined();
      r.release();
      expect(lock.tryWrite()).toBeDefined();
    });
  });
});
