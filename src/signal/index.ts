/**
 * `pollux/signal`: Unix signals as futures and streams (Tokio's `tokio::signal`).
 *
 * - `ctrlC()`: a future ready at the next Ctrl-C (SIGINT).
 * - `signal(name)`: a `SignalListener` whose `recv()` completes at each delivery of one signal.
 *
 * While a listener (or a waiting `ctrlC()`) for a signal is alive, Node's default action for that
 * signal (exit on SIGINT, SIGTERM, SIGHUP) is off, as in Tokio; when the last one is gone it is
 * restored (unlike Tokio, which keeps it off for the life of the process). `runMain` uses the same
 * registry: SIGINT and SIGTERM cancel `main`.
 *
 * @module
 */
export { CtrlC, ctrlC } from "./ctrl-c.js";
export { SignalListener, SignalRecv, signal } from "./listener.js";
