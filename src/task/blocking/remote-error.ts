/**
 * Errors crossing the thread boundary. Structured clone keeps only the built-in error classes and
 * drops own properties, so the worker sends `{ name, message, stack, props }` and the parent
 * rebuilds an error that keeps the original class name, message, stack and own properties
 * (`code`, ...). A built-in class (`TypeError`, `RangeError`, ...) is rebuilt as that class, so
 * `instanceof` still works; a user class becomes an `Error` whose `name` is the class name.
 */

/** What the worker sends for a thrown value (see `worker-source.ts`). */
export type SerializedError =
  | { thrown: unknown }
  | {
      isError: boolean;
      name: string;
      message: string;
      stack: string | undefined;
      props: Record<string, unknown>;
    };

const BUILT_IN: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  ReferenceError,
  SyntaxError,
  EvalError,
  URIError,
};

/** Rebuild, in this thread, what a blocking job threw in its worker. */
export function rebuildError(s: SerializedError): unknown {
  if ("thrown" in s) return s.thrown;
  const Ctor = BUILT_IN[s.name] ?? Error;
  const error = new Ctor(s.message);
  if (error.name !== s.name) {
    Object.defineProperty(error, "name", {
      value: s.name,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  if (s.stack !== undefined) error.stack = s.stack;
  Object.assign(error, s.props);
  return error;
}

/**
 * The sending side of {@link rebuildError}, for code that runs as a module in the other thread
 * (worker runtimes, `pollux/runtime`'s cores). The blocking pool's workers run the same logic
 * from their source text (`worker-source.ts`), which cannot import.
 */
export function serializeError(e: unknown): SerializedError {
  if (e === null || typeof e !== "object") return { thrown: e };
  const err = e as { constructor?: { name?: string }; name?: unknown; message?: unknown; stack?: unknown };
  const ctor = err.constructor?.name;
  const out = {
    isError: e instanceof Error,
    name: ctor !== undefined && ctor !== "Object" ? ctor : String(err.name),
    message: String(err.message),
    stack: typeof err.stack === "string" ? err.stack : undefined,
    props: {} as Record<string, unknown>,
  };
  for (const k of Object.keys(e)) {
    try {
      out.props[k] = structuredClone((e as Record<string, unknown>)[k]);
    } catch {
      // A property that cannot cross threads (a function, a socket) is left out.
    }
  }
  return out;
}
