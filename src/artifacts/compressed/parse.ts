/**
 * Single-stream compressors: header fields, one "entry" for the stream, and the entry list of a tar
 * inside (inner-tar.ts, decompressed within bounds). LZMA-alone (`.lzma`) is not looked into here:
 * its inner format is left null and the reason recorded in fields.innerNote.
 */
import { gunzipSync, constants } from 'node:zlib';
import type { ByteSource } from '../../util/byte-source.js';
import { LIMITS } from '../../util/limits.js';
import type { ArtifactContext } from '../types.js';
import type { ArchiveEntry, ArchiveResult } from '../archive/summary.js';
import { emptySummary, entryRecord, withEntries } from '../archive/build.js';
import { volumeFromName } from '../archive/volume.js';
import { looksLikeTar } from '../tar/layout.js';
import { walkTar } from '../tar/walk.js';
import { contentName, readGzipHeader, sniffStream, streamFields } from './layout.js';
import { listInnerTar } from './inner-tar.js';

/** Compressed bytes fed to inflate: deflate expands at most ~1032:1, so output stays <= 8.3 MiB. */
const PEEK_INPUT_BYTES = 8 * 1024;
const GZIP_HEADER_READ = 8 * 1024;
const INNER_ENTRY_LIMIT = 1000;

const TAR_HINT = /\.(tgz|tbz2?|txz|tzst|tlz|taz)$|\.tar\.[^.]+$/i;

export async function parseCompressed(src: ByteSource, ctx: ArtifactContext): Promise<ArchiveResult | null> {
  const head = src.read(0, GZIP_HEADER_READ);
  const format = sniffStream(head, ctx.name);
  if (!format) return null;
  const warnings: string[] = [];
  const fields: Record<string, unknown> = streamFields(format, head);
  const entry: ArchiveEntry = {
    // x.tgz holds x.tar, as 7-Zip names it; a.txt.gz holds a.txt.
    name: contentName(ctx.name) ?? ctx.name,
    size: null,
    compressedSize: src.size,
    modified: null,
    encrypted: false,
    isDirectory: false,
    method: format,
  };
  let inner: string | null = null;
  let innerEntries: ArchiveEntry[] = [];
  if (format === 'gzip') inner = gzipDetails(src, head, entry, fields, warnings, innerEntries);
  else if (format === 'lzma') {
    if (typeof fields.uncompressedSize === 'number') entry.size = fields.uncompressedSize;
    fields.innerNote = `no ${format} decompressor bundled; inner format not checked`;
    if (TAR_HINT.test(ctx.name)) fields.innerHint = 'tar (from the file name)';
  }
  // The whole entry list of a tar inside, decompressed as a stream within bounds (gzip only when its head is a tar).
  if (format !== 'lzma' && (format !== 'gzip' || inner === 'tar')) {
    const t = await listInnerTar(src, format);
    // Not damage of this file's own structure: kept apart from the parse warnings.
    if (t.warnings.length) fields.innerWarnings = t.warnings.slice(0, 5);
    if (t.entries) {
      inner = 'tar';
      innerEntries = t.entries;
      Object.assign(fields, { innerEntriesSeen: t.entries.length, innerEntriesComplete: t.complete, innerStoppedBy: t.stoppedBy, innerBytesIn: t.bytesIn, innerBytesOut: t.bytesOut });
      fields.innerFirstEntries = t.entries.slice(0, 10).map((e) => e.name);
    } else if (format !== 'gzip' && TAR_HINT.test(ctx.name)) fields.innerHint = 'tar (from the file name)';
  }
  if (format === 'gzip' && TAR_HINT.test(ctx.name) && inner !== 'tar') fields.innerHint = 'tar (from the file name)';
  const summary = withEntries(emptySummary(format), [entry]);
  summary.inner = inner;
  summary.fields = fields;
  const vol = volumeFromName(ctx.name);
  summary.volume = vol && vol.format !== 'unknown' ? vol.volume : null;
  return {
    parser: 'compressed',
    // The tar members seen inside (contents decide: docs/scoring.md), after the stream's own record.
    records: [entryRecord(entry, { stream: format }), ...innerEntries.map((e) => entryRecord(e, { inner: 'tar' }))],
    warnings,
    corrupted: warnings.length > 0,
    facts: summary,
  };
}

function gzipDetails(src: ByteSource, head: Buffer, entry: ArchiveEntry, fields: Record<string, unknown>, warnings: string[], innerEntries: ArchiveEntry[]): string | null {
  const h = readGzipHeader(head);
  if (!h) {
    warnings.push('gzip header truncated or its name/comment field is unterminated');
    return null;
  }
  if (h.originalName) entry.name = h.originalName;
  entry.modified = h.mtime;
  Object.assign(fields, { originalName: h.originalName, comment: h.comment, mtime: h.mtime, os: h.os });
  if (src.size >= 18) entry.size = src.read(src.size - 4, 4).readUInt32LE(0); // ISIZE of the last member, mod 2^32
  // gunzip (not raw inflate) so concatenated members (split-then-gzipped tars) continue the peek
  const plain = gunzipHead(src.read(0, PEEK_INPUT_BYTES));
  if (plain === null) {
    warnings.push('deflate data could not be decoded');
    return null;
  }
  fields.peekBytes = plain.length;
  if (!looksLikeTar(plain)) return null;
  const w = walkTar((pos, len) => plain.subarray(pos, pos + len), plain.length, INNER_ENTRY_LIMIT);
  fields.innerEntriesSeen = w.entries.length;
  fields.innerEntriesComplete = w.endMarker;
  fields.innerFirstEntries = w.entries.slice(0, 10).map((e) => e.name);
  for (const e of w.entries) innerEntries.push(e);
  return 'tar';
}

/** Gunzip the head of a gzip file without failing on the cut end; at most maxDecompressPeekBytes kept. */
export function gunzipHead(input: Buffer): Buffer | null {
  try {
    const out = gunzipSync(input, { finishFlush: constants.Z_SYNC_FLUSH });
    return out.subarray(0, LIMITS.maxDecompressPeekBytes);
  } catch {
    return null;
  }
}

