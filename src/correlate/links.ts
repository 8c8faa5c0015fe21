/**
 * Cross-artifact links (docs/correlation.md): a history command or registry MRU that names a
 * path + a file found there, a $I record whose original path it is, or nothing at all.
 * Each link adds a reason to every finding involved, saying what the other evidence is.
 */
import type { Candidate, Hit } from '../rules/types.js';
import { normalizeNamedPath, relMatches, volumeStem, type NormalizedPath } from './paths.js';

export interface CorrelateOptions {
  windows: boolean;
  /** Checks whether a root-relative path exists (case-insensitively on Windows); bounded by the caller. */
  exists(rel: string): boolean;
  /** Upper bound on named paths examined (hostile histories can name millions). */
  maxNames?: number;
}

function describeSource(c: Candidate): string {
  switch (c.kind) {
    case 'history': {
      const who = c.user ? `${c.user}'s` : 'a';
      const shell = typeof c.details?.shell === 'string' ? `${c.details.shell} ` : '';
      return `${who} ${shell}history (${c.path}) at line ${c.line ?? '?'}`;
    }
    case 'registry':
      return `registry ${c.key ?? ''}${c.value !== undefined ? `\\${c.value}` : ''} in ${c.path}`;
    case 'recycle-bin':
    case 'trash':
      return `${c.kind === 'trash' ? 'Trash' : 'Recycle Bin'} record ${c.path}${c.deletedAt ? ` (deleted ${c.deletedAt})` : ''}`;
    default:
      return c.path;
  }
}

function ruleForSource(c: Candidate): string | null {
  if (c.kind === 'history') return 'named-in-history';
  if (c.kind === 'registry') return 'named-in-registry';
  return null;
}

function addHit(c: Candidate, hit: Hit, seen: Set<string>): void {
  const key = `${c.kind}\u0000${c.path}\u0000${c.key ?? ''}\u0000${c.value ?? ''}\u0000${c.line ?? ''}\u0000${c.originalPath ?? ''}\u0000${hit.rule}\u0000${hit.message}`;
  if (seen.has(key)) return;
  seen.add(key);
  c.hits.push(hit);
}

export function correlate(candidates: Candidate[], opts: CorrelateOptions): number {
  const seen = new Set<string>();
  const maxNames = opts.maxNames ?? 50_000;
  const files = candidates.filter((c) => (c.kind === 'file' || c.kind === 'directory') && c.hits.length > 0);
  const filesByRel = new Map<string, Candidate[]>();
  const filesByBase = new Map<string, Candidate[]>();
  for (const f of files) {
    const rel = f.path.toLowerCase();
    filesByRel.set(rel, [...(filesByRel.get(rel) ?? []), f]);
    const stem = volumeStem(rel);
    if (stem !== rel) filesByRel.set(stem, [...(filesByRel.get(stem) ?? []), f]);
    const base = rel.slice(rel.lastIndexOf('/') + 1);
    filesByBase.set(base, [...(filesByBase.get(base) ?? []), f]);
  }
  const deleted = candidates
    .filter((c) => (c.kind === 'recycle-bin' || c.kind === 'trash') && c.originalPath)
    .map((c) => ({ c, norm: normalizeNamedPath(c.originalPath!, { windows: opts.windows || /^[a-z]:\\/i.test(c.originalPath!) }) }));

  let examined = 0;
  let links = 0;
  for (const source of candidates) {
    const rule = ruleForSource(source);
    if (!rule || !source.names) continue;
    for (const named of source.names) {
      if (++examined > maxNames) return links;
      const norm: NormalizedPath = normalizeNamedPath(named.path, { windows: opts.windows, user: source.user });
      const what = describeSource(source);
      let linked = false;
      // 1. A finding at that path.
      const targets = norm.rel
        ? norm.rel.includes('*')
          ? [...filesByRel.entries()].filter(([rel]) => relMatches(norm.rel!, rel)).flatMap(([, v]) => v)
          : (filesByRel.get(norm.rel) ?? [])
        : (filesByBase.get(norm.base) ?? []).length === 1
          ? filesByBase.get(norm.base)!
          : [];
      for (const target of targets) {
        if (target === source) continue;
        addHit(target, { rule, message: `${named.role === 'writes' ? 'written' : named.role === 'mru' ? 'opened by an archiver' : named.role === 'deletes' ? 'deleted' : 'named'} per ${what}${norm.rel ? '' : ' (same file name)'}` }, seen);
        addHit(source, { rule: 'linked-file-found', message: `${target.path} found by the scan` }, seen);
        linked = true;
        links++;
      }
      // 2. A Recycle Bin / Trash record whose original path it is.
      for (const d of deleted) {
        const deletedRel = d.norm.rel ? volumeStem(d.norm.rel) : null;
        const match = norm.rel && deletedRel ? (norm.rel.includes('*') ? relMatches(norm.rel, deletedRel) || relMatches(norm.rel, d.norm.rel!) : norm.rel === deletedRel || norm.rel === d.norm.rel) : !norm.rel && norm.base === d.norm.base;
        if (!match || d.c === source) continue;
        addHit(d.c, { rule, message: `the deleted item is named in ${what}` }, seen);
        addHit(source, { rule: 'linked-recycle-bin', message: `deleted to the ${d.c.kind === 'trash' ? 'Trash' : 'Recycle Bin'}${d.c.deletedAt ? ` at ${d.c.deletedAt}` : ''} (${d.c.path})` }, seen);
        linked = true;
        links++;
      }
      // 3. Present but unremarkable, or gone altogether.
      if (!linked && norm.rel && !norm.rel.includes('*') && (named.role === 'writes' || named.role === 'mru')) {
        if (opts.exists(norm.rel)) addHit(source, { rule: 'linked-file-present', message: `${named.path} exists in the image` }, seen);
        else if (named.role === 'writes') addHit(source, { rule: 'named-path-missing', message: `${named.path} is not in the image nor in the Recycle Bin` }, seen);
      }
    }
  }
  return links;
}
