/**
 * `pollux/task`: spawning tasks, awaiting and aborting them, and cooperative yielding.
 *
 * @module
 */
export { consumeBudget, pollProceed } from "./coop.js";
export { JoinError } from "./join-error.js";
export { spawn } from "./spawn.js";
export type { JoinHandle } from "./task.js";
export { yieldNow } from "./yield-now.js";
