/**
 * Regular expressions that run in time linear in their input, for expressions written by someone
 * else and run over attacker-controlled text (a user's Sigma `|re` values over event-log fields of up
 * to 1 MiB). V8's default engine backtracks: `(a+)+$` over 30 letters takes seconds, over 40 hours;
 * Hayabusa and Chainsaw run Sigma expressions with Rust's `regex`, which cannot. V8's own linear
 * engine (the `l` flag, behind `--enable-experimental-regexp-engine`, enabled here once) takes the
 * expressions that need no backtracking: no back reference, no lookaround, no `u` flag. In Node 20's
 * V8 it also lacks the `i` flag, which `caseFolded` writes out as classes, and counts above 16, which
 * `expandedRepetitions` writes out. It is 30x slower than backtracking on ordinary text, so an
 * expression it takes runs on the backtracking engine and V8 moves it to the linear one once it has
 * backtracked 50,000 times (`--enable-experimental-regexp-engine-on-excessive-backtracks`): the
 * speed of the one, the bound of the other.
 */
import { canonicalTable } from './case-fold.js';
import { setV8Flag } from './v8-flags.js';

let enabled: boolean | null = null;

/** Whether the `l` flag is available (enabling it on first use: it only adds a flag, no expression changes meaning). */
function linearEngine(): boolean {
  if (enabled === null) {
    try {
      // eslint-disable-next-line no-invalid-regexp -- V8's linear-engine flag, known to V8 once enabled
      new RegExp('a', 'l');
      enabled = true;
    } catch {
      setV8Flag('enable-experimental-regexp-engine', true);
      setV8Flag('enable-experimental-regexp-engine-on-excessive-backtracks', true);
      try {
        // eslint-disable-next-line no-invalid-regexp -- as above
        new RegExp('a', 'l');
        enabled = true;
      } catch {
        enabled = false;
      }
    }
  }
  return enabled;
}

/** The units each unit matches under the `i` flag (itself included), grouped once from case-fold.ts's table. */
let foldClasses: Map<number, number[]> | null = null;

function matchedUnder(code: number): number[] {
  const canonical = canonicalTable();
  if (!foldClasses) {
    foldClasses = new Map();
    for (let c = 0; c <= 0xffff; c++) {
      const k = canonical[c]!;
      const members = foldClasses.get(k);
      if (members) members.push(c);
      else foldClasses.set(k, [c]);
    }
  }
  return foldClasses.get(canonical[code]!)!;
}

const unit = (code: number): string => `\\u${code.toString(16).padStart(4, '0')}`;

/** The UTF-16 unit an escape at `source[i]` stands for (`\xHH`, `\uHHHH`), else null (a class escape, control, back reference...). */
function escapedUnit(escape: string): number | null {
  const m = /^\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4}))$/.exec(escape);
  return m ? parseInt(m[1] ?? m[2]!, 16) : null;
}

/** How many characters an escape at `source[i]` (the backslash) spans. */
function escapeLength(source: string, i: number): number {
  const c = source[i + 1];
  if (c === undefined) return 1;
  if (c === 'x') return 4;
  if (c === 'c') return 3;
  if (c === 'u') return source[i + 2] === '{' ? Math.max(3, source.indexOf('}', i) - i + 1) : 6;
  if ((c === 'p' || c === 'P') && source[i + 2] === '{') return Math.max(3, source.indexOf('}', i) - i + 1);
  if (c === 'k' && source[i + 2] === '<') return Math.max(3, source.indexOf('>', i) - i + 1);
  return 2;
}

/**
 * `source` with the meaning it has under the `i` flag (without `u`), written for an engine without
 * it: each unit outside a class that matches others becomes the class of them all (`k` is `[Kk]`,
 * `µ` is `[µΜμ]`), and a class gains every unit its members and ranges match. Null when the source
 * has something this does not follow (a Unicode property, a named back reference, an unterminated class).
 */
export function caseFolded(source: string): string | null {
  let out = '';
  for (let i = 0; i < source.length; ) {
    const ch = source[i]!;
    if (ch === '\\') {
      const n = escapeLength(source, i);
      const escape = source.slice(i, i + n);
      if (/^\\[pPk]/.test(escape)) return null;
      const code = escapedUnit(escape);
      out += code !== null && matchedUnder(code).length > 1 ? `[${matchedUnder(code).map(unit).join('')}]` : escape;
      i += n;
      continue;
    }
    if (ch === '(' && source[i + 1] === '?' && source[i + 2] === '<' && source[i + 3] !== '=' && source[i + 3] !== '!') {
      // A named group: its name is not matched text.
      const close = source.indexOf('>', i);
      if (close < 0) return null;
      out += source.slice(i, close + 1);
      i = close + 1;
      continue;
    }
    if (ch === '[') {
      const folded = foldClass(source, i);
      if (!folded) return null;
      out += folded.text;
      i = folded.end;
      continue;
    }
    const members = matchedUnder(ch.charCodeAt(0));
    out += members.length > 1 ? `[${members.map(unit).join('')}]` : ch;
    i++;
  }
  return out;
}

/** A class `[...]` at `start` with every unit its members and ranges match under the `i` flag added. */
function foldClass(source: string, start: number): { text: string; end: number } | null {
  let i = start + 1;
  let head = '[';
  if (source[i] === '^') {
    head += '^';
    i++;
  }
  let body = '';
  const added = new Set<number>();
  const fold = (from: number, to: number): void => {
    for (let c = from; c <= to; c++) for (const m of matchedUnder(c)) if (m < from || m > to) added.add(m);
  };
  // A member: one unit (literal or \x/\u escape), else null (a class escape such as \d, \w).
  const member = (at: number): { code: number | null; text: string; next: number } => {
    if (source[at] !== '\\') return { code: source.charCodeAt(at), text: source[at]!, next: at + 1 };
    const n = escapeLength(source, at);
    const text = source.slice(at, at + n);
    return { code: escapedUnit(text), text, next: at + n };
  };
  while (i < source.length) {
    // Without the `u` flag the first `]` closes the class (`[]` matches nothing).
    if (source[i] === ']') {
      const extra = [...added].map(unit).join('');
      return { text: `${head}${body}${extra}]`, end: i + 1 };
    }
    if (/^\\[pPk]/.test(source.slice(i, i + 2))) return null;
    const from = member(i);
    if (source[from.next] === '-' && source[from.next + 1] !== undefined && source[from.next + 1] !== ']') {
      const to = member(from.next + 1);
      body += `${from.text}-${to.text}`;
      if (from.code !== null && to.code !== null && from.code <= to.code) fold(from.code, to.code);
      else {
        // `[\d-z]`: a class escape makes the `-` a literal; its other ends fold one by one.
        if (from.code !== null) fold(from.code, from.code);
        if (to.code !== null) fold(to.code, to.code);
      }
      i = to.next;
      continue;
    }
    // A literal `-` written escaped, so that the units added after it cannot make a range with it.
    body += from.text === '-' ? '\\-' : from.text;
    if (from.code !== null) fold(from.code, from.code);
    i = from.next;
  }
  return null;
}

/** Longest expression `expandedRepetitions` writes out (a Sigma `[^\\]{1,256}` is 3 KB of it). */
const MAX_EXPANDED_CHARS = 64 * 1024;

/** The end of the class `[...]` that starts at `start` (after its `]`), or -1. */
function classEnd(source: string, start: number): number {
  for (let i = start + 1; i < source.length; ) {
    if (source[i] === '\\') i += escapeLength(source, i);
    else if (source[i] === ']') return i + 1;
    else i++;
  }
  return -1;
}

/**
 * The alternatives of `source` from `at.i` up to an unmatched `)` or the end, with each counted
 * repetition written out and every group made non-capturing; null when the source is not followed
 * or grows past MAX_EXPANDED_CHARS.
 */
function expandSequence(source: string, at: { i: number }, inGroup: boolean): string | null {
  let out = '';
  while (at.i < source.length) {
    const ch = source[at.i]!;
    if (ch === ')') {
      if (inGroup) return out;
      return null;
    }
    if (ch === '|' || ch === '^' || ch === '$') {
      out += ch;
      at.i++;
      continue;
    }
    let atom: string;
    if (ch === '\\') {
      const n = escapeLength(source, at.i);
      // A back reference names a capture the copies would renumber (and would then read as an octal escape): not expanded.
      if (/[1-9k]/.test(source[at.i + 1] ?? '')) return null;
      atom = source.slice(at.i, at.i + n);
      at.i += n;
    } else if (ch === '[') {
      const end = classEnd(source, at.i);
      if (end < 0) return null;
      atom = source.slice(at.i, end);
      at.i = end;
    } else if (ch === '(') {
      const head = /^\((?:\?(?::|=|!|<=|<!|<[^>]*>))?/.exec(source.slice(at.i))![0];
      at.i += head.length;
      const inner = expandSequence(source, at, true);
      if (inner === null || source[at.i] !== ')') return null;
      at.i++;
      // Captures are never read (a test only asks whether there is a match): copies of a named group would clash.
      const kept = head === '(?=' || head === '(?!' || head === '(?<=' || head === '(?<!' ? head : '(?:';
      atom = `${kept}${inner})`;
    } else {
      atom = ch;
      at.i++;
    }
    const counted = /^\{(\d+)(,(\d*))?\}\??/.exec(source.slice(at.i));
    if (counted) {
      at.i += counted[0].length;
      const min = Number(counted[1]);
      const max = counted[2] === undefined ? min : counted[3] === '' ? Infinity : Number(counted[3]);
      if (min > MAX_EXPANDED_CHARS || (max !== Infinity && max > MAX_EXPANDED_CHARS)) return null;
      // A lazy count matches where the greedy one does: only whether there is a match is asked.
      let tail = '';
      if (max === Infinity) tail = `${atom}*`;
      else for (let k = min; k < max && tail.length <= MAX_EXPANDED_CHARS; k++) tail = `(?:${atom}${tail})?`;
      if (atom.length * min + tail.length > MAX_EXPANDED_CHARS) return null;
      atom = atom.repeat(min) + tail;
    } else {
      const q = /^(?:[*+?]\??)?/.exec(source.slice(at.i))![0];
      atom += q;
      at.i += q.length;
    }
    out += atom;
    if (out.length > MAX_EXPANDED_CHARS) return null;
  }
  return inGroup ? null : out;
}

/**
 * `source` with every counted repetition written out (`a{2,4}` as `aa(?:a(?:a)?)?`, `a{3,}` as
 * `aaaa*`) and its groups non-capturing: the same matches, in the form V8's linear engine takes
 * (it refuses a count above 16, where Rust's engine takes Sigma's `.{2,128}`); null when the result
 * would pass 64 KiB or the source is not followed.
 */
export function expandedRepetitions(source: string): string | null {
  return expandSequence(source, { i: 0 }, false);
}

/**
 * `source` with `flags` (of i, m, s) as a linear-time expression, or why it cannot be one. A source
 * that is not a valid expression at all throws SyntaxError, as `new RegExp` does.
 */
export function linearRegExp(source: string, flags: string): RegExp | string {
  new RegExp(source, flags); // not valid JavaScript: the caller's error
  if (!linearEngine()) return 'this Node has no linear-time regular-expression engine';
  const insensitive = flags.includes('i');
  const body = insensitive ? caseFolded(source) : source;
  if (body === null) return 'a case-insensitive expression with a Unicode property or a back reference by name cannot be made linear-time';
  const plainFlags = flags.replace('i', '');
  // Taken by the linear engine (tried with `l`), so V8 can move it there; run as backtracking until then.
  const linear = (candidate: string): boolean => {
    try {
      new RegExp(candidate, `${plainFlags}l`);
      return true;
    } catch {
      return false;
    }
  };
  if (linear(body)) return new RegExp(body, plainFlags);
  // A counted repetition above V8's limit, written out; what still fails needs backtracking.
  const expanded = expandedRepetitions(body);
  if (expanded !== null && linear(expanded)) return new RegExp(expanded, plainFlags);
  return 'it needs backtracking (a back reference, a lookahead or lookbehind), or its counted repetitions written out pass 64 KiB: either can take hours on a hostile field';
}
