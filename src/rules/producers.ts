/**
 * Known-benign producers (docs/scoring.md): programs that write what looks like staging in their
 * own folders (Defender's encrypted quarantine, WER dumps, ESE databases of Search and BITS, key
 * stores, package and browser caches, rotated logs). Data with a reference each, in
 * src/rules/data/producers/benign-producers.json. A match lowers a finding (rule
 * `known-benign-producer`) and stops the place from being scored, unless independent evidence
 * points at staging: then the producer explains nothing and the finding keeps its score.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dataDir } from '../util/package-root.js';
import type { Hit } from './types.js';

export interface BenignProducer {
  id: string;
  description: string;
  /** Root-relative globs ('/'-separated, case-insensitive; '*' within a name, '**' any depth, {a,b}). */
  paths: string[];
  /** Log rotation: the name must be a rotation of a live file next to it (name.N[.gz], name-YYYYMMDD[.gz]). */
  rotation?: boolean;
  references: string[];
}

interface CompiledProducer extends BenignProducer {
  res: RegExp[];
}

/**
 * Reasons that are evidence of staging whatever folder the file is in: a producer's ordinary
 * output never carries them, so they switch the producer off (a staging tool's archive dropped
 * into a cache folder is still caught).
 */
export const INDEPENDENT_EVIDENCE = new Set([
  'archive-encrypted',
  'archive-headers-encrypted',
  'archive-sensitive-contents',
  'archive-multi-user-contents',
  'archive-user-data-contents',
  'archive-split-volume',
  'archive-split-volume-staged',
  'split-archive-volume',
  'named-in-history',
  'named-in-registry',
  'linked-recycle-bin',
  'linked-file-found',
  'bulk-text-export',
]);

/** A glob as an anchored, case-insensitive regular expression. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      // '**/' matches zero or more folders; a trailing '**' anything below.
      if (glob[i + 2] === '/') {
        re += '(?:[^/]+/)*';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const close = glob.indexOf('}', i);
      if (close < 0) re += '\\{';
      else {
        re += `(?:${glob.slice(i + 1, close).split(',').map((alt) => alt.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')).join('|')})`;
        i = close;
      }
    } else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}

let cached: CompiledProducer[] | null = null;

export function loadBenignProducers(file = path.join(dataDir('rules', 'data'), 'producers', 'benign-producers.json')): CompiledProducer[] {
  if (cached) return cached;
  const raw = JSON.parse(readFileSync(file, 'utf8')) as BenignProducer[];
  if (!Array.isArray(raw)) throw new Error(`${file}: expected an array of producers`);
  cached = raw.map((p) => {
    if (!p.id || !Array.isArray(p.paths) || !Array.isArray(p.references) || p.references.length === 0) throw new Error(`${file}: producer ${JSON.stringify(p.id)} needs id, paths and references`);
    return { ...p, res: p.paths.map(globToRegExp) };
  });
  return cached;
}

const ROTATED = /^(.+?)(?:\.\d{1,3}|-\d{8})(?:\.(?:gz|bz2|xz|zst))?$/i;

/** The producer that owns this path, or null. `exists` answers whether a root-relative path exists. */
export function benignProducerFor(relPath: string, exists: ((relPath: string) => boolean) | undefined): CompiledProducer | null {
  for (const p of loadBenignProducers()) {
    if (!p.res.some((re) => re.test(relPath))) continue;
    if (p.rotation) {
      const slash = relPath.lastIndexOf('/');
      const m = ROTATED.exec(relPath.slice(slash + 1));
      if (!m || !exists || !exists(`${relPath.slice(0, slash + 1)}${m[1]}`)) continue;
    }
    return p;
  }
  return null;
}

/** The lowering hit for a finding with these hits at `relPath`, or null (no producer, or independent evidence). */
export function benignProducerHit(relPath: string, hits: readonly Hit[], exists: ((relPath: string) => boolean) | undefined): Hit | null {
  if (hits.some((h) => INDEPENDENT_EVIDENCE.has(h.rule))) return null;
  const p = benignProducerFor(relPath, exists);
  if (!p) return null;
  return { rule: 'known-benign-producer', message: `${p.description} (producer ${p.id}; ${p.references[0]})` };
}
