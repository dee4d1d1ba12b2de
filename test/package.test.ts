// The built package, imported the way users import it (package self-reference resolves to dist/).
import { describe, expect, it } from "vitest";

describe("the built package (needs `npm run build`)", () => {
  it("exposes the everyday names at the root and runs tasks", async () => {
    const pollux = await import("pollux");
    const out = await pollux.run(function* () {
      const h = pollux.spawn(function* () {
        yield* pollux.yieldNow();
        return 20;
      });
      return (yield* h) + (yield* pollux.ready(22));
    });
    expect(out).toBe(42);
  });

  it("exposes each module as a subpath", async () => {
    const future = await import("pollux/future");
    const task = await import("pollux/task");
    const runtime = await import("pollux/runtime");
    expect(typeof future.asyncFn).toBe("function");
    expect(typeof task.spawn).toBe("function");
    expect(typeof task.spawnBlocking).toBe("function");
    expect(typeof runtime.Runtime).toBe("function");
  });
});
