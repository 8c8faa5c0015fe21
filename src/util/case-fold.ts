/**
 * Case folding as JavaScript's `i` flag (without `u`) compares text: each UTF-16 unit by its
 * ECMA-262 Canonicalize, its upper case when that is one unit, and never an ASCII one for a unit that
 * is not ASCII (so `ſ` is not `S`, the Kelvin sign not `K`). Two strings match under `/x/i` exactly
 * where their folded forms match without it, unit for unit: Sigma's case-insensitive values are
 * compared on folded fields by plain string search (artifacts/evtx/sigma.ts), and a linear-time
 * expression writes `i` out as classes (util/linear-regexp.ts).
 */

/** The unit `code` is compared by under the `i` flag. */
export function canonicalUnit(code: number): number {
  const upper = String.fromCharCode(code).toUpperCase();
  if (upper.length !== 1) return code;
  const u = upper.charCodeAt(0);
  return code >= 128 && u < 128 ? code : u;
}

/** canonicalUnit of every unit, built on first use (65,536 upper-casings, about 10 ms): non-ASCII text, the classes of util/linear-regexp.ts. */
let table: Uint16Array | null = null;

export function canonicalTable(): Uint16Array {
  if (!table) {
    table = new Uint16Array(0x10000);
    for (let c = 0; c <= 0xffff; c++) table[c] = canonicalUnit(c);
  }
  return table;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** `text` with every unit folded (same length, unit for unit). */
export function foldCase(text: string): string {
  // ASCII's canonical form is its upper case, which the engine does natively.
  if (isAscii(text)) return text.toUpperCase();
  const t = canonicalTable();
  let out = '';
  for (let i = 0; i < text.length; i++) out += String.fromCharCode(t[text.charCodeAt(i)]!);
  return out;
}
