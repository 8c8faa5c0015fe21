/**
 * Recycle Bin detectors: turn $I / INFO2 records and $R files into candidates.
 * Rule ids live in src/rules/data/recyclebin.json.
 */
import { relDirOf } from '../../model/evidence.js';
import type { ArtifactRecord, ArtifactResult, DetectContext, ListedEntry } from '../types.js';
import type { Candidate, Hit, TimelineEvent } from '../../rules/types.js';
import { isArchiveName, isDocumentName, isEncryptedName, isVolumeName, stagingLocation } from '../history/paths.js';
import { findSibling, sidFromPath } from './common.js';
import { pushAll } from '../../util/arrays.js';
import { isArchiveFormat } from '../../fingerprint/formats.js';


/** A $R folder holding this many documents looks like a staging folder that was thrown away. */
const DOCUMENT_FOLDER_MIN = 5;
/** Listed names kept in a finding's details. */
const LISTING_KEEP = 50;
/**
 * Tolerance between the recorded deletion time (UTC FILETIME) and the index file's own times. A day, not
 * seconds: on FAT/exFAT removable drives file times are local time, up to 14 h away from UTC.
 */
const TIME_SKEW_MS = 24 * 3600 * 1000;
/** Birth may trail modified by file-system rounding; beyond this, birth is a copy time and is ignored. */
const BIRTH_SLACK_MS = 2000;
/** Earliest plausible deletion time per format (the release of the OS that writes it, minus a margin). */
const EARLIEST: Record<string, string> = {
  '$I v1': '2006-01-01T00:00:00Z', // Vista RTM Nov 2006
  '$I v2': '2014-10-01T00:00:00Z', // first Windows 10 preview
  INFO2: '1995-01-01T00:00:00Z',
};


function join(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** Hits about what was deleted: archives, volumes, staging locations. */
function pathHits(originalPath: string, prefix: 'recyclebin' | 'trash'): Hit[] {
  const hits: Hit[] = [];
  const archive = isArchiveName(originalPath) || isEncryptedName(originalPath);
  if (isVolumeName(originalPath)) {
    hits.push({ rule: `${prefix}-multipart-archive`, message: `archive volume deleted: ${originalPath}` });
  }
  if (archive) {
    const where = stagingLocation(originalPath);
    hits.push({ rule: `${prefix}-deleted-archive`, message: `archive or encrypted file deleted: ${originalPath}` });
    if (where) hits.push({ rule: `${prefix}-deleted-archive-from-staging-location`, message: `deleted archive came from ${where}: ${originalPath}` });
  }
  return hits;
}

function timeHits(record: ArtifactRecord, ctx: DetectContext): Hit[] {
  const deletedAt = record.deletedAt as string | null;
  const format = String(record.format);
  if (deletedAt === null) {
    return record.deletedAtFiletime ? [{ rule: 'recyclebin-time-anomaly', message: 'deletion time is not a valid FILETIME' }] : [];
  }
  const t = Date.parse(deletedAt);
  const earliest = EARLIEST[format];
  if (earliest && t < Date.parse(earliest)) {
    return [{ rule: 'recyclebin-time-anomaly', message: `deletion time ${deletedAt} predates ${format} (earliest ${earliest.slice(0, 10)})` }];
  }
  const modified = ctx.times.modified ? Date.parse(ctx.times.modified) : NaN;
  if (!Number.isFinite(modified)) return [];
  if (format === 'INFO2') {
    // INFO2 is rewritten at every deletion: a record may be older than the file, never newer.
    return t > modified + TIME_SKEW_MS
      ? [{ rule: 'recyclebin-time-anomaly', message: `deletion time ${deletedAt} is after INFO2 was last written (${ctx.times.modified})` }]
      : [];
  }
  // Windows writes a $I once, at deletion: its own modified time is the deletion time.
  if (Math.abs(modified - t) > TIME_SKEW_MS) {
    return [{ rule: 'recyclebin-time-anomaly', message: `deletion time ${deletedAt} disagrees with the $I file's own modified time ${ctx.times.modified}` }];
  }
  // Birth is only trusted when plausible (not after modified): copies and generated images get birth = copy time.
  const born = ctx.times.born ? Date.parse(ctx.times.born) : NaN;
  if (Number.isFinite(born) && born <= modified + BIRTH_SLACK_MS && Math.abs(born - t) > TIME_SKEW_MS) {
    return [{ rule: 'recyclebin-time-anomaly', message: `deletion time ${deletedAt} disagrees with the $I file's birth time ${ctx.times.born}` }];
  }
  return [];
}

/** Bounds on walking a deleted folder ($R directory): entries visited and nesting followed. */
const FOLDER_MAX_ENTRIES = 5000;
const FOLDER_MAX_DEPTH = 8;
/** Extensions named in a folder summary. */
const SUMMARY_TYPES_KEEP = 10;

/** What a deleted folder holds, walked breadth-first within the bounds above. */
export interface DeletedFolderSummary {
  files: number;
  directories: number;
  bytes: number;
  documents: number;
  archives: number;
  /** Files per lower-case extension ('(none)' when there is none), most frequent first. */
  types: Record<string, number>;
  /** Root-relative-to-the-folder paths of the first entries ('/' suffix for directories). */
  listing: string[];
  firstArchive: string | null;
  truncated: boolean;
}

function extensionKey(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 && dot < name.length - 1 ? name.slice(dot + 1).toLowerCase() : '(none)';
}

export function summariseDeletedFolder(list: (relPath: string) => ListedEntry[] | null, folder: string): DeletedFolderSummary | null {
  const top = list(folder);
  if (!top) return null;
  const sum: DeletedFolderSummary = { files: 0, directories: 0, bytes: 0, documents: 0, archives: 0, types: {}, listing: [], firstArchive: null, truncated: false };
  const types = new Map<string, number>();
  let queue: Array<{ inner: string; entries: ListedEntry[] }> = [{ inner: '', entries: top }];
  let visited = 0;
  for (let depth = 0; queue.length > 0; depth++) {
    const next: typeof queue = [];
    for (const { inner, entries } of queue) {
      for (const e of entries) {
        if (++visited > FOLDER_MAX_ENTRIES) { sum.truncated = true; break; }
        const innerPath = inner === '' ? e.name : `${inner}/${e.name}`;
        if (sum.listing.length < LISTING_KEEP) sum.listing.push(e.isDirectory ? `${innerPath}/` : innerPath);
        if (e.isDirectory) {
          sum.directories++;
          const sub = depth + 1 < FOLDER_MAX_DEPTH ? list(join(folder, innerPath)) : null;
          if (sub) next.push({ inner: innerPath, entries: sub });
          else if (depth + 1 >= FOLDER_MAX_DEPTH) sum.truncated = true;
          continue;
        }
        sum.files++;
        sum.bytes += e.size;
        types.set(extensionKey(e.name), (types.get(extensionKey(e.name)) ?? 0) + 1);
        if (isDocumentName(e.name)) sum.documents++;
        if (isArchiveName(e.name) || isEncryptedName(e.name)) { sum.archives++; sum.firstArchive ??= innerPath; }
      }
    }
    queue = sum.truncated && visited > FOLDER_MAX_ENTRIES ? [] : next;
  }
  sum.types = Object.fromEntries([...types.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, SUMMARY_TYPES_KEEP));
  return sum;
}

/** "12 files in 3 folders (docx 5, pdf 4, xlsx 3), 1.2 MB" */
function describeFolder(s: DeletedFolderSummary): string {
  const types = Object.entries(s.types).map(([ext, n]) => `${ext} ${n}`).join(', ');
  const folders = s.directories > 0 ? ` in ${s.directories + 1} folders` : '';
  return `${s.files} file(s)${folders}${types ? ` (${types})` : ''}, ${s.bytes} bytes${s.truncated ? ', listing cut' : ''}`;
}

/** Summarises a deleted folder ($R directory) and reports one full of documents or holding archives. */
function folderHits(ctx: DetectContext, dataFile: string): { hits: Hit[]; summary: DeletedFolderSummary | null } {
  if (!ctx.listDirectory) return { hits: [], summary: null };
  const summary = summariseDeletedFolder(ctx.listDirectory, join(relDirOf(ctx.relPath), dataFile));
  if (!summary) return { hits: [], summary: null };
  const hits: Hit[] = [];
  if (summary.documents >= DOCUMENT_FOLDER_MIN) {
    hits.push({ rule: 'recyclebin-deleted-document-folder', message: `deleted folder ${dataFile} holds ${summary.documents} documents: ${describeFolder(summary)}` });
  }
  if (summary.archives > 0) {
    hits.push({ rule: 'recyclebin-deleted-archive', message: `deleted folder ${dataFile} holds ${summary.archives} archive(s), e.g. ${summary.firstArchive}: ${describeFolder(summary)}` });
  }
  return { hits, summary };
}

function deletionEvent(record: ArtifactRecord, where: string): TimelineEvent[] {
  const time = record.deletedAt as string | null;
  return time ? [{ time, type: 'deleted', description: `${record.originalPath} deleted to the Recycle Bin (${where})` }] : [];
}

function recordCandidate(record: ArtifactRecord, ctx: DetectContext, hits: Hit[], details: Record<string, unknown>): Candidate {
  const originalPath = String(record.originalPath);
  return {
    kind: 'recycle-bin',
    path: ctx.relPath,
    hits,
    size: typeof record.size === 'number' ? record.size : null,
    format: String(record.format),
    times: ctx.times,
    originalPath,
    deletedAt: (record.deletedAt as string | null) ?? null,
    user: sidFromPath(ctx.relPath),
    details: { ...details, dataFile: record.dataFile, dataFileStatus: record.dataFileStatus },
    names: originalPath ? [{ path: originalPath, role: 'original' }] : [],
    events: deletionEvent(record, String(record.format)),
  };
}

export function detectDollarI(result: ArtifactResult, ctx: DetectContext): Candidate[] {
  const record = result.records[0];
  if (!record) return [];
  const originalPath = String(record.originalPath);
  const hits = [...pathHits(originalPath, 'recyclebin'), ...timeHits(record, ctx)];
  const dataFile = String(record.dataFile);
  const sibling = findSibling(ctx.siblings, dataFile);
  let folder: DeletedFolderSummary | null = null;
  if (ctx.siblings && !sibling) {
    hits.push({ rule: 'recyclebin-data-missing', message: `${dataFile} is gone: the item was purged or restored after deletion` });
  } else if (sibling?.isDirectory) {
    const found = folderHits(ctx, sibling.name);
    pushAll(hits, found.hits);
    folder = found.summary;
  }
  if (hits.length === 0) return [];
  if (!folder) return [recordCandidate(record, ctx, hits, {})];
  const { listing, ...deletedFolder } = folder;
  return [recordCandidate(record, ctx, hits, { deletedFolderListing: listing, deletedFolder })];
}

export function detectInfo2(result: Pick<ArtifactResult, 'records'>, ctx: DetectContext): Candidate[] {
  const out: Candidate[] = [];
  for (const record of result.records) {
    const hits = [...pathHits(String(record.originalPath), 'recyclebin'), ...timeHits(record, ctx)];
    if (hits.length === 0) continue;
    const candidate = recordCandidate(record, ctx, hits, { gone: record.gone });
    candidate.entry = `INFO2 record ${String(record.index)}`;
    out.push(candidate);
  }
  return out;
}

/**
 * $R data files: one without its $I was put there by hand, not by Explorer (a staging hiding place);
 * one whose bytes are an archive is deleted staged data whatever its $I says.
 */
export function detectDollarR(result: ArtifactResult, ctx: DetectContext): Candidate[] {
  const record = result.records[0];
  if (!record) return [];
  const hits: Hit[] = [];
  if (record.indexFileStatus === 'missing') {
    hits.push({ rule: 'recyclebin-data-without-index', message: `${ctx.name} has no ${String(record.indexFile)}: placed in the Recycle Bin directly` });
  }
  if (isArchiveFormat(ctx.format)) {
    hits.push({ rule: 'recyclebin-archive-content', message: `${ctx.name} holds a ${ctx.format} archive` });
  }
  if (isVolumeName(ctx.name)) hits.push({ rule: 'recyclebin-multipart-archive', message: `archive volume in the Recycle Bin: ${ctx.name}` });
  if (hits.length === 0) return [];
  return [
    {
      kind: 'recycle-bin',
      path: ctx.relPath,
      hits,
      size: ctx.size,
      format: ctx.format,
      times: ctx.times,
      user: sidFromPath(ctx.relPath),
      details: { indexFile: record.indexFile, indexFileStatus: record.indexFileStatus },
    },
  ];
}

export { pathHits as deletedPathHits };
