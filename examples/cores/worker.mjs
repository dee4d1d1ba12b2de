// What each worker runtime of examples/cores/main.ts imports. Node 20 does not hand `--import tsx`
// to worker threads, so a worker cannot load TypeScript by itself: register tsx's loader in this
// thread, then load the TypeScript service. (Compiled JavaScript needs no such shim.)
import { register } from "tsx/esm/api";

register();
const service = await import("./service.ts");

export const serveFd = service.serveFd;
