/**
 * Names for otherwise anonymous objects in descriptions: `channel #3`, `mutex #1`. A deadlock
 * report or task dump that says two tasks wait on "a channel" cannot show that it is the SAME
 * channel; a number can.
 *
 * WHY lazily: numbering at creation would cost a field and a counter bump per channel, lock and
 * notify, paid by every program for the sake of the rare report. Here an object is numbered the
 * first time a description asks for it (a WeakMap entry, then stable for its lifetime).
 *
 * WHY scopes: the runtime describes its tasks inside its own scope (`withLabelScope`), so numbers
 * count the objects that runtime's reports mentioned, in order. A replayed simulation then prints
 * the same `channel #1` every time, whatever other runtimes in the process described before.
 * Descriptions outside any runtime's report use a process-wide scope.
 */

/** One numbering: ids per object, and the last id given per kind. */
export interface LabelScope {
  readonly ids: WeakMap<object, number>;
  readonly counters: Map<string, number>;
}

export function newLabelScope(): LabelScope {
  return { ids: new WeakMap(), counters: new Map() };
}

let scope: LabelScope = newLabelScope();

/** Run `fn` with descriptions numbering objects in `s`. */
export function withLabelScope<R>(s: LabelScope, fn: () => R): R {
  const prev = scope;
  scope = s;
  try {
    return fn();
  } finally {
    scope = prev;
  }
}

/**
 * `kind #n`: the number `object` got when first described (in the current scope), per `kind`.
 *
 * @example
 * instanceLabel(chan, "channel"); // "channel #1", the same on every later call for `chan`
 */
export function instanceLabel(object: object, kind: string): string {
  const { ids, counters } = scope;
  let id = ids.get(object);
  if (id === undefined) {
    id = (counters.get(kind) ?? 0) + 1;
    counters.set(kind, id);
    ids.set(object, id);
  }
  return `${kind} #${id}`;
}

/** `task #3 "name"`, or `a task outside any runtime` when unknown. */
export function taskLabel(task: { readonly id: number; readonly name: string | undefined } | null): string {
  if (task === null) return "a task outside any runtime";
  return task.name === undefined ? `task #${task.id}` : `task #${task.id} "${task.name}"`;
}
