import { connect, createServer, type Server } from "node:net";
import { describe, expect, it } from "vitest";
import { type Async, fromPromise, pending } from "../../src/future/index.js";
import { Handle, Runtime, run, toPromise } from "../../src/runtime/index.js";
import { JoinError, spawn, yieldNow } from "../../src/task/index.js";
import { Trigger } from "../helpers.js";

function* whoRunsMe(): Async<Handle> {
  yield* yieldNow();
  return Handle.current();
}

describe("Handle", () => {
  it("Handle.current() inside a task is the runtime's handle; the same object every time", async () => {
    const rt = new Runtime();
    const seen = await rt.run(function* () {
      const inChild = yield* spawn(whoRunsMe());
      return [Handle.current(), Handle.tryCurrent(), inChild];
    });
    expect(seen[0]).toBe(rt.handle());
    expect(seen[1]).toBe(rt.handle());
    expect(seen[2]).toBe(rt.handle());
    await rt.shutdown();
  });

  it("outside a task, current() throws naming the fix and tryCurrent() returns undefined", async () => {
    expect(() => Handle.current()).toThrow(/outside a pollux runtime.*runtime\.handle\(\).*tryCurrent/s);
    expect(Handle.tryCurrent()).toBeUndefined();
    // Also in a Node callback fired while a runtime is alive but idle.
    const rt = new Runtime();
    const h = rt.handle();
    const fromCallback = await new Promise<unknown>((resolve) =>
      setImmediate(() => resolve(Handle.tryCurrent())),
    );
    expect(fromCallback).toBeUndefined();
    expect(h.state).toBe("open");
    await rt.shutdown();
  });

  it("spawns from setTimeout and setImmediate while the runtime idles inside run()", async () => {
    const log: string[] = [];
    await run(function* () {
      const handle = Handle.current();
      const done = new Trigger<void>();
      setTimeout(() => {
        handle.spawn(function* () {
          log.push("from setTimeout");
          yield* yieldNow();
          setImmediate(() => {
            handle.spawn(function* () {
              log.push("from setImmediate");
              done.fire();
            });
          });
        });
      }, 1);
      yield* done; // the runtime has nothing runnable while it waits
    });
    expect(log).toEqual(["from setTimeout", "from setImmediate"]);
  });

  it("drives a task spawned from a callback on a runtime that never ran anything", async () => {
    const rt = new Runtime();
    const handle = rt.handle();
    const jh = await new Promise<ReturnType<typeof handle.spawn<number>>>((resolve) =>
      setImmediate(() =>
        resolve(
          handle.spawn(function* () {
            yield* yieldNow();
            return 7;
          }),
        ),
      ),
    );
    // Awaited from a different runtime (run() makes a new one): the owner drives it.
    expect(
      await run(function* () {
        return yield* jh;
      }),
    ).toBe(7);
    expect(rt.metrics().tasksCompleted).toBe(1);
    await rt.shutdown();
  });

  it("spawns from socket callbacks (an in-process server's connection and data events)", async () => {
    const served: string[] = [];
    await run(function* () {
      const handle = Handle.current();
      const all = new Trigger<void>();
      const server: Server = createServer((socket) => {
        socket.on("data", (chunk) => {
          handle.spawn(
            function* () {
              yield* yieldNow();
              served.push(chunk.toString());
              socket.end();
              if (served.length === 2) all.fire();
            },
            { name: "request" },
          );
        });
      });
      yield* fromPromise(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)));
      const port = (server.address() as { port: number }).port;
      for (const msg of ["a", "b"]) {
        const c = connect(port, "127.0.0.1", () => c.write(msg));
        c.on("data", () => {});
        c.on("error", () => {});
      }
      try {
        yield* all;
      } finally {
        server.close();
      }
    });
    expect(served.sort()).toEqual(["a", "b"]);
  });

  it("spawns onto another runtime from inside a task; that runtime polls it", async () => {
    const a = new Runtime();
    const handleA = a.handle();
    const out = await run(function* () {
      const mine = Handle.current();
      const jh = handleA.spawn(function* () {
        yield* yieldNow();
        return Handle.current() === handleA ? "ran on A" : "ran elsewhere";
      });
      expect(mine).not.toBe(handleA);
      return yield* jh;
    });
    expect(out).toBe("ran on A");
    expect(a.metrics().tasksSpawned).toBe(1);
    await a.shutdown();
  });

  it("while shutting down, spawns an already-aborted task; once closed, throws naming the state and the fix", async () => {
    const rt = new Runtime();
    const handle = rt.handle();
    const release = new Trigger<void>();
    rt.spawn(function* () {
      try {
        yield* pending();
      } finally {
        yield* release; // async cleanup keeps the runtime shutting down
      }
    });
    await new Promise((r) => setImmediate(r));
    const closing = rt.shutdown();
    expect(handle.state).toBe("shutting-down");
    const late = handle.spawn(function* () {
      return 1;
    });
    const err = await toPromise(late).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JoinError);
    expect((err as JoinError).cancelled).toBe(true);
    release.fire();
    await closing;
    expect(handle.state).toBe("closed");
    expect(() => handle.spawn(function* () {})).toThrow(
      /Handle\.spawn\(\): the runtime of this handle has shut down \(state: closed\).*new Runtime/s,
    );
  });
});
