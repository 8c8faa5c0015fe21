/**
 * Detectors for rules in files.json that need only a file's place and fingerprint:
 * archives in hotspots, split volumes, sensitive system data out of its home (hive copies are
 * the registry area's rule), files
 * directly in the Recycle Bin root or in fake recycle folders.
 */
import type { Hotspot } from '../hotspots/catalog.js';
import type { Hit } from './types.js';
import type { SensitiveKind } from '../fingerprint/index.js';
import { volumeFromName } from '../artifacts/archive/volume.js';

export interface FileFacts {
  relPath: string;
  name: string;
  size: number;
  hotspot: Hotspot | null;
  format: string | null;
  classification: string;
  /** An archive parser produced a summary for this file (it reports volumes and encryption itself). */
  archiveParsed: boolean;
  /** The fingerprint's sensitive-data kind (src/fingerprint/predicates.ts sensitiveKind), or null. */
  sensitive: SensitiveKind | null;
  /** The archive parser recognised a ZIP-based document or package (ooxml, odf, jar, apk, ...). */
  packageType: string | null;
  /** The first bytes of the file (bulk text exports are recognised from them). */
  head?: Buffer;
}

const SID_FOLDER = /^S-1-\d+(-\d+)+$/i;
const RECYCLE_ROOTS = new Set(['$recycle.bin', 'recycler', 'recycled']);
const FAKE_RECYCLE = /^recyclers?\.bin$/i;
const RECYCLE_LIKE = /^(\$recycle\.bin|recycler|recycled|recyclers?\.bin)$/i;

const OPAQUE = new Set(['archive', 'compressed', 'encrypted', 'high-entropy-unknown', 'unknown']);

/** Places where Windows keeps crash dumps: a dump anywhere else was made by someone. */
const DUMP_HOMES = /(^|\/)(crashdumps|minidump|livekernelreports|wer\/reportarchive|wer\/reportqueue|wer\/temp)\//i;

/** The sensitive-copy hit of a file, if any (most files: none, and nothing is made for them). */
function sensitiveCopyHit(f: FileFacts): Hit | null {
  if (f.sensitive === null) return null;
  const where = f.hotspot ? `in ${f.hotspot.id}` : 'outside its home';
  switch (f.sensitive) {
    case 'ese-database': {
      const isNtds = /ntds/i.test(f.name);
      if (isNtds && /^(windows\.old\/)?windows\/ntds\//i.test(f.relPath)) return null;
      if (!isNtds && !f.hotspot) return null;
      return { rule: 'sensitive-system-data-copy', message: `${isNtds ? 'Active Directory database (ntds.dit)' : 'ESE database'} ${where}`, score: isNtds ? 60 : 35 };
    }
    case 'memory-dump': {
      if (DUMP_HOMES.test(f.relPath) || /^windows\/(memory\.dmp|minidump\/)/i.test(f.relPath)) return null;
      const lsass = /lsass/i.test(f.name);
      if (!lsass && !f.hotspot) return null;
      return { rule: 'sensitive-system-data-copy', message: `${lsass ? 'LSASS memory dump' : 'memory dump'} ${where}`, score: lsass ? 70 : 40 };
    }
    case 'mail-store':
      if (/\/(appdata\/local\/microsoft\/outlook|documents\/outlook files)\//i.test(f.relPath) || !f.hotspot) return null;
      return { rule: 'sensitive-system-data-copy', message: `Outlook mail store ${where}`, score: 45 };
    case 'password-database':
      if (!f.hotspot) return null;
      return { rule: 'sensitive-system-data-copy', message: `KeePass database ${where}`, score: 40 };
    default:
      return null;
  }
}

/** Every name the Recycle Bin checks below look for contains this: a path without it has none of their hits. */
const RECYCLE_WORD = /recycle/i;

/** The Recycle Bin hits of a file, added to `hits`. */
function addRecycleBinHits(f: FileFacts, hits: Hit[]): void {
  if (!RECYCLE_WORD.test(f.relPath)) return;
  const parts = f.relPath.split('/');
  const rootName = parts[0]!.toLowerCase();
  if (RECYCLE_ROOTS.has(rootName) && parts.length >= 2) {
    if (parts.length === 2 && f.name.toLowerCase() !== 'desktop.ini' && !/^info2?$/i.test(f.name)) {
      hits.push({ rule: 'recycle-bin-root-file', message: `placed directly in ${parts[0]}, not in a user's SID folder` });
    } else if (parts.length >= 3 && !SID_FOLDER.test(parts[1]!)) {
      hits.push({ rule: 'recycle-bin-root-file', message: `inside folder '${parts[1]}' in the ${parts[0]} root, which is not a SID folder` });
    } else if (parts.length === 3 && rootName === '$recycle.bin' && !/^\$[IR]/i.test(f.name) && f.name.toLowerCase() !== 'desktop.ini') {
      hits.push({ rule: 'nonstandard-recycle-item', message: `'${f.name}' in ${parts[1]} is neither a $I/$R pair member nor desktop.ini` });
    }
  }
  const fakeAt = parts.findIndex((p, i) => i < parts.length - 1 && (FAKE_RECYCLE.test(p) || (i > 0 && RECYCLE_LIKE.test(p))));
  if (fakeAt >= 0) hits.push({ rule: 'fake-recycle-folder', message: `inside look-alike recycle folder '${parts.slice(0, fakeAt + 1).join('/')}'` });
}

export function fileRuleHits(f: FileFacts): Hit[] {
  const hits: Hit[] = [];
  // ZIP-based documents and packages (docx, odt, jar, apk) are not archives for staging purposes.
  const isArchive = (f.classification === 'archive' || f.classification === 'compressed') && !f.packageType;
  // The place is scored once, by in-staging-location (docs/scoring.md): a plain archive in a hotspot stays below high.
  if (isArchive) hits.push({ rule: 'archive-file', message: `${f.format ?? 'archive'} by magic bytes` });
  if (!f.archiveParsed && OPAQUE.has(f.classification) && f.size > 0 && volumeFromName(f.name) !== null) {
    hits.push({ rule: 'split-archive-volume', message: `name '${f.name}' follows a multi-volume archive convention; content is ${f.classification}` });
  }
  const sensitive = sensitiveCopyHit(f);
  if (sensitive) hits.push(sensitive);
  addRecycleBinHits(f, hits);
  const bulk = bulkTextHit(f);
  if (bulk) hits.push(bulk);
  return hits;
}

/** Text exports this large are collected data, not a note (real certificates are a few KiB). */
export const BULK_TEXT = { minBytes: 64 * 1024, minRows: 1000, minColumns: 4, sampleLines: 20 } as const;

/**
 * A large text export in a hotspot: certutil -encode output, an LDAP/AdFind account dump, a SQL
 * dump, or a CSV of many rows, recognised from the head; logs (.log) are not exports.
 */
export function bulkTextHit(f: Pick<FileFacts, 'hotspot' | 'head' | 'size' | 'name'>): Hit | null {
  if (!f.hotspot || !f.head || f.size < BULK_TEXT.minBytes || /\.(log|etl|evtx)$/i.test(f.name)) return null;
  const head = f.head.toString('latin1');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0e-\x1f]/.test(head.slice(0, 2048))) return null;
  const lines = head.split(/\r?\n/).slice(0, -1);
  if (lines.length < 3) return null;
  const rows = Math.round((f.size / Math.max(1, head.lastIndexOf('\n') + 1)) * lines.length);
  const kb = Math.round(f.size / 1024);
  if (/^-----BEGIN CERTIFICATE-----/.test(head) && /^[A-Za-z0-9+/=]{60,}$/.test(lines[1] ?? '')) {
    return { rule: 'bulk-text-export', message: `${kb} KiB of base64 between certificate markers: certutil -encode output, not a certificate` };
  }
  const dn = lines.filter((l) => /^dn: ?(cn|ou|dc)=/i.test(l)).length;
  if (dn >= 5 && /samaccountname|objectclass|memberof|mail:/i.test(head)) {
    return { rule: 'bulk-text-export', message: `LDAP account dump (${dn} dn: records in the first ${lines.length} lines, about ${rows} lines in ${kb} KiB)` };
  }
  const inserts = lines.filter((l) => /^insert into /i.test(l)).length;
  if (inserts >= 10 && rows >= BULK_TEXT.minRows) return { rule: 'bulk-text-export', message: `SQL dump (about ${rows} lines of INSERT rows, ${kb} KiB)` };
  const sample = lines.slice(0, BULK_TEXT.sampleLines);
  for (const sep of [',', ';', '\t', '|']) {
    const counts = sample.map((l) => l.split(sep).length - 1);
    if (counts[0]! + 1 >= BULK_TEXT.minColumns && counts.every((n) => n === counts[0]) && sample.length >= 10 && rows >= BULK_TEXT.minRows) {
      return { rule: 'bulk-text-export', message: `table export of ${counts[0]! + 1} columns and about ${rows} rows (${kb} KiB)` };
    }
  }
  return null;
}
