/**
 * Compile-time checks that a bare `yield` (the forgotten star of `yield* fut`) does not type-check,
 * while `yield* fut` keeps its output type. `npm run typecheck` fails if an `@ts-expect-error`
 * below stops being an error; vitest runs the bodies that are safe to run.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { type Async, asyncFn, type Future, ready, type Suspend } from "../../src/future/index.js";
import { run } from "../../src/runtime/index.js";
import { JoinSet, spawn } from "../../src/task/index.js";
import { sleep } from "../../src/time/index.js";

describe("the async-fn generator's yield type", () => {
  it("rejects a bare yield of a future or a value in a generator typed Async<T>", () => {
    function* annotated(): Async<number> {
      // @ts-expect-error a future must be awaited with `yield*`
      yield sleep(1);
      // @ts-expect-error a value cannot be yielded
      yield 1;
      // @ts-expect-error nor can nothing
      yield;
      return 1;
    }
    expect(typeof annotated).toBe("function");
  });

  it("spawn, run, asyncFn and JoinSet.spawn refuse a generator that contains a bare yield", () => {
    const never = false;
    if (never) {
      // @ts-expect-error the generator yields a Sleep
      spawn(function* () {
        yield sleep(1);
      });
      // @ts-expect-error the generator yields a number
      void run(function* () {
        yield 1;
      });
      // @ts-expect-error the generator function yields a Ready<number>
      asyncFn(function* (n: number) {
        yield ready(n);
        return n;
      });
      function* plain() {
        yield sleep(1);
      }
      // @ts-expect-error a plain generator object with a bare yield is refused too
      new JoinSet<void>().spawn(plain());
    }
    expect(never).toBe(false);
  });

  it("`yield* fut` still infers the output, and generators that only `yield*` are accepted", async () => {
    const double = asyncFn(function* (n: number) {
      const v = yield* ready(n);
      expectTypeOf(v).toEqualTypeOf<number>();
      return v * 2;
    });
    expectTypeOf(double).returns.toMatchTypeOf<Future<number>>();
    function* body() {
      yield* sleep(0);
      return yield* double(21);
    }
    expectTypeOf(body).returns.toEqualTypeOf<Generator<Suspend, number, unknown>>();
    expectTypeOf(body).returns.toMatchTypeOf<Async<number>>();
    const out = await run(body);
    expectTypeOf(out).toEqualTypeOf<number>();
    expect(out).toBe(42);
  });
});
