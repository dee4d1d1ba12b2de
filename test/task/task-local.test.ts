import { describe, expect, expectTypeOf, it } from "vitest";
import { asyncFn, join, type Output, pending } from "../../src/future/index.js";
import { run } from "../../src/runtime/index.js";
import { spawn, taskLocal, yieldNow } from "../../src/task/index.js";

const requestId = taskLocal<string>("requestId");

const readDeep = asyncFn(function* () {
  yield* yieldNow();
  return requestId.get();
});

describe("taskLocal", () => {
  it("get() returns the scope's value across suspensions and nested async fns", async () => {
    const scoped = requestId.scope(
      "r-1",
      asyncFn(function* () {
        const a = requestId.get();
        yield* yieldNow();
        const b = yield* readDeep();
        return [a, b];
      })(),
    );
    expectTypeOf<Output<typeof scoped>>().toEqualTypeOf<string[]>();
    expect(await run(scoped)).toEqual(["r-1", "r-1"]);
  });

  it("get() outside a scope throws a message naming the fix; tryGet() returns undefined", async () => {
    expect(() => requestId.get()).toThrow(
      /"requestId" was read outside its scope.*requestId.scope\(value, future\)/,
    );
    expect(requestId.tryGet()).toBeUndefined();
  });

  it("nested scopes shadow and restore", async () => {
    const out = await run(
      requestId.scope("outer", function* () {
        const inner = yield* requestId.scope("inner", readDeep());
        return [inner, requestId.get()];
      }),
    );
    expect(out).toEqual(["inner", "outer"]);
  });

  it("does not leak into spawned tasks, other tasks, or sibling join branches", async () => {
    const out = await run(function* () {
      const seen: (string | undefined)[] = [];
      const other = spawn(function* () {
        for (let i = 0; i < 3; i++) {
          seen.push(requestId.tryGet());
          yield* yieldNow();
        }
      });
      const [, sibling] = yield* join(
        requestId.scope("mine", function* () {
          const child = spawn(function* () {
            return requestId.tryGet();
          });
          yield* yieldNow();
          return yield* child;
        }),
        function* () {
          yield* yieldNow();
          return requestId.tryGet();
        },
      );
      yield* other;
      expect(requestId.tryGet()).toBeUndefined();
      return { seen, sibling };
    });
    expect(out.seen).toEqual([undefined, undefined, undefined]);
    expect(out.sibling).toBeUndefined();
  });

  it("a spawned task sees a value only when passed explicitly", async () => {
    const out = await run(
      requestId.scope("r-9", function* () {
        return yield* spawn(requestId.scope(requestId.get(), readDeep()));
      }),
    );
    expect(out).toBe("r-9");
  });

  it("the value is visible in finally blocks run by cancellation, async ones included", async () => {
    const log: string[] = [];
    await run(function* () {
      const h = spawn(
        requestId.scope(
          "r-c",
          asyncFn(function* () {
            try {
              yield* pending();
            } finally {
              log.push(`sync ${requestId.get()}`);
              yield* yieldNow();
              log.push(`async ${requestId.get()}`);
            }
          })(),
        ),
      );
      yield* yieldNow();
      h.abort();
      try {
        yield* h;
      } catch {}
    });
    expect(log).toEqual(["sync r-c", "async r-c"]);
  });
});
