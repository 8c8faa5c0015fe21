/**
 * Suppression that users control (issue 11): `--exclude GLOB` and `--allowlist FILE`. Applied
 * after correlation and before scoring: a whole finding (by path glob or SHA-256 of the file) or
 * one rule's reasons (by rule id, optionally only under a path glob). Nothing is silently dropped:
 * every suppression is counted in the summary and listed in the JSON report with its reason.
 *
 * Allowlist file: a JSON array of entries, each with a `reason` and one of
 *   { "path": "ProgramData/Vendor/backup/**" }            a path glob (root-relative, case-insensitive)
 *   { "sha256": "<64 hex>" }                                the file's content
 *   { "rule": "hidden-dir-in-temp", "path": "tmp/**" }     a rule's reasons (under a path glob if given)
 */
import { fileErrorText } from '../util/errno.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Candidate } from './types.js';
import { globToRegExp } from './producers.js';
import type { SuppressedFinding } from '../model/report.js';

export class AllowlistError extends Error {}

/** Reasons the scoring stage adds (the place), which a rule entry applied before scoring cannot reach. */
const SCORING_TIME_RULES = new Set(['in-staging-location', 'known-benign-producer']);

export interface AllowEntry {
  path?: string;
  sha256?: string;
  rule?: string;
  reason: string;
  /** Where the entry came from: the allowlist file or --exclude. */
  source: string;
}

interface CompiledEntry extends AllowEntry {
  re: RegExp | null;
}

export interface Allowlist {
  entries: CompiledEntry[];
}

/** Hashes files only when a sha256 entry exists; returns null for what cannot be read. */
export type FileHasher = (relPath: string) => string | null;

export function compileAllowlist(entries: AllowEntry[]): Allowlist {
  return { entries: entries.map((e) => ({ ...e, sha256: e.sha256?.toLowerCase(), re: e.path ? globToRegExp(e.path) : null })) };
}

/** Reads an allowlist file; a bad file is one clear error (exit 2 at the CLI). */
export function loadAllowlistFile(file: string, knownRules: ReadonlySet<string>): AllowEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AllowlistError(`cannot read allowlist ${file}: ${fileErrorText(err)}`);
  }
  if (!Array.isArray(raw)) throw new AllowlistError(`allowlist ${file}: expected a JSON array of entries`);
  return raw.map((e: unknown, i: number) => {
    const x = e as Partial<AllowEntry>;
    const where = `allowlist ${file}, entry ${i + 1}`;
    if (!x || typeof x !== 'object') throw new AllowlistError(`${where}: expected an object`);
    if (typeof x.reason !== 'string' || x.reason.trim() === '') throw new AllowlistError(`${where}: every entry needs a reason`);
    if (x.path === undefined && x.sha256 === undefined && x.rule === undefined) throw new AllowlistError(`${where}: give a path glob, a sha256 or a rule id`);
    if (x.path !== undefined && (typeof x.path !== 'string' || x.path === '')) throw new AllowlistError(`${where}: path must be a glob string`);
    if (x.sha256 !== undefined && (typeof x.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(x.sha256))) throw new AllowlistError(`${where}: sha256 must be 64 hex digits`);
    if (x.rule !== undefined && (typeof x.rule !== 'string' || !knownRules.has(x.rule))) throw new AllowlistError(`${where}: unknown rule '${String(x.rule)}'`);
    if (x.rule !== undefined && SCORING_TIME_RULES.has(x.rule)) throw new AllowlistError(`${where}: '${x.rule}' is added while scoring, not by a detector: suppress the place with a path entry or --exclude`);
    return { path: x.path, sha256: x.sha256, rule: x.rule, reason: x.reason, source: file };
  });
}

function record(c: Candidate, root: string, e: CompiledEntry, matched: SuppressedFinding['matched'], rule: string | null): SuppressedFinding {
  const s: SuppressedFinding = { root, path: c.path, kind: c.kind, rule, matched, pattern: e.sha256 ?? e.path ?? e.rule ?? '', reason: e.reason, source: e.source };
  if (c.key !== undefined) s.key = c.key;
  if (c.value !== undefined) s.value = c.value;
  if (c.line !== undefined) s.line = c.line;
  if (c.entry !== undefined) s.entry = c.entry;
  return s;
}

/**
 * Removes suppressed candidates and reasons in place; returns what was suppressed. Only candidates
 * that would become findings (a positive hit) are considered, so the list is of findings.
 */
export function applyAllowlist(candidates: Candidate[], list: Allowlist, root: string, positive: (c: Candidate) => boolean, hashOf: FileHasher): SuppressedFinding[] {
  if (list.entries.length === 0) return [];
  const out: SuppressedFinding[] = [];
  const hashes = new Map<string, string | null>();
  const sha = (relPath: string): string | null => {
    if (!hashes.has(relPath)) hashes.set(relPath, hashOf(relPath));
    return hashes.get(relPath)!;
  };
  const keep: Candidate[] = [];
  for (const c of candidates) {
    if (!positive(c)) {
      keep.push(c);
      continue;
    }
    let dropped: SuppressedFinding | null = null;
    for (const e of list.entries) {
      if (e.rule !== undefined) continue;
      if (e.re && e.re.test(c.path)) dropped = record(c, root, e, 'path', null);
      else if (e.sha256 && c.kind === 'file' && sha(c.path) === e.sha256) dropped = record(c, root, e, 'sha256', null);
      if (dropped) break;
    }
    if (!dropped) {
      for (const e of list.entries) {
        if (e.rule === undefined || (e.re && !e.re.test(c.path))) continue;
        const before = c.hits.length;
        c.hits = c.hits.filter((h) => h.rule !== e.rule);
        if (c.hits.length < before) out.push(record(c, root, e, 'rule', e.rule));
      }
    }
    if (dropped) out.push(dropped);
    else if (positive(c)) keep.push(c);
  }
  candidates.length = 0;
  for (const c of keep) candidates.push(c);
  return out;
}

/** SHA-256 of a file read through an already-open evidence source, streamed in bounded chunks. */
export function sha256Of(read: (pos: number, len: number) => Buffer, size: number): string {
  const h = createHash('sha256');
  const CHUNK = 1024 * 1024;
  for (let pos = 0; pos < size; pos += CHUNK) {
    const b = read(pos, Math.min(CHUNK, size - pos));
    if (b.length === 0) break;
    h.update(b);
  }
  return h.digest('hex');
}
