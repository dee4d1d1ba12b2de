/**
 * Command lookup straight from the request bytes, ignoring ASCII case.
 *
 * WHY not a `Map<string, Command>`. Every request names its command, so the lookup runs once per
 * request; decoding the name into a string (and lower-casing it when the client spells it in
 * another case) allocated and cost a native call each time, before even reaching the map. Here the
 * name's bytes are compared in place: nothing is allocated.
 *
 * HOW. Entries are grouped by name length (names are short, so an array indexed by length). A
 * lookup compares the bytes against the few names of that length, folding case with `| 0x20`: for
 * a table of letters only (checked when an entry is added), `b | 0x20` equals a lower-case letter
 * exactly when `b` is that letter in either case, so the match is the same as comparing the
 * lower-cased strings. (A byte above 127 never matches, as its latin1 lower case is never ASCII.)
 */

interface Entry<T> {
  /** The name in lower case, one char code per byte. */
  readonly lower: Uint8Array;
  readonly value: T;
}

/**
 * A case-insensitive table of ASCII-letter names, looked up by byte range.
 *
 * @example
 * const t = new NameTable<number>();
 * t.add("get", 1);
 * t.find(Buffer.from("GET"), 0, 3); // 1
 */
export class NameTable<T> {
  /** Entries by name length. */
  private readonly byLength: Entry<T>[][] = [];

  /** Add `name` (letters only; any case). */
  add(name: string, value: T): void {
    if (!/^[a-zA-Z]+$/.test(name)) throw new Error(`NameTable: '${name}' is not made of letters only`);
    const lower = Buffer.from(name.toLowerCase(), "latin1");
    const list = this.byLength[lower.length] ?? [];
    for (let l = this.byLength.length; l < lower.length; l++) this.byLength[l] = [];
    list.push({ lower: new Uint8Array(lower), value });
    this.byLength[lower.length] = list;
  }

  /** The value named by `bytes[s..e)` in any case, or undefined. */
  find(bytes: Uint8Array, s: number, e: number): T | undefined {
    const list = this.byLength[e - s];
    if (list === undefined) return undefined;
    const n = e - s;
    next: for (let j = 0; j < list.length; j++) {
      const entry = list[j]!;
      const lower = entry.lower;
      for (let k = 0; k < n; k++) {
        if ((bytes[s + k]! | 0x20) !== lower[k]) continue next;
      }
      return entry.value;
    }
    return undefined;
  }
}
