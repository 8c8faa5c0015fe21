/**
 * The hotspot pattern language, one matcher for every root (a mounted directory or a file system
 * inside an image): patterns are split into segments and matched one path segment at a time,
 * case-insensitively. `expand.ts` uses the segments to descend pattern-directed through an
 * EvidenceFs; `pathMatches` tests a path that is already known (NTFS traces name paths that no
 * listing holds).
 *
 * Syntax: `*`, `?`, `[abc]`/`[!abc]` inside a segment (dot names included), `{a,b}` (may span
 * segments, may nest), `**` (zero or more directories, at most MAX_GLOBSTAR_DEPTH).
 */
import type { Hotspot } from './catalog.js';
import type { HotspotDir } from './expand.js';

/** Alternatives one pattern may expand to ({a,b} x {c,d} ...), and `**` levels searched. */
const MAX_BRACE_EXPANSIONS = 1024;
export const MAX_GLOBSTAR_DEPTH = 16;

/** `{a,b}c` -> ['ac', 'bc'], innermost-first, bounded. */
export function expandBraces(pattern: string): string[] {
  const out: string[] = [];
  const pending = [pattern];
  while (pending.length > 0 && out.length < MAX_BRACE_EXPANSIONS) {
    const p = pending.pop()!;
    const close = p.indexOf('}');
    const open = close < 0 ? -1 : p.lastIndexOf('{', close);
    if (open < 0) {
      out.push(p);
      continue;
    }
    const head = p.slice(0, open);
    const tail = p.slice(close + 1);
    const alternatives = p.slice(open + 1, close).split(',');
    for (let i = alternatives.length - 1; i >= 0 && pending.length < MAX_BRACE_EXPANSIONS; i--) pending.push(head + alternatives[i]! + tail);
  }
  return [...new Set(out)];
}

export type Segment = { kind: 'globstar' } | { kind: 'match'; test(name: string): boolean };

function segmentMatcher(seg: string): Segment {
  if (seg === '**') return { kind: 'globstar' };
  if (!/[*?[]/.test(seg)) {
    const lower = seg.toLowerCase();
    return { kind: 'match', test: (name) => name.toLowerCase() === lower };
  }
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const ch = seg[i]!;
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else if (ch === '[') {
      const end = seg.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        const body = seg.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else re += ch.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  const regex = new RegExp(`^${re}$`, 'is');
  return { kind: 'match', test: (name) => regex.test(name) };
}

const compiled = new Map<string, Segment[][]>();

/** A pattern as its brace alternatives, each a list of segment matchers (cached: catalogs are small). */
export function compilePattern(pattern: string): Segment[][] {
  let alts = compiled.get(pattern);
  if (!alts) {
    alts = expandBraces(pattern)
      .map((alt) => alt.split('/').filter((s) => s !== '' && s !== '.').map(segmentMatcher))
      .filter((segs) => segs.length > 0);
    if (compiled.size < 10_000) compiled.set(pattern, alts);
  }
  return alts;
}

/** Whether `relPath` ('/'-separated, relative to the root) matches `pattern` as a whole. */
export function pathMatches(pattern: string, relPath: string): boolean {
  const parts = relPath.split('/').filter((s) => s !== '');
  return compilePattern(pattern).some((segs) => segmentsMatch(segs, parts));
}

/** Iterative match of segments against path parts: states are (segment, part, levels in the current `**`). */
function segmentsMatch(segs: Segment[], parts: string[]): boolean {
  const stack: Array<[number, number, number]> = [[0, 0, 0]];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const [i, j, star] = stack.pop()!;
    const key = `${i},${j},${star}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (i === segs.length) {
      if (j === parts.length) return true;
      continue;
    }
    const seg = segs[i]!;
    if (seg.kind === 'globstar') {
      // Zero directories: the next segment applies here; one more: consume a part and stay on `**`.
      if (i + 1 < segs.length) stack.push([i + 1, j, 0]);
      else if (j === parts.length && j > 0) return true;
      if (j < parts.length && star < MAX_GLOBSTAR_DEPTH) stack.push([i, j + 1, star + 1]);
      continue;
    }
    if (j < parts.length && seg.test(parts[j]!)) stack.push([i + 1, j + 1, 0]);
  }
  return false;
}

/** Image file systems and NTFS traces: a match carries the hotspot and the display path only. */
export type MatchedHotspotDir = Pick<HotspotDir, 'hotspot' | 'relDir'>;

/** The hotspot directories among `dirs` (relative, '/'-separated, no leading slash), as `expandRoot` would find them. */
export function matchHotspotDirs(dirs: readonly string[], hotspots: readonly Hotspot[]): MatchedHotspotDir[] {
  const out: MatchedHotspotDir[] = [];
  for (const hotspot of hotspots) {
    const excluded = new Set((hotspot.exclude ?? []).map((e) => e.toLowerCase()));
    for (const relDir of dirs) {
      if (!pathMatches(hotspot.pattern, relDir)) continue;
      if (excluded.has(relDir.split('/').pop()!.toLowerCase())) continue;
      out.push({ hotspot, relDir });
    }
  }
  return out;
}
