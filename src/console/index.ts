/**
 * `pollux/console`: a live web console for a runtime, in the spirit of tokio-console. Start it
 * with `startConsole(runtime)`, or without code: `POLLUX_CONSOLE=1` or `runMain(main, { console: true })`.
 * See docs/guide-console.md.
 *
 * @module
 */
export { type ConsoleOptions, type ConsoleServer, startConsole } from "./server.js";
