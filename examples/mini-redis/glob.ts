/**
 * Redis's glob-style patterns (PSUBSCRIBE, CONFIG GET): `*` any run, `?` any one character,
 * `[abc]`, `[^abc]`, `[a-z]` classes, `\x` a literal x.
 *
 * HOW: iterative matching with one backtrack point (the last `*`), so a pattern like `a*a*a*b`
 * against a long string costs O(pattern × text) at worst, never exponential time.
 */

/**
 * Whether `text` matches the glob `pattern`.
 *
 * @example
 * globMatch("news.*", "news.sport"); // true
 */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    if (p < pattern.length) {
      const c = pattern[p]!;
      if (c === "*") {
        starP = p++;
        starT = t;
        continue;
      }
      if (c === "?") {
        p++;
        t++;
        continue;
      }
      if (c === "[") {
        const end = classMatch(pattern, p, text[t]!);
        if (end > 0) {
          p = end;
          t++;
          continue;
        }
      } else {
        let lit = c;
        let next = p + 1;
        if (c === "\\" && p + 1 < pattern.length) {
          lit = pattern[p + 1]!;
          next = p + 2;
        }
        if (lit === text[t]) {
          p = next;
          t++;
          continue;
        }
      }
    }
    if (starP === -1) return false;
    p = starP + 1;
    t = ++starT;
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}

/** Match `ch` against the class starting at `pattern[p] === "["`: the index after `]`, or -1. */
function classMatch(pattern: string, p: number, ch: string): number {
  let i = p + 1;
  const negate = pattern[i] === "^";
  if (negate) i++;
  let matched = false;
  while (i < pattern.length && pattern[i] !== "]") {
    if (pattern[i] === "\\" && i + 1 < pattern.length) {
      if (pattern[i + 1] === ch) matched = true;
      i += 2;
    } else if (i + 2 < pattern.length && pattern[i + 1] === "-" && pattern[i + 2] !== "]") {
      let lo = pattern[i]!;
      let hi = pattern[i + 2]!;
      if (lo > hi) [lo, hi] = [hi, lo];
      if (ch >= lo && ch <= hi) matched = true;
      i += 3;
    } else {
      if (pattern[i] === ch) matched = true;
      i++;
    }
  }
  // An unterminated class ends at the pattern's end, as in Redis.
  const end = i < pattern.length ? i + 1 : i;
  return matched !== negate ? end : -1;
}
