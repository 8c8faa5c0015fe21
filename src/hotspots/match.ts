/**
 * Hotspot and artifact patterns matched against paths as a walk meets them (image file systems
 * have no host path for fast-glob). The pattern language is the catalog's: `*` and `?` within one
 * segment (dot names included, as fast-glob with `dot: true`), `{a,b}` alternatives that may hold
 * `/`; always case-insensitive.
 */
import type { ArtifactLocation, Hotspot } from './catalog.js';
import type { HotspotDir } from './expand.js';

const cache = new Map<string, RegExp>();

export function globToRegExp(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit) return hit;
  let re = '';
  let depth = 0;
  for (const ch of pattern) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '{') {
      re += '(?:';
      depth++;
    } else if (ch === '}' && depth > 0) {
      re += ')';
      depth--;
    } else if (ch === ',' && depth > 0) re += '|';
    else re += ch.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  while (depth-- > 0) re += ')';
  const out = new RegExp(`^${re}$`, 'i');
  cache.set(pattern, out);
  return out;
}

/** The hotspot directories among `dirs` (relative, '/'-separated, no leading slash), as expandHotspots finds them on disk. */
/** Image file systems have no host path: a match carries the hotspot and the display path only. */
export type MatchedHotspotDir = Pick<HotspotDir, 'hotspot' | 'relDir'>;

export function matchHotspotDirs(dirs: readonly string[], hotspots: readonly Hotspot[]): MatchedHotspotDir[] {
  const out: MatchedHotspotDir[] = [];
  for (const hotspot of hotspots) {
    const re = globToRegExp(hotspot.pattern);
    const excluded = new Set((hotspot.exclude ?? []).map((e) => e.toLowerCase()));
    for (const relDir of dirs) {
      if (!re.test(relDir)) continue;
      if (excluded.has(relDir.split('/').pop()!.toLowerCase())) continue;
      out.push({ hotspot, relDir });
    }
  }
  return out;
}

export function matchesArtifactLocation(rel: string, locations: readonly ArtifactLocation[]): boolean {
  return locations.some((l) => globToRegExp(l.pattern).test(rel));
}
