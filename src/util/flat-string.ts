/**
 * Strings a scan holds until the report is written (a kept candidate's times, reasons and events)
 * are mostly built by concatenation: V8 keeps such a string as a tree of its parts (a "cons"
 * string over the slices it was made of), about twice the bytes of the text once it is longer than
 * a dozen characters. `flatString` returns the same text as one flat string (docs/performance.md,
 * "Timeline from the findings and the walk's peak").
 */

/** V8 builds a cons (or sliced) string only from this length on; shorter ones are already flat copies. */
const MIN_CONS_LENGTH = 13;

/** The same text, as one sequential string (Array.prototype.join writes its result flat). */
export function flatString(s: string): string {
  if (s.length < MIN_CONS_LENGTH) return s;
  const half = s.length >> 1;
  return [s.slice(0, half), s.slice(half)].join('');
}

/** `flatString` of a value that may be absent. */
export function flatOrNull<T extends string | null | undefined>(s: T): T {
  return (typeof s === 'string' ? flatString(s) : s) as T;
}
