/**
 * Lists of tasks in messages (orphans, deadlocks, abandoned tasks) are capped: a program with
 * 100,000 stuck tasks must get a readable line on stderr, not megabytes. The full list stays on
 * the report object (`tasks`, `unfinished`) and in hooks.
 */

/** How many entries a message names before it summarizes the rest. */
export const MESSAGE_LIST_MAX = 20;

/** The first `max` of `count` entries (built by `entry(i)`), joined by `separator`, then "… and N more". */
export function cappedList(
  count: number,
  entry: (i: number) => string,
  separator: string,
  where: string,
  max = MESSAGE_LIST_MAX,
): string {
  const shown: string[] = [];
  for (let i = 0; i < Math.min(count, max); i++) shown.push(entry(i));
  const rest = count - shown.length;
  return rest > 0
    ? `${shown.join(separator)}${separator}… and ${rest} more (all of them in ${where})`
    : shown.join(separator);
}
