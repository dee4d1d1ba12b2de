/**
 * `toPromise`: the bridge from a pollux future to promise-based code. It lives in the runtime
 * layer because, outside a runtime, it runs the future on a new one.
 */
import type { IntoFuture } from "../future/into-future.js";
import { intoFuture } from "../future/into-future.js";
import { run } from "./run.js";
import { currentRuntime } from "./runtime.js";

/**
 * Run a future and get a Promise of its output, for handing results to promise-based code. Inside
 * a runtime it spawns a task on it; outside, it runs the future on a new runtime like `run()`.
 *
 * @example
 * app.get("/user", (req, res) => toPromise(loadUser(req.query.id)).then((u) => res.json(u)));
 */
export function toPromise<T>(future: IntoFuture<T>): Promise<T> {
  const fut = intoFuture(future, "toPromise");
  const rt = currentRuntime();
  if (rt === null) return run(fut);
  return rt.run(fut, { name: "toPromise" });
}
