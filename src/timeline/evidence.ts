/**
 * Per-finding facts the episode grouping needs (docs/episodes.md): when it happened, where,
 * by whom, which kind of evidence it is, and which other paths it names.
 */
import { relDirOf } from '../model/evidence.js';
import type { Finding } from '../model/finding.js';
import { normalizeNamedPath, volumeStem } from '../correlate/paths.js';
import { maxOf, minOf, pushAll } from '../util/arrays.js';
import { isArchiveFormat } from '../fingerprint/formats.js';

import { FINDING_KINDS, isNtfsTrace, type EvidenceKind } from '../model/kinds.js';

const RECYCLE_DIR = /(^|\/)(\$recycle\.bin|recycler|recycled|\.trash[^/]*|trash)(\/|$)/i;

export interface FindingFacts {
  finding: Finding;
  /** Epoch ms of the moment the finding stands for, or null when it has no trustworthy time. */
  time: number | null;
  /** End of its own span (a burst's last file), else equal to time. */
  end: number | null;
  kind: EvidenceKind;
  /** Lower-cased directory the evidence is about (the original folder for deleted items). */
  place: string | null;
  /** Lower-cased volume-set key for split archives (bk.part2.rar -> .../bk.rar), or the path itself. */
  stem: string | null;
  /** User names taken from the finding's own user field. */
  users: string[];
  /** A user inferred from a profile path (Users/alice/..., home/alice/...), weaker than `users`. */
  pathUser: string | null;
  /** Lower-cased root-relative paths this finding names (commands, MRU targets, original paths). */
  named: string[];
}

/** The earliest and latest of the members' times and span ends (null when none has one): an episode's start and end. */
export function timeSpan(members: readonly FindingFacts[]): { first: number | null; last: number | null } {
  let first: number | null = null;
  let last: number | null = null;
  const see = (t: number | null): void => {
    if (t === null) return;
    if (first === null || t < first) first = t;
    if (last === null || t > last) last = t;
  };
  for (const m of members) {
    see(m.time);
    see(m.end);
  }
  return { first, last };
}

/** An instant says its zone: 'Z' or an offset. */
const ZONED = /(Z|[+-]\d\d:?\d\d)$/;

/**
 * Epoch milliseconds of an ISO time, or null. A time without a zone (a local time as the evidence
 * wrote it: a .trashinfo's DeletionDate whose zone is unknown) is no instant: null, where Date.parse
 * would read it in the zone of the machine running the scan and the report would depend on it.
 */
export function parseTime(t: string | null | undefined): number | null {
  if (typeof t !== 'string' || t === '' || !ZONED.test(t)) return null;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : ms;
}

function detailString(f: Finding, key: string): string | null {
  const v = f.details?.[key];
  return typeof v === 'string' ? v : null;
}

/** Burst window of a directory finding, when the directory rules recorded one. */
export function burstOf(f: Finding): { start: number; end: number; count: number; types: string[] } | null {
  const b = f.details?.burst as Record<string, unknown> | undefined;
  if (!b || typeof b !== 'object') return null;
  const start = parseTime(b.start as string);
  const end = parseTime(b.end as string);
  if (start === null || end === null) return null;
  const types = Array.isArray(b.types) ? b.types.filter((t): t is string => typeof t === 'string') : [];
  return { start, end, count: typeof b.count === 'number' ? b.count : 0, types };
}

/**
 * The moment a finding stands for. File times prefer modified over born: a copy keeps its
 * modification time, while birth/change times on a mounted copy often record the imaging.
 * History lines without their own timestamp have none (the file time only bounds the last line).
 */
function keyTimes(f: Finding): [number | null, number | null] {
  const burst = burstOf(f);
  if (burst) return [burst.start, burst.end];
  if (f.kind === 'execution') return executionSpan(f);
  let t: number | null;
  // NTFS traces (issue 13): from the file's creation to its deletion.
  if (isNtfsTrace(f)) {
    // ($SI times may be timestomped: the journal's or $FN's creation and the deletion bound the span.)
    const born = parseTime(f.times.born) ?? parseTime(f.deletedAt);
    return [born, parseTime(f.deletedAt) ?? born];
  }
  if (f.kind === 'recycle-bin' || f.kind === 'trash') t = parseTime(f.deletedAt) ?? parseTime(f.times.modified);
  else if (f.kind === 'registry') t = parseTime(detailString(f, 'lastRun')) ?? parseTime(detailString(f, 'keyLastWritten'));
  else if (f.kind === 'history' || f.kind === 'event') t = parseTime(detailString(f, 'time'));
  // An LNK, Jump List or ShellBags entry stands for when it was opened or browsed (the file's own times are the artifact's).
  else if (f.kind === 'access') t = parseTime(detailString(f, 'accessTime')) ?? parseTime(f.times.modified);
  else t = parseTime(f.times.modified) ?? parseTime(f.times.born);
  return [t, t];
}


/** A program run spans its recorded run times (Prefetch keeps 8): first to last. */
function executionSpan(f: Finding): [number | null, number | null] {
  const runs = Array.isArray(f.details?.runTimes) ? f.details.runTimes.map((t) => parseTime(typeof t === 'string' ? t : null)).filter((t): t is number => t !== null) : [];
  if (runs.length === 0) {
    const t = parseTime(detailString(f, 'lastRun'));
    return [t, t];
  }
  return [minOf(runs), maxOf(runs)];
}

export function isArchiveFinding(f: Finding): boolean {
  if (f.kind === 'archive-entry') return true;
  if (isArchiveFormat(f.format)) return true;
  return f.reasons.some((r) => /archive|encrypted-container/.test(r.rule));
}

/** The kind's own evidence kind (FINDING_KINDS); a file, directory or entry is judged by its place and reasons. */
export function evidenceKind(f: Finding): EvidenceKind {
  const declared = FINDING_KINDS[f.kind].evidence;
  if (declared !== 'file' && declared !== 'archive') return declared;
  if (RECYCLE_DIR.test(f.path)) return 'recycle-bin';
  return isArchiveFinding(f) ? 'archive' : 'file';
}


/** A user name without the SID suffix the pipeline appends ("alice (S-1-5-...)" -> "alice"). */
export function userName(user: string | null | undefined): string | null {
  if (!user) return null;
  // Not /\s*\(S-1-...\)\s*$/: it retried every start inside a long run of spaces (quadratic).
  const text = user.trimEnd();
  const open = text.lastIndexOf('(');
  const sid = text.endsWith(')') && open >= 0 && /^S-1-[0-9-]+$/i.test(text.slice(open + 1, -1));
  const name = (sid ? text.slice(0, open) : user).trim();
  return name === '' ? null : name;
}

function profileUser(relPath: string): string | null {
  const m = /^(?:users|home|documents and settings)\/([^/]+)\//i.exec(relPath);
  if (!m) return null;
  const name = m[1]!;
  return /^(public|default|all users|shared|default user)$/i.test(name) ? null : name;
}

const PATH_TOKEN = /(?:[a-z]:\\|%[a-z]+%|\$env:[a-z]+|~\/|\/)[^\s"'|;&<>]+/gi;

function namedPaths(f: Finding, windows: boolean): string[] {
  const raw: string[] = [];
  if (f.originalPath) raw.push(f.originalPath);
  const target = detailString(f, 'target');
  if (target) raw.push(target);
  const command = detailString(f, 'command');
  if (command) pushAll(raw, (command.match(PATH_TOKEN) ?? []).slice(0, 32));
  const out = new Set<string>();
  for (const p of raw) {
    const n = normalizeNamedPath(p, { windows: windows || /^[a-z]:\\/i.test(p), user: userName(f.user) });
    if (n.relPath && !n.relPath.includes('*')) out.add(n.relPath);
  }
  return [...out];
}

export function factsOf(f: Finding): FindingFacts {
  const [time, end] = keyTimes(f);
  const windows = /\\/.test(f.originalPath ?? '') || /^(users|windows|programdata|\$recycle\.bin)\//i.test(f.path);
  const named = namedPaths(f, windows);
  let place: string | null = null;
  let stem: string | null = null;
  if (f.kind === 'recycle-bin' || f.kind === 'trash') {
    const original = named[0];
    place = original ? relDirOf(original) : relDirOf(f.path.toLowerCase());
    stem = original ? volumeStem(original) : null;
  } else if (f.kind === 'directory') {
    place = f.path.toLowerCase();
  } else if (f.kind === 'event') {
    // A Sysmon file event is about the folder it names; a command has no place of its own.
    const target = named[0];
    if (detailString(f, 'target') && target) {
      place = relDirOf(target);
      stem = volumeStem(target);
    }
  } else if (f.kind === 'access') {
    // About the file or folder it names, not about the .lnk, Jump List or hive it lives in.
    const target = named[0];
    if (target) {
      // A browsed folder or a dialog's folder is the place itself; a file's place is its folder.
      const source = detailString(f, 'source');
      const folderItself = source === 'ShellBags' || ((source === 'ComDlg32' || source === 'TypedPaths') && f.details?.folder === true);
      place = folderItself ? target : relDirOf(target);
      stem = volumeStem(target);
    }
  } else if (f.kind !== 'history' && f.kind !== 'registry' && f.kind !== 'execution') {
    place = relDirOf(f.path.toLowerCase());
    stem = volumeStem(f.path);
  }
  const user = userName(f.user);
  return { finding: f, time, end, kind: evidenceKind(f), place, stem, users: user ? [user] : [], pathUser: profileUser(f.path), named };
}
