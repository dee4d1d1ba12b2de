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
