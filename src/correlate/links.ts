/**
 * Cross-artifact links (docs/correlation.md): a history command or registry MRU that names a
 * path + a file found there, a $I record whose original path it is, or nothing at all; a file
 * and a $I record of the same archive volume set; a history command and a registry MRU naming
 * the same archive. Each link adds a reason to every finding involved, naming the other evidence.
 * Volume sets are one archive: bk.rar, bk.part1.rar and bk.part3.rar all link (volumeStem).
 */
import type { Candidate, Hit, NamedPath } from '../rules/types.js';
import { normalizeNamedPath, relMatches, volumeStem, type NormalizedPath } from './paths.js';
import { loadRuleCatalog } from '../rules/catalog.js';
import { assertNever, isNtfsTrace, locatorIdParts } from '../model/kinds.js';

/**
 * Points of a named-in-history / named-in-registry link (docs/scoring.md): a link to a staging
 * command or MRU (the source has a strong reason of its own, e.g. an archive written into a
 * staging location, a password, volumes) is evidence of staging; a link to an ordinary archiver
 * run (an admin's backup) is context.
 */
export const LINK_POINTS = { stagingSource: 35, ordinarySource: 15 } as const;

function isStagingSource(c: Candidate): boolean {
  const catalog = loadRuleCatalog();
  return c.hits.some((h) => {
    const rule = catalog.get(h.rule);
    return !!rule && rule.strong && (h.score ?? rule.score) > 0;
  });
}

export interface CorrelateOptions {
  windows: boolean;
  /** Checks whether a root-relative path exists (case-insensitively on Windows); bounded by the caller. */
  exists(relPath: string): boolean;
  /** Upper bound on named paths examined (hostile histories can name millions). */
  maxNames?: number;
}

/** History lines and registry values linked per archive name (a hostile history can repeat one name). */
const MAX_PAIRS_PER_SET = 50;

const SHELL_NAMES: Record<string, string> = { powershell: 'PowerShell', bash: 'bash', zsh: 'zsh', fish: 'fish', sh: 'sh', python: 'Python' };

/** '2025-03-15T05:06:41.1234567Z' -> '2025-03-15 05:06:41 UTC' (reasons are read by people). */
export function shortUtc(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

function describeSource(c: Candidate): string {
  switch (c.kind) {
    case 'history': {
      const who = c.user ? `${c.user}'s` : 'a';
      const shell = typeof c.details?.shell === 'string' ? `${SHELL_NAMES[c.details.shell] ?? c.details.shell} ` : '';
      return `${who} ${shell}history at line ${c.line ?? '?'} (${c.path})`;
    }
    case 'event':
      return eventSource(c);
    case 'registry':
      return `registry ${c.key ?? ''}${c.value !== undefined ? `\\${c.value}` : ''} in ${c.path}`;
    case 'mft-record':
    case 'i30-entry':
    case 'usn-record':
    case 'logfile-record':
      return ntfsTraceSource(c);
    case 'execution':
      return executionSource(c);
    case 'access':
      return accessSource(c);
    case 'file':
    case 'directory':
    case 'archive-entry':
    case 'recycle-bin':
    case 'trash':
    case 'carved':
    case 'summary': // made after correlation; listed for completeness
      return c.path;
    default:
      return assertNever(c.kind, 'finding kind');
  }
}

/** "the Security log, event 4688 record 17 (Windows/.../Security.evtx)": episodes look for "record N (path)". */
export function eventSource(c: Pick<Candidate, 'event' | 'path'>): string {
  const e = c.event;
  return `the ${e?.channel ?? 'event'} log, event ${e?.eventId ?? '?'} record ${e?.recordId ?? '?'} (${c.path})`;
}

/** "the USN journal (USN 4096 in C/$Extend/$UsnJrnl%3A$J)" / "MFT entry 41-3 (C/$MFT)" / "the $I30 index slack of its folder (/PerfLogs:$I30)". */
function ntfsTraceSource(c: Candidate): string {
  const from = typeof c.details?.source === 'string' ? c.details.source : c.path;
  if (c.kind === 'usn-record') return `the USN journal (USN ${c.usn ?? '?'} in ${from})`;
  if (c.kind === 'i30-entry') return `the $I30 index slack of its folder (${from})`;
  if (c.kind === 'logfile-record') return `the NTFS $LogFile (LSN ${typeof c.details?.firstLsn === 'number' ? c.details.firstLsn : '?'} in ${from})`;
  return `MFT entry ${c.mftEntry ?? '?'}-${c.mftSequence ?? '?'} (${from})`;
}


/** "Prefetch of RAR.EXE (Windows/Prefetch/RAR.EXE-1A2B3C4D.pf)", "Amcache key K in <hive>". */
function executionSource(c: Candidate): string {
  const source = typeof c.details?.source === 'string' ? c.details.source : 'execution record';
  const program = typeof c.details?.executable === 'string' ? ` of ${c.details.executable}` : '';
  return c.key !== undefined ? `${source} key ${c.key} in ${c.path}` : `${source}${program} (${c.path})`;
}

function describeDeletion(d: Candidate): string {
  if (isNtfsTrace(d)) return `${d.deletedAt ? `deleted without the Recycle Bin at ${shortUtc(d.deletedAt)}` : d.details?.deleted === true ? 'deleted without the Recycle Bin (no time recorded)' : 'recorded'} per ${ntfsTraceSource(d)}, original ${d.originalPath}`;
  const bin = d.kind === 'trash' ? 'Trash' : 'Recycle Bin';
  return `deleted to the ${bin}${d.deletedAt ? ` at ${shortUtc(d.deletedAt)}` : ''} (${d.path}, original ${d.originalPath})`;
}

/** "the ShellBags of Users/bob/NTUSER.DAT (key K)", "the Jump List entry 3 of .../x.automaticDestinations-ms", "the LNK file .../x.lnk". */
export function accessSource(c: Pick<Candidate, 'details' | 'path' | 'key' | 'jumpEntry'>): string {
  const source = typeof c.details?.source === 'string' ? c.details.source : 'access artifact';
  if (c.jumpEntry !== undefined) return `the Jump List entry ${c.jumpEntry} of ${c.path}`;
  if (c.key !== undefined) return `the ${source} of ${c.path} (key ${c.key})`;
  return `the ${source} file ${c.path}`;
}

function ruleForSource(c: Candidate): 'named-in-history' | 'named-in-registry' | 'named-in-event-log' | 'named-in-access-artifact' | 'named-in-execution-artifact' | null {
  if (c.kind === 'access') return 'named-in-access-artifact';
  if (c.kind === 'history') return 'named-in-history';
  if (c.kind === 'execution') return 'named-in-execution-artifact';
  if (c.kind === 'event') return 'named-in-event-log';
  if (c.kind === 'registry') return 'named-in-registry';
  return null;
}

const ROLE_VERB: Record<NamedPath['role'], string> = {
  writes: 'written',
  reads: 'read',
  original: 'named',
  mru: 'opened or created by an archiver',
  deletes: 'deleted',
  executes: 'run',
  opens: 'opened or browsed',
};

function addHit(c: Candidate, hit: Hit, seen: Set<string>): void {
  const key = [c.kind, c.path, ...locatorIdParts(c), hit.rule, hit.message].join('\u0000');
  if (seen.has(key)) return;
  seen.add(key);
  c.hits.push(hit);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function baseOf(relPath: string): string {
  return relPath.slice(relPath.lastIndexOf('/') + 1);
}

/** "the deleted item" when paths agree; "volume x of the same set" when only the volume set does. */
function sameItem(namedRel: string | null, otherRel: string | null): boolean {
  return namedRel !== null && otherRel !== null && namedRel === otherRel;
}

export interface Deleted {
  c: Candidate;
  norm: NormalizedPath;
  /** Volume-set key of the original path, or null when it is not inside the root. */
  stem: string | null;
}

interface FileIndex {
  byRel: Map<string, Candidate[]>;
  /** The keys of byRel by their last segment, in byRel's order (a '*' pattern is compared with these only). */
  byLast: Map<string, string[]>;
  byBase: Map<string, Candidate[]>;
}

function indexFiles(candidates: Candidate[]): FileIndex {
  const byRel = new Map<string, Candidate[]>();
  const byLast = new Map<string, string[]>();
  const byBase = new Map<string, Candidate[]>();
  const keyed = (key: string, f: Candidate): void => {
    if (!byRel.has(key)) push(byLast, baseOf(key), key);
    push(byRel, key, f);
  };
  for (const f of candidates) {
    if ((f.kind !== 'file' && f.kind !== 'directory') || f.hits.length === 0) continue;
    const relPath = f.path.toLowerCase();
    keyed(relPath, f);
    const stem = volumeStem(relPath);
    if (stem !== relPath) keyed(stem, f);
    push(byBase, baseOf(relPath), f);
  }
  return { byRel, byLast, byBase };
}

/** Files a named path points at: exact path, its volume set, a '*' pattern, or a unique base name. */
function filesFor(norm: NormalizedPath, files: FileIndex): Candidate[] {
  if (!norm.relPath) {
    const same = files.byBase.get(norm.base) ?? [];
    return same.length === 1 ? same : [];
  }
  if (norm.relPath.includes('*')) {
    const last = baseOf(norm.relPath);
    const keys = last === '*' ? [...files.byRel.keys()] : (files.byLast.get(last) ?? []);
    return keys.filter((relPath) => relMatches(norm.relPath!, relPath)).flatMap((relPath) => files.byRel.get(relPath)!);
  }
  const stem = volumeStem(norm.relPath);
  const found = [...(files.byRel.get(norm.relPath) ?? []), ...(stem !== norm.relPath ? (files.byRel.get(stem) ?? []) : [])];
  return [...new Set(found)];
}

/**
 * The deleted records a named path matches (deletedMatches), in their order, looked up by original
 * path, volume set and base name instead of tested one by one: a history of 6,000 archive commands
 * against 3,000 Recycle Bin records took 7.7 s. A path with a '*' segment (an unknown user's
 * folder) is tested against the records whose path or set ends with its last segment.
 */
export class DeletedIndex {
  private readonly byRel = new Map<string, number[]>();
  private readonly byStem = new Map<string, number[]>();
  private readonly byBase = new Map<string, number[]>();
  /** By the last segment of the original path, and of its volume set. */
  private readonly byLast = new Map<string, number[]>();

  constructor(private readonly deleted: readonly Deleted[]) {
    deleted.forEach((d, i) => {
      if (d.norm.relPath) {
        push(this.byRel, d.norm.relPath, i);
        push(this.byLast, baseOf(d.norm.relPath), i);
        if (d.stem !== null) {
          push(this.byStem, d.stem, i);
          push(this.byLast, baseOf(d.stem), i);
        }
      }
      push(this.byBase, d.norm.base, i);
    });
  }

  matching(norm: NormalizedPath): Deleted[] {
    let found: number[];
    if (norm.relPath?.includes('*')) {
      const last = baseOf(norm.relPath);
      if (last === '*') return this.deleted.filter((d) => deletedMatches(norm, d));
      found = (this.byLast.get(last) ?? []).filter((i) => deletedMatches(norm, this.deleted[i]!));
    } else if (norm.relPath) {
      // The same path or volume set.
      found = [...(this.byRel.get(norm.relPath) ?? []), ...(this.byStem.get(volumeStem(norm.relPath)) ?? [])];
    } else found = this.byBase.get(norm.base) ?? []; // no path inside the root: any record of the same base name
    return [...new Set(found)].sort((a, b) => a - b).map((i) => this.deleted[i]!);
  }
}

export function deletedMatches(norm: NormalizedPath, d: Deleted): boolean {
  if (!norm.relPath || !d.norm.relPath) return !norm.relPath && norm.base === d.norm.base;
  if (norm.relPath.includes('*')) return relMatches(norm.relPath, d.norm.relPath) || (d.stem !== null && relMatches(norm.relPath, d.stem));
  return norm.relPath === d.norm.relPath || volumeStem(norm.relPath) === d.stem;
}

export function correlate(candidates: Candidate[], opts: CorrelateOptions): number {
  const seen = new Set<string>();
  // Judged on the sources' own reasons, before links add more.
  const staging = new Set(candidates.filter((c) => ruleForSource(c) !== null && isStagingSource(c)));
  const linkPoints = (c: Candidate): number => (staging.has(c) ? LINK_POINTS.stagingSource : LINK_POINTS.ordinarySource);
  const maxNames = opts.maxNames ?? 50_000;
  const files = indexFiles(candidates);
  const deleted: Deleted[] = candidates
    .filter((c) => (c.kind === 'recycle-bin' || c.kind === 'trash' || isNtfsTrace(c)) && c.originalPath)
    .map((c) => {
      const norm = normalizeNamedPath(c.originalPath!, { windows: opts.windows || /^[a-z]:\\/i.test(c.originalPath!) });
      return { c, norm, stem: norm.relPath ? volumeStem(norm.relPath) : null };
    });
  const deletedIndex = new DeletedIndex(deleted);
  /** Named archive paths by volume-set key, for history <-> registry links. */
  const namedBySet = new Map<string, Array<{ source: Candidate; named: NamedPath }>>();

  let examined = 0;
  let links = 0;
  for (const source of candidates) {
    const rule = ruleForSource(source);
    if (!rule || !source.names) continue;
    // Opening an archive from Downloads is what users do: an LNK, Jump List or ShellBags entry links
    // only when it is staging evidence itself (a strong reason: an archive in a staging place).
    if (source.kind === 'access' && !staging.has(source)) continue;
    const what = describeSource(source);
    const points = linkPoints(source);
    for (const named of source.names) {
      if (++examined > maxNames) return links;
      const norm = normalizeNamedPath(named.path, { windows: opts.windows, user: source.user });
      if (norm.relPath && !norm.relPath.includes('*') && named.role !== 'executes') push(namedBySet, volumeStem(norm.relPath), { source, named });
      let linked = false;
      // 1. A finding at that path (or another volume of the same set).
      for (const target of filesFor(norm, files)) {
        if (target === source) continue;
        const how = norm.relPath ? '' : ' (same file name)';
        addHit(target, { rule, message: `${ROLE_VERB[named.role]} per ${what}${how}`, score: points }, seen);
        addHit(source, { rule: 'linked-file-found', message: `${target.path} found by the scan` }, seen);
        linked = true;
        links++;
      }
      // 2. A Recycle Bin / Trash record whose original path it is (or a volume of the same set).
      for (const d of deletedIndex.matching(norm)) {
        if (d.c === source) continue;
        const item = sameItem(norm.relPath, d.norm.relPath) || !norm.relPath ? 'the deleted item' : `the deleted volume's set (${named.path})`;
        addHit(d.c, { rule, message: `${item} is ${ROLE_VERB[named.role]} per ${what}`, score: points }, seen);
        addHit(source, { rule: isNtfsTrace(d.c) ? 'linked-ntfs-trace' : 'linked-recycle-bin', message: describeDeletion(d.c) }, seen);
        linked = true;
        links++;
      }
      // 3. Present but unremarkable, or gone altogether.
      if (!linked && norm.relPath && !norm.relPath.includes('*') && (named.role === 'writes' || named.role === 'mru' || named.role === 'opens')) {
        if (opts.exists(norm.relPath)) addHit(source, { rule: 'linked-file-present', message: `${named.path} exists in the image` }, seen);
        else if (named.role === 'writes') addHit(source, { rule: 'named-path-missing', message: `${named.path} is not in the image nor in the ${opts.windows ? 'Recycle Bin' : 'Trash'}` }, seen);
      }
    }
  }
  links += linkFilesToDeletedVolumes(files, deleted, seen);
  links += linkHistoryToRegistry(namedBySet, seen, linkPoints);
  return links;
}

/** A surviving file and a deleted record of the same volume set (bk.part1.rar here, bk.part3.rar deleted). */
function linkFilesToDeletedVolumes(files: FileIndex, deleted: Deleted[], seen: Set<string>): number {
  let links = 0;
  for (const d of deleted) {
    links += linkDataFile(files, d, seen);
    if (!d.stem) continue;
    for (const f of files.byRel.get(d.stem) ?? []) {
      const relPath = f.path.toLowerCase();
      if (f.kind !== 'file' || volumeStem(relPath) !== d.stem) continue;
      const exact = relPath === d.norm.relPath;
      if (isNtfsTrace(d.c)) {
        // The journal or MFT record of the file the scan found: one piece of evidence, named without points.
        if (!exact) continue;
        addHit(f, { rule: 'ntfs-same-file', message: describeDeletion(d.c) }, seen);
        addHit(d.c, { rule: 'ntfs-same-file', message: `the file is still present: ${f.path}` }, seen);
        links++;
        continue;
      }
      addHit(f, { rule: 'linked-recycle-bin', message: `${exact ? 'a file at this path was' : `volume ${baseOf(d.norm.relPath!)} of the same set was`} ${describeDeletion(d.c)}` }, seen);
      addHit(d.c, { rule: 'linked-file-found', message: `${exact ? 'a file at the original path' : 'another volume of the set'} remains: ${f.path}` }, seen);
      links++;
    }
  }
  return links;
}

/** $Ixxxxxx and its $Rxxxxxx (the deleted bytes themselves) when the $R is a finding of its own. */
function linkDataFile(files: FileIndex, d: Deleted, seen: Set<string>): number {
  const at = d.c.path.lastIndexOf('/') + 1;
  const name = d.c.path.slice(at);
  if (d.c.kind !== 'recycle-bin' || !/^\$i/i.test(name)) return 0;
  const dataRel = `${d.c.path.slice(0, at)}$R${name.slice(2)}`.toLowerCase();
  let links = 0;
  // One deletion, not two independent pieces of evidence: the pair is named, without points.
  for (const f of files.byRel.get(dataRel) ?? []) {
    addHit(f, { rule: 'recycle-bin-pair', message: `the data of ${d.c.originalPath}, ${describeDeletion(d.c)}` }, seen);
    addHit(d.c, { rule: 'recycle-bin-pair', message: `its data ${f.path} is still in the Recycle Bin and was found by the scan` }, seen);
    links++;
  }
  return links;
}

/** A history command and a registry MRU that name the same archive (or volume set) name each other. */
function linkHistoryToRegistry(namedBySet: Map<string, Array<{ source: Candidate; named: NamedPath }>>, seen: Set<string>, linkPoints: (c: Candidate) => number): number {
  let links = 0;
  for (const group of namedBySet.values()) {
    // Event-log commands pair with MRUs as history commands do (the same command matcher named them).
    const histories = group.filter((g) => g.source.kind === 'history' || g.source.kind === 'event');
    const registries = group.filter((g) => g.source.kind === 'registry' || g.source.kind === 'access');
    for (const h of histories.slice(0, MAX_PAIRS_PER_SET)) {
      for (const r of registries.slice(0, MAX_PAIRS_PER_SET)) {
        addHit(h.source, { rule: r.source.kind === 'access' ? 'named-in-access-artifact' : 'named-in-registry', message: `${h.named.path} is also ${ROLE_VERB[r.named.role]} per ${describeSource(r.source)} (${r.named.path})`, score: linkPoints(r.source) }, seen);
        addHit(r.source, { rule: h.source.kind === 'event' ? 'named-in-event-log' : 'named-in-history', message: `${r.named.path} is also ${ROLE_VERB[h.named.role]} per ${describeSource(h.source)} (${h.named.path})`, score: linkPoints(h.source) }, seen);
        links++;
      }
    }
    links += linkExecutionToCommands(group, seen, linkPoints);
  }
  return links;
}

/** A program run (Prefetch file list) and a history, event-log or MRU entry naming the same archive or set. */
function linkExecutionToCommands(group: Array<{ source: Candidate; named: NamedPath }>, seen: Set<string>, linkPoints: (c: Candidate) => number): number {
  let links = 0;
  const executions = group.filter((g) => g.source.kind === 'execution');
  const others = group.filter((g) => g.source.kind === 'history' || g.source.kind === 'event' || g.source.kind === 'registry');
  for (const x of executions.slice(0, MAX_PAIRS_PER_SET)) {
    for (const o of others.slice(0, MAX_PAIRS_PER_SET)) {
      const otherRule = ruleForSource(o.source)!;
      addHit(o.source, { rule: 'named-in-execution-artifact', message: `${o.named.path} is also ${ROLE_VERB[x.named.role]} per ${describeSource(x.source)}`, score: linkPoints(x.source) }, seen);
      addHit(x.source, { rule: otherRule, message: `${x.named.path} is also ${ROLE_VERB[o.named.role]} per ${describeSource(o.source)} (${o.named.path})`, score: linkPoints(o.source) }, seen);
      links++;
    }
  }
  return links;
}
