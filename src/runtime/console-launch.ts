/**
 * Zero-code console: `runMain(main, { console: true })` or `POLLUX_CONSOLE=1` (or a port) in the
 * environment starts `pollux/console` for the runtime runMain creates.
 *
 * The console sits above the runtime (it reads the runtime; the runtime never needs it), so it is
 * loaded here with a dynamic `import()` and only when asked for: a program that does not use it
 * neither loads it nor its WebSocket dependency, and no static import points up a layer.
 */
import type { Runtime } from "./runtime.js";

/** Where to serve the console: `{}` for the defaults (127.0.0.1:6669). */
export interface ConsoleChoice {
  port?: number;
  host?: string;
}

const ON = new Set(["1", "true", "on", "yes"]);
const OFF = new Set(["", "0", "false", "off", "no"]);

/**
 * The console runMain should start, from its `console` option or else `POLLUX_CONSOLE`; `null`
 * for none. A bad option throws (it is code); a bad environment value is reported and ignored.
 */
export function consoleChoice(option: unknown, env: string | undefined): ConsoleChoice | null {
  if (option !== undefined) {
    if (option === false) return null;
    if (option === true) return {};
    if (typeof option === "object" && option !== null) {
      const { port, host, ...rest } = option as ConsoleChoice;
      const extra = Object.keys(rest);
      if (extra.length > 0) {
        throw new TypeError(`runMain option console takes { port, host }; unknown key "${extra[0]}".`);
      }
      return { ...(port === undefined ? {} : { port }), ...(host === undefined ? {} : { host }) };
    }
    throw new TypeError(
      `runMain option console must be true, false or { port, host }; got ${String(option)}.`,
    );
  }
  if (env === undefined) return null;
  const value = env.trim().toLowerCase();
  if (OFF.has(value)) return null;
  if (ON.has(value)) return {};
  const port = Number(value);
  if (/^\d+$/.test(value) && port >= 1024 && port <= 65535) return { port };
  process.stderr.write(
    `pollux: POLLUX_CONSOLE must be 1 (the console on port 6669) or a port from 1024 to 65535; ` +
      `got ${JSON.stringify(env)}, so the console is off.\n`,
  );
  return null;
}

/** A started console, as runMain holds it. */
export interface LaunchedConsole {
  close(): Promise<void>;
}

/**
 * Load `pollux/console`, serve it for `rt` and print its URL on stderr. Resolves with the server
 * (or `null` if it could not start, after saying why on stderr); never rejects.
 */
export async function launchConsole(rt: Runtime, choice: ConsoleChoice): Promise<LaunchedConsole | null> {
  try {
    const { startConsole } = await import("../console/index.js");
    const server = startConsole(rt, choice);
    try {
      const url = await server.ready;
      process.stderr.write(`pollux console: ${url}\n`);
    } catch {
      // `ready` has already printed why (port in use, bad host).
      return null;
    }
    return server;
  } catch (error) {
    process.stderr.write(
      `pollux: the console did not start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return null;
  }
}
