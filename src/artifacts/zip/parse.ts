/**
 * ZIP listing: yauzl first (central directory only), our own central-directory walk when yauzl
 * refuses, and a local-header scan as the cross-check for fake end records, truncation and
 * encrypted central directories. Nothing is decompressed.
 */
import type { ByteSource } from '../../util/byte-source.js';
import type { ArtifactContext } from '../types.js';
import type { ArchiveResult, ArchiveSummary, ArchiveVolume } from '../archive/summary.js';
import { emptySummary, entryRecord, withEntries } from '../archive/build.js';
import { volumeFromName, zipHasSplitSiblings } from '../archive/volume.js';
import { looksLikePe } from '../../util/pe.js';
import { findEndRecord, walkCentral, type EndSearch } from './central.js';
import { scanLocalHeaders } from './local-scan.js';
import { listWithYauzl } from './yauzl-list.js';
import { toEntryView, type ZipEntryView } from './entry.js';
import { packageTypeOf } from './package.js';
import { EOCD_SIZE, FLAG_CD_ENCRYPTED, FLAG_ENCRYPTED, FLAG_STRONG, SIG_LOCAL, SIG_SPANNING, type RawZipEntry } from './layout.js';
import { pushAll } from '../../util/arrays.js';

interface Listing {
  raws: RawZipEntry[];
  lister: 'yauzl' | 'central-walk' | 'local-scan' | 'none';
  truncated: boolean;
  corrupted: boolean;
  warnings: string[];
  localHeaders: number | null;
}

export async function parseZip(src: ByteSource, ctx: ArtifactContext): Promise<ArchiveResult | null> {
  const head = src.read(0, 64);
  const magic = head.length >= 4 ? head.readUInt32LE(0) : 0;
  const isPe = looksLikePe(head) || /\.exe$/i.test(ctx.name);
  const search = findEndRecord(src);
  const listing = await list(src, search, magic, isPe);
  const nameVolume = volumeFromName(ctx.name);
  const zipVolumeName = nameVolume && (nameVolume.format === 'zip' || nameVolume.format === 'unknown') ? nameVolume : null;

  if (listing.lister === 'none' && listing.raws.length === 0) {
    // Not a zip by structure; a later part of a split set still says "volume".
    if (!zipVolumeName || isPe) return null;
    const summary: ArchiveSummary = { ...emptySummary('zip'), volume: zipVolumeName.volume, truncated: true };
    summary.fields = { structure: 'none (continuation volume: data only)' };
    return { parser: 'zip', records: [], warnings: [], corrupted: false, facts: summary };
  }

  const views = listing.raws.map(toEntryView);
  const headersEncrypted = listing.raws.some(cdEncryptedFlag);
  let summary = withEntries(emptySummary('zip'), views);
  summary.headersEncrypted = headersEncrypted;
  summary.encryption = [...new Set(views.map((v) => v.encryption).filter((x): x is string => x !== null))].sort();
  if (headersEncrypted) summary.encryption = [...new Set([...summary.encryption, 'central-directory-encrypted'])];
  summary.volume = volumeOf(search, magic, zipVolumeName?.volume ?? null, ctx);
  summary.selfExtracting = isPe && views.length > 0;
  summary.truncated = listing.truncated;
  summary.packageType = summary.encryptedEntryCount ? null : packageTypeOf(views.map((v) => v.name), ctx.name);
  summary.fields = fieldsOf(search, listing, views, summary);
  summary = { ...summary };
  return {
    parser: 'zip',
    records: views.map((v) => entryRecord(v, { encryption: v.encryption, offset: v.offset })),
    warnings: listing.warnings,
    corrupted: listing.corrupted,
    facts: summary,
  };
}

async function list(src: ByteSource, search: EndSearch, magic: number, isPe: boolean): Promise<Listing> {
  const warnings: string[] = [];
  let listing: Listing = { raws: [], lister: 'none', truncated: false, corrupted: false, warnings, localHeaders: null };
  if (search.end) {
    const y = await listWithYauzl(src);
    if (y.error === null) {
      listing = { ...listing, raws: y.entries, lister: 'yauzl', truncated: y.truncated };
      if (y.truncated) warnings.push(`listing stopped at ${y.entries.length} of ${y.claimed} claimed entries`);
    } else {
      const expected = /strong encryption|multi-disk/.test(y.error);
      if (!expected) warnings.push(`yauzl refused the central directory (${y.error}); using own walk`);
      const walk = walkCentral(src, search.end);
      pushAll(warnings, walk.warnings);
      listing = { ...listing, raws: walk.entries, lister: 'central-walk', truncated: walk.truncated, corrupted: !expected || walk.truncated };
    }
    if (search.shadowed) {
      // An end record inside the comment of another: the outer (earlier) one is the real directory.
      warnings.push(`end record at ${search.end.position} sits inside the comment of the one at ${search.shadowed.position} (fake end record)`);
      const walk = walkCentral(src, search.shadowed);
      pushAll(warnings, walk.warnings);
      if (walk.entries.length > listing.raws.length) listing = { ...listing, raws: walk.entries, lister: 'central-walk', truncated: walk.truncated };
      listing.corrupted = true;
    }
  }
  if (needsLocalScan(src, search, listing, magic, isPe)) crossCheck(src, listing, search, isPe);
  return listing;
}

/** Bit 13 means "central directory encrypted" only together with bits 0 and 6 (it needs strong encryption); garbage headers set it at random. */
function cdEncryptedFlag(e: RawZipEntry): boolean {
  const need = FLAG_CD_ENCRYPTED | FLAG_ENCRYPTED | FLAG_STRONG;
  return (e.flags & need) === need;
}

function needsLocalScan(src: ByteSource, search: EndSearch, listing: Listing, magic: number, isPe: boolean): boolean {
  if (!search.end) return !isPe && (magic === SIG_LOCAL || magic === SIG_SPANNING);
  if (listing.truncated || listing.raws.length === 0) return search.end.position > 0 || magic === SIG_LOCAL;
  return false;
}

/** Replace or confirm the directory listing with what the local headers say. */
function crossCheck(src: ByteSource, listing: Listing, search: EndSearch, isPe: boolean): void {
  const scan = scanLocalHeaders(src, 0);
  listing.localHeaders = scan.entries.length;
  if (scan.entries.length <= listing.raws.length) return;
  const cdEncrypted = scan.entries.some(cdEncryptedFlag);
  if (!cdEncrypted) {
    const what = !search.end
      ? 'no end-of-central-directory record (truncated or not finished)'
      : `central directory lists ${listing.raws.length} entries (end record claims ${search.end.count})`;
    listing.warnings.push(`${what}; ${scan.entries.length} local headers found by scanning`);
    listing.corrupted = true;
  } else {
    listing.warnings.push('central directory is encrypted (flag bit 13); entries counted from local headers, names masked');
  }
  if (isPe && !search.end) return;
  listing.raws = scan.entries;
  listing.lister = 'local-scan';
  listing.truncated = listing.truncated || scan.truncated || !cdEncrypted;
}

function volumeOf(search: EndSearch, magic: number, fromName: ArchiveVolume | null, ctx: ArtifactContext): ArchiveVolume | null {
  const end = search.end;
  if (end && (end.disk > 0 || end.cdDisk > 0)) return { index: end.disk, multiVolume: true };
  if (magic === SIG_SPANNING) return { index: 0, multiVolume: true };
  if (fromName) return fromName;
  if (zipHasSplitSiblings(ctx.name, ctx.siblings)) return { index: null, multiVolume: true };
  return null;
}

function fieldsOf(search: EndSearch, listing: Listing, views: ZipEntryView[], summary: ArchiveSummary): Record<string, unknown> {
  let maxRatio = 0;
  for (const v of views) {
    if (v.size && v.compressedSize && v.compressedSize > 0) maxRatio = Math.max(maxRatio, v.size / v.compressedSize);
  }
  return {
    lister: listing.lister,
    zip64: search.end?.zip64 ?? false,
    claimedEntryCount: search.end?.count ?? null,
    endRecordSignatures: search.candidates,
    commentLength: search.end?.commentLength ?? null,
    localHeadersScanned: listing.localHeaders,
    maxCompressionRatio: Math.round(maxRatio * 10) / 10,
    compressionRatio:
      summary.totalSize && summary.totalCompressedSize ? Math.round((summary.totalSize / summary.totalCompressedSize) * 10) / 10 : null,
    bytesAfterEndRecord: search.end ? Math.max(0, search.fileSize - (search.end.position + EOCD_SIZE + search.end.commentLength)) : null,
  };
}
