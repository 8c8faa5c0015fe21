/** Helpers every archive parser uses to fill the ArchiveSummary contract and the entry records. */
import type { ArchiveEntry, ArchiveEntryRecord, ArchiveFormat, ArchiveRecord, ArchiveResult, ArchiveSummary } from './summary.js';
import { printable } from './indicators.js';

export function emptySummary(format: ArchiveFormat): ArchiveSummary {
  return {
    format,
    entryCount: null,
    encryptedEntryCount: null,
    headersEncrypted: false,
    volume: null,
    encryption: [],
    totalSize: null,
    totalCompressedSize: null,
    packageType: null,
    selfExtracting: false,
    truncated: false,
    inner: null,
    fields: {},
  };
}

/** Counts and totals from a listed set of entries. */
export function withEntries(summary: ArchiveSummary, entries: readonly ArchiveEntry[]): ArchiveSummary {
  let total = 0;
  let totalCompressed = 0;
  let sizesKnown = true;
  let compressedKnown = true;
  for (const e of entries) {
    if (e.size === null) sizesKnown = false;
    else total += e.size;
    if (e.compressedSize === null) compressedKnown = false;
    else totalCompressed += e.compressedSize;
  }
  return {
    ...summary,
    entryCount: entries.length,
    encryptedEntryCount: entries.filter((e) => e.encrypted).length,
    totalSize: sizesKnown ? total : null,
    totalCompressedSize: compressedKnown ? totalCompressed : null,
  };
}

/** The `archive-entry` parse record (docs/archives.md): the contract fields first, extras after. */
export function entryRecord(e: ArchiveEntry, extra: Record<string, unknown> = {}): ArchiveEntryRecord {
  return {
    type: 'archive-entry',
    name: e.name,
    size: e.size,
    compressedSize: e.compressedSize,
    modified: e.modified,
    encrypted: e.encrypted,
    isDirectory: e.isDirectory,
    method: e.method ?? null,
    ...extra,
  };
}

/**
 * The records that are an archive's contents: a compressed stream's tar members when it holds a tar,
 * else all of its own; and the entries of the archives inside it (nested.ts) in both cases.
 */
export function contentRecords(records: readonly ArchiveRecord[]): readonly ArchiveRecord[] {
  const holdsTar = records.some((r) => r.type === 'archive-entry' && r.inner === 'tar' && r.nestedIn === undefined);
  return holdsTar ? records.filter((r) => r.type === 'archive-entry' && (r.inner === 'tar' || r.nestedIn !== undefined)) : records;
}

/** The first `max` entry names of an archive's contents, made printable (what a finding shows of a carved or recovered archive). */
export function contentNames(records: readonly ArchiveRecord[], max: number): string[] {
  const names: string[] = [];
  for (const r of contentRecords(records)) {
    if (names.length >= max) break;
    if (r.type === 'archive-entry') names.push(printable(r.name));
  }
  return names;
}

/** Entries back from records (for the detector, which gets the ArchiveResult). */
export function entriesFromRecords(records: readonly ArchiveRecord[]): ArchiveEntry[] {
  const out: ArchiveEntry[] = [];
  for (const r of records) {
    if (r.type !== 'archive-entry') continue;
    out.push({ name: r.name, size: r.size, compressedSize: r.compressedSize, modified: r.modified, encrypted: r.encrypted, isDirectory: r.isDirectory, method: r.method ?? null });
  }
  return out;
}

/** The ArtifactResult of an archive parser that produced entries and a summary (null: not this format). */
export function archiveResult(
  parser: string,
  parsed: { entries: readonly ArchiveRecord[]; summary: ArchiveSummary; warnings: string[]; corrupted: boolean } | null,
): ArchiveResult | null {
  if (!parsed) return null;
  return { parser, records: [...parsed.entries], warnings: parsed.warnings, corrupted: parsed.corrupted, facts: parsed.summary };
}
