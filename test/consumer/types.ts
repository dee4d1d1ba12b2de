// Compiled (never run) by test/consumer-types.test.ts inside scratch projects that install the
// packed package, once per consumer config. Each assertion fails to compile if a type widens
// (to unknown, any or never) or changes, so "the types silently became unknown" is a build error.
// Only long-lived names are asserted here, so the file survives API additions.
import { asyncFn, join, run, select, sleep, spawn, timeout, toPromise } from "pollux";
import { Mutex, mpsc } from "pollux/sync";

type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
declare function check<T extends true>(...args: T extends true ? [] : [never]): void;
type IsAny<T> = 0 extends 1 & T ? true : false;

const mainResult = run(function* () {
  // timeout(...) resolves to the future's output: the issue's `unknown` regression.
  const t = yield* timeout(5, sleep(1));
  check<Equal<typeof t, void>>();

  const h = spawn(function* () {
    yield* sleep(1);
    return 42;
  });
  const n = yield* h;
  check<Equal<typeof n, number>>();

  const [a, b] = yield* join(
    spawn(function* () {
      return "s";
    }),
    sleep(1),
  );
  check<Equal<typeof a, string>>();
  check<Equal<typeof b, void>>();

  const sel = yield* select({ tick: sleep(1), slow: timeout(10, sleep(20)) });
  check<IsAny<typeof sel> extends false ? true : false>();

  const m = new Mutex({ count: 0 });
  {
    using guard = yield* m.lock();
    guard.value.count += 1;
    check<Equal<typeof guard.value, { count: number }>>();
    // A guard is disposable under every `lib`.
    const d: { [Symbol.dispose](): void } = guard;
    void d;
  }
  const got = yield* m.withLock((g) => g.value.count);
  check<Equal<typeof got, number>>();

  const [tx] = mpsc.channel<string>(4);
  const sent = yield* tx.send("hi");
  check<Equal<typeof sent, void>>();
  // @ts-expect-error a number is not a string message
  tx.send(1);

  const add = asyncFn(function* (x: number, y: number) {
    yield* sleep(1);
    return x + y;
  });
  const sum = yield* add(1, 2);
  check<Equal<typeof sum, number>>();
  // @ts-expect-error arguments are checked
  add("1", 2);

  return `${n}`;
});
check<Equal<typeof mainResult, Promise<string>>>();

const p = toPromise(sleep(1));
check<Equal<typeof p, Promise<void>>>();
const p2 = toPromise(
  spawn(function* () {
    return true;
  }),
);
check<Equal<typeof p2, Promise<boolean>>>();

// The checker itself: these must be rejected, or every check above proves nothing.
// @ts-expect-error unknown is not void
check<Equal<unknown, void>>();
// @ts-expect-error any is not number
// biome-ignore lint/suspicious/noExplicitAny: the checker must reject any
check<Equal<any, number>>();
