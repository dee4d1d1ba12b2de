/**
 * Names for otherwise anonymous objects in descriptions: `channel #3`, `mutex #1`. A deadlock
 * report or task dump that says two tasks wait on "a channel" cannot show that it is the SAME
 * channel; a number can.
 *
 * WHY lazily: numbering at creation would cost a field and a counter bump per channel, lock and
 * notify, paid by every program for the sake of the rare report. Here an object is numbered the
 * first time a description asks for it (a WeakMap entry, then stable for its lifetime), so the
 * numbers count described objects, in the order they were first described.
 */
const ids = new WeakMap<object, number>();
const counters = new Map<string, number>();

/**
 * `kind #n`: the number `object` got when first described, per `kind`.
 *
 * @example
 * instanceLabel(chan, "channel"); // "channel #1", the same on every later call for `chan`
 */
export function instanceLabel(object: object, kind: string): string {
  let id = ids.get(object);
  if (id === undefined) {
    id = (counters.get(kind) ?? 0) + 1;
    counters.set(kind, id);
    ids.set(object, id);
  }
  return `${kind} #${id}`;
}

/** `#3 "name"` for a task, or `a task outside any runtime` when unknown. */
export function taskLabel(task: { readonly id: number; readonly name: string | undefined } | null): string {
  if (task === null) return "a task outside any runtime";
  return task.name === undefined ? `task #${task.id}` : `task #${task.id} "${task.name}"`;
}
