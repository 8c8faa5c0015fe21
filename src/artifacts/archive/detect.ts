/**
 * The generic archive detector, shared by every archive and encrypted-container parser
 * (zip, 7z, rar, cab, tar, compressors, encrypted containers): turns an ArchiveSummary and its
 * entries into one candidate finding with hits from src/rules/data/archives.json, plus timeline
 * rows for entry modification times.
 */
import type { ArtifactDetector, DetectContext, DirEntryInfo } from '../types.js';
import { HOLDS_ENCRYPTED_ARCHIVE } from '../../model/finding.js';
import type { Candidate, Hit, TimelineEvent } from '../../rules/types.js';
import type { ArchiveEntry, ArchiveRecord, ArchiveSummary } from './summary.js';
import { contentRecords, entriesFromRecords } from './build.js';
import { volumeFromName } from './volume.js';
import { classifyContents, clusterBefore, dangerousName, printable, profileSpread, sensitiveContents, type DangerKind } from './indicators.js';

/** Timeline rows kept per archive; the rest are summarised in one row. */
export const MAX_ENTRY_EVENTS = 50;
/** Entry times this close before the archive's own mtime count as "collected, then archived". */
export const CLUSTER_WINDOW_HOURS = 24;
const CLUSTER_MIN_ENTRIES = 3;
const CLUSTER_MIN_SHARE = 0.8;
/** Files of at least this size with a disguising extension. */
const DISGUISE_EXTENSIONS = new Set([
  'tmp', 'temp', 'log', 'dat', 'txt', 'jpg', 'jpeg', 'png', 'gif', 'bmp', 'ico', 'pdf', 'dll', 'sys', 'ini', 'db',
  'mp3', 'mp4', 'avi', 'wav', 'csv', 'xml', 'html', 'htm', 'cfg', 'conf', 'doc', 'xls', 'chk', 'etl', 'evtx',
]);
const ENCRYPTED_CONTAINER_FORMATS = new Set(['openpgp', 'age', 'openssl', 'office-encrypted']);
const IMPLAUSIBLE_TOTAL_BYTES = 2 ** 40; // 1 TiB uncompressed
const IMPLAUSIBLE_RATIO = 1000;
const IMPLAUSIBLE_ENTRIES = 100_000;
/** Password-protected Office documents: users protect documents for ordinary reasons. */
const OFFICE_ENCRYPTED_SCORE = 20;

export const RULES = {
  present: 'archive-present',
  encrypted: 'archive-encrypted',
  headersEncrypted: 'archive-headers-encrypted',
  highEntropy: 'container-high-entropy',
  split: 'archive-split-volume',
  splitStaged: 'archive-split-volume-staged',
  profile: 'archive-user-profile-contents',
  multiUser: 'archive-multi-user-contents',
  sensitive: 'archive-sensitive-contents',
  userData: 'archive-user-data-contents',
  program: 'archive-program-contents',
  clustered: 'archive-entries-clustered-before-write',
  dangerousNames: 'archive-dangerous-entry-names',
  extensionLie: 'archive-extension-mismatch',
  implausible: 'archive-implausible-metadata',
} as const;

/** Detector over a summary and its entries. Returns [] for ZIP-based packages unless encrypted. */
export function detectArchive(summary: ArchiveSummary, entries: ArchiveEntry[], ctx: DetectContext): Candidate[] {
  const isPackage = summary.packageType !== null;
  const encrypted = isEncrypted(summary);
  if (isPackage && !encrypted) return [];
  const hits: Hit[] = [];
  const evidence = describe(summary, ctx);
  const staged = inRecycleBin(ctx.relPath) || ctx.hotspot !== null;

  encryptionHits(summary, ctx, evidence, hits);
  nestedEncryptionHit(summary, hits);
  volumeHits(summary, ctx, evidence, staged, hits);
  contentHits(entries, ctx, hits);
  extensionHit(summary, ctx, hits);
  implausibleHit(summary, hits);
  if (hits.length === 0 && (isPackage || isPlainStream(summary))) return [];
  // An archive stays a (context) finding even when its contents lower it: its entry times belong in the timeline.
  if (!hits.some((h) => h.rule !== RULES.program)) hits.push({ rule: RULES.present, message: `${evidence}` });
  else if (hits.length > 0 && !hits.some((h) => h.message.startsWith(evidence))) hits[0] = { ...hits[0]!, message: `${evidence}: ${hits[0]!.message}` };

  return [
    {
      kind: 'file',
      path: ctx.relPath,
      hits,
      size: ctx.size,
      format: summary.format,
      times: ctx.times,
      details: { archive: summary, evidence },
      events: entryEvents(entries, ctx.relPath),
    },
  ];
}

/** The ArtifactDetector form every archive parser uses as its `detect`. */
export const archiveDetector: ArtifactDetector<ArchiveRecord, ArchiveSummary> = (result, ctx) => {
  const summary = result.facts;
  if (!summary) return [];
  // A compressed stream with a tar inside: its members are the contents, not the stream itself.
  return detectArchive(summary, entriesFromRecords(contentRecords(result.records)), ctx);
};

/** A compressed single file (rotated logs, .gz downloads): not a collection unless a tar sits inside. */
const SINGLE_STREAM_FORMATS = new Set(['gzip', 'bzip2', 'xz', 'zstd', 'lz4', 'lzip', 'lzma', 'compress']);
function isPlainStream(s: ArchiveSummary): boolean {
  return SINGLE_STREAM_FORMATS.has(s.format) && s.inner === null && !/tar/.test(String(s.fields.innerHint ?? ''));
}

function isEncrypted(s: ArchiveSummary): boolean {
  return s.headersEncrypted || (s.encryptedEntryCount ?? 0) > 0 || ENCRYPTED_CONTAINER_FORMATS.has(s.format);
}

/** "7z, headers encrypted, 5 volumes" style summary of the evidence. */
export function describe(s: ArchiveSummary, ctx: Pick<DetectContext, 'name' | 'siblings'>): string {
  const parts: string[] = [s.packageType ? `${s.format} (${s.packageType})` : s.format];
  if (s.selfExtracting) parts.push('self-extracting');
  if (s.headersEncrypted) parts.push('headers encrypted');
  else if (s.entryCount !== null) {
    parts.push(`${s.entryCount} entries`);
    if (s.encryptedEntryCount) parts.push(`${s.encryptedEntryCount} encrypted`);
  }
  const schemes = s.encryption.filter((e) => e !== 'central-directory-encrypted');
  if (schemes.length) parts.push(schemes.join('/'));
  if (s.volume?.multiVolume) {
    const count = countVolumes(ctx.name, ctx.siblings);
    parts.push(count > 1 ? `${count} volumes` : `volume ${s.volume.index === null ? '?' : s.volume.index + 1} of a split set`);
  }
  if (s.inner) parts.push(`contains ${s.inner}`);
  if (s.nested?.listed.length) {
    const inside = s.nested.listed.reduce((sum, n) => sum + (n.entryCount ?? 0), 0);
    const count = s.nested.listed.length;
    parts.push(`holds ${count} archive${count === 1 ? '' : 's'} (${inside} entries inside)`);
  }
  return parts.join(', ');
}

/** Parts of the same split set in the directory (including this file), from sibling names. */
export function countVolumes(name: string, siblings: readonly DirEntryInfo[] | undefined): number {
  if (!siblings) return 1;
  const stem = volumeStem(name);
  if (stem === null) return 1;
  return Math.max(1, stemCounts(siblings).get(stem) ?? 0);
}

/** Files per volume stem of a listing, counted once per listing (not once per volume: quadratic). */
const stemCountsByListing = new WeakMap<readonly DirEntryInfo[], Map<string, number>>();
function stemCounts(siblings: readonly DirEntryInfo[]): Map<string, number> {
  let counts = stemCountsByListing.get(siblings);
  if (!counts) {
    counts = new Map();
    for (const s of siblings) {
      const stem = s.isDirectory ? null : volumeStem(s.name);
      if (stem !== null) counts.set(stem, (counts.get(stem) ?? 0) + 1);
    }
    stemCountsByListing.set(siblings, counts);
  }
  return counts;
}

/** The set a sibling belongs to: a volume's set, or a plain .zip/.rar (the last or first part of a set). */
function volumeStem(name: string): string | null {
  const v = volumeFromName(name);
  if (v) return v.setName;
  return /\.(zip|rar)$/i.test(name) ? name.toLowerCase() : null;
}

function encryptionHits(s: ArchiveSummary, ctx: DetectContext, evidence: string, hits: Hit[]): void {
  // The place is scored once, by in-staging-location (docs/scoring.md): no hotspot bonus here.
  if (s.format === 'high-entropy-container') {
    hits.push({ rule: RULES.highEntropy, message: `${evidence}: headerless, ${String(s.fields.entropy ?? '?')} bits/byte` });
    return;
  }
  if (s.headersEncrypted) {
    hits.push({ rule: RULES.headersEncrypted, message: `${evidence}: the file list itself is encrypted` });
    return;
  }
  if (!isEncrypted(s)) return;
  const office = s.format === 'office-encrypted';
  const what = ENCRYPTED_CONTAINER_FORMATS.has(s.format) ? 'encrypted container' : `${s.encryptedEntryCount} of ${s.entryCount} entries encrypted`;
  hits.push({ rule: RULES.encrypted, message: `${evidence}: ${what}`, score: office ? OFFICE_ENCRYPTED_SCORE : undefined });
}

/**
 * An encrypted archive inside a plain one (a .7z with a password in a .zip): its own file would be
 * `archive-encrypted` or `archive-headers-encrypted`; wrapped, it is the same evidence.
 */
function nestedEncryptionHit(s: ArchiveSummary, hits: Hit[]): void {
  if (isEncrypted(s) || !s.nested) return;
  const encrypted = s.nested.listed.filter((n) => n.headersEncrypted || (n.encryptedEntryCount ?? 0) > 0 || ENCRYPTED_CONTAINER_FORMATS.has(n.format));
  if (encrypted.length === 0) return;
  const what = encrypted.slice(0, 3).map((n) => `${printable(n.member, 80)}: ${n.format}, ${n.headersEncrypted ? 'headers encrypted' : ENCRYPTED_CONTAINER_FORMATS.has(n.format) ? 'encrypted container' : `${n.encryptedEntryCount} of ${n.entryCount} entries encrypted`}`);
  const more = encrypted.length > 3 ? `, and ${encrypted.length - 3} more` : '';
  const rule = encrypted.some((n) => n.headersEncrypted) ? RULES.headersEncrypted : RULES.encrypted;
  hits.push({ rule, message: `${HOLDS_ENCRYPTED_ARCHIVE} (${what.join('; ')}${more})` });
}

function volumeHits(s: ArchiveSummary, ctx: DetectContext, evidence: string, staged: boolean, hits: Hit[]): void {
  if (!s.volume?.multiVolume) return;
  if (staged) {
    const place = inRecycleBin(ctx.relPath) ? 'in the Recycle Bin' : `in hotspot ${ctx.hotspot}`;
    hits.push({ rule: RULES.splitStaged, message: `${evidence}: split archive ${place}` });
  } else hits.push({ rule: RULES.split, message: `${evidence}: part of a split archive` });
}

function contentHits(entries: readonly ArchiveEntry[], ctx: DetectContext, hits: Hit[]): void {
  const sensitive = sensitiveContents(entries);
  if (sensitive.size > 0) {
    const list = [...sensitive].map(([label, names]) => `${label}: ${names.map((n) => printable(n, 80)).join(', ')}`);
    hits.push({ rule: RULES.sensitive, message: `sensitive contents (${list.join('; ')})` });
  }
  const contents = classifyContents(entries);
  const spread = profileSpread(entries);
  // One content reason: secrets first, then user data (two documents or more, or documents taken from a profile by full path).
  const userData = contents.userData >= 2 || (contents.userData >= 1 && spread.profileEntries >= contents.files);
  if (sensitive.size === 0 && userData && contents.userData * 2 >= contents.files) {
    hits.push({ rule: RULES.userData, message: `${contents.userData} of ${contents.files} file entries are user documents, mail, databases or keys (${contents.examples.join(', ')})` });
  } else if (sensitive.size === 0 && contents.files > 0 && contents.userData === 0 && contents.program * 5 >= contents.files * 4) {
    hits.push({ rule: RULES.program, message: `${contents.program} of ${contents.files} file entries are program files, packages, logs or configuration` });
  }
  if (spread.users.length >= 2) {
    hits.push({ rule: RULES.multiUser, message: `entries from ${spread.users.length} users' profiles (${spread.users.slice(0, 5).map((u) => printable(u, 40)).join(', ')})` });
  } else if (spread.profileEntries > 0) {
    hits.push({ rule: RULES.profile, message: `${spread.profileEntries} entries from user profile folders` });
  }
  const cluster = clusterBefore(entries, ctx.times.modified, CLUSTER_WINDOW_HOURS);
  if (cluster && cluster.withTimes >= CLUSTER_MIN_ENTRIES && cluster.inWindow / cluster.withTimes >= CLUSTER_MIN_SHARE) {
    hits.push({
      rule: RULES.clustered,
      message: `${cluster.inWindow} of ${cluster.withTimes} entries modified within ${CLUSTER_WINDOW_HOURS} h before the archive was written (${ctx.times.modified})`,
    });
  }
  dangerousNameHit(entries, hits);
}

function dangerousNameHit(entries: readonly ArchiveEntry[], hits: Hit[]): void {
  const kinds = new Map<DangerKind, string[]>();
  for (const e of entries) {
    const k = dangerousName(e.name);
    if (!k) continue;
    const list = kinds.get(k) ?? [];
    if (list.length < 2) list.push(printable(e.name, 60));
    kinds.set(k, list);
  }
  if (kinds.size === 0) return;
  const text = [...kinds].map(([k, names]) => `${k} (${names.join(', ')})`).join('; ');
  hits.push({ rule: RULES.dangerousNames, message: `dangerous entry names: ${text}` });
}

/** Log rotation's names (syslog.2.gz, auth.log.1.gz, messages-20250101.gz): logrotate compresses one log, never a tar. */
const ROTATED_LOG_NAME = /(\.\d{1,3}|-\d{8})\.(gz|bz2|xz|zst)$/i;

function extensionHit(s: ArchiveSummary, ctx: DetectContext, hits: Hit[]): void {
  if (s.format === 'high-entropy-container' || s.packageType) return;
  if (s.inner === 'tar' && ROTATED_LOG_NAME.test(ctx.name) && /(^|\/)var\/log\//i.test(ctx.relPath)) {
    hits.push({ rule: RULES.extensionLie, message: `a tar archive named like a rotated log (${ctx.name}): log rotation compresses one log, never an archive` });
    return;
  }
  const ext = ctx.name.includes('.') ? ctx.name.slice(ctx.name.lastIndexOf('.') + 1).toLowerCase() : '';
  if (!DISGUISE_EXTENSIONS.has(ext)) return;
  if (s.format === 'office-encrypted' && /^(doc|xls)$/.test(ext)) return;
  hits.push({ rule: RULES.extensionLie, message: `${s.format} data named .${ext}` });
}

function implausibleHit(s: ArchiveSummary, hits: Hit[]): void {
  const reasons: string[] = [];
  if ((s.totalSize ?? 0) >= IMPLAUSIBLE_TOTAL_BYTES) reasons.push(`claims ${s.totalSize} bytes uncompressed`);
  const ratio = Number(s.fields.maxCompressionRatio ?? 0);
  if (ratio >= IMPLAUSIBLE_RATIO) reasons.push(`compression ratio ${ratio}:1`);
  if ((s.entryCount ?? 0) >= IMPLAUSIBLE_ENTRIES) reasons.push(`${s.entryCount} entries`);
  const claimed = s.fields.claimedEntryCount;
  if (typeof claimed === 'number' && s.entryCount !== null && claimed > s.entryCount && !s.headersEncrypted) reasons.push(`end record claims ${claimed} entries, ${s.entryCount} listed`);
  if (reasons.length) hits.push({ rule: RULES.implausible, message: `implausible metadata: ${reasons.join(', ')}` });
}

export function inRecycleBin(relPath: string): boolean {
  return /(^|\/)(\$recycle\.bin|recycler|recycled)\//i.test(relPath);
}

/** Entry times as timeline rows: the newest MAX_ENTRY_EVENTS, plus one summary row when more exist. */
export function entryEvents(entries: readonly ArchiveEntry[], archivePath: string): TimelineEvent[] {
  const timed = entries.filter((e) => e.modified && !e.isDirectory).sort((a, b) => (a.modified! < b.modified! ? 1 : -1));
  const kept = timed.slice(0, MAX_ENTRY_EVENTS);
  const events: TimelineEvent[] = kept.map((e) => ({
    time: e.modified!,
    type: 'archive-entry-modified',
    description: `${printable(e.name, 200)} (in ${archivePath})`,
  }));
  if (timed.length > kept.length) {
    const oldest = timed[timed.length - 1]!.modified!;
    events.push({
      time: oldest,
      type: 'archive-entries-modified',
      description: `${timed.length} entries of ${archivePath} modified between ${oldest} and ${timed[0]!.modified}; ${timed.length - kept.length} not shown`,
    });
  }
  return events;
}
