/** RAR 4 / RAR 5: signature, block walk, then the archive contract summary. */
import type { ByteSource } from '../../util/byte-source.js';
import type { ArchiveSummary, ArchiveVolume } from '../archive/summary.js';
import { volumeFromName } from '../archive/volume.js';
import type { RarEntry, RarWalk } from './common.js';
import { RAR4_SIGNATURE, RAR5_SIGNATURE } from './layout.js';
import { walkRar4 } from './rar4.js';
import { walkRar5 } from './rar5.js';
import { looksLikePe } from '../../util/pe.js';
import { offsetSource, peOverlayOffset } from '../sevenzip/sfx.js';

export interface RarParse {
  entries: RarEntry[];
  summary: ArchiveSummary;
  warnings: string[];
  corrupted: boolean;
}

export function rarVersion(head: Buffer): 4 | 5 | null {
  if (head.length >= RAR5_SIGNATURE.length && head.subarray(0, RAR5_SIGNATURE.length).equals(RAR5_SIGNATURE)) return 5;
  if (head.length >= RAR4_SIGNATURE.length && head.subarray(0, RAR4_SIGNATURE.length).equals(RAR4_SIGNATURE)) return 4;
  return null;
}

/**
 * Volume from the headers first (RAR 5 volume number, RAR 4 first-volume flag), then the name
 * (.partN.rar, .rNN). Null when neither says the file belongs to a set.
 */
function rarVolume(w: RarWalk, name: string): ArchiveVolume | null {
  const fromName = volumeFromName(name);
  const named = fromName && fromName.format === 'rar' ? fromName.volume : null;
  const isVolume = w.flags.volume === true;
  if (!isVolume && !named) return null;
  let index: number | null = named?.index ?? null;
  if (w.version === 5 && w.volumeNumber !== null) index = w.volumeNumber;
  else if (index === null && w.flags.firstVolume) index = 0;
  else if (index === null && /\.rar$/i.test(name) && !w.flags.newNumbering) index = 0; // old style: .rar, .r00, ...
  return { index, multiVolume: true };
}

function encryptionName(w: RarWalk): string {
  return w.version === 5 ? 'rar5-aes' : 'rar4-aes';
}

function summarize(w: RarWalk, name: string): ArchiveSummary {
  const listed = !w.headersEncrypted;
  const encrypted = w.entries.filter((e) => e.encrypted).length;
  return {
    format: 'rar',
    entryCount: listed ? w.entries.length : null,
    encryptedEntryCount: listed ? encrypted : null,
    headersEncrypted: w.headersEncrypted,
    volume: rarVolume(w, name),
    encryption: w.headersEncrypted || encrypted > 0 ? [encryptionName(w)] : [],
    totalSize: listed ? w.entries.reduce((a, e) => a + (e.size ?? 0), 0) : null,
    totalCompressedSize: listed ? w.entries.reduce((a, e) => a + (e.compressedSize ?? 0), 0) : null,
    packageType: null,
    selfExtracting: false,
    truncated: w.truncated,
    inner: null,
    fields: {
      rarVersion: w.version,
      ...w.flags,
      volumeNumber: w.volumeNumber,
      services: w.services,
      splitEntries: w.entries.filter((e) => e.splitBefore || e.splitAfter).length,
    },
  };
}

/**
 * Parses a RAR 4 or RAR 5 archive or volume, or a self-extracting RAR (PE stub + RAR in the
 * overlay); null when there is no RAR signature at offset 0 or right after the PE image.
 */
export function parseRar(src: ByteSource, name: string): RarParse | null {
  const head = src.read(0, RAR5_SIGNATURE.length);
  const version = rarVersion(head);
  if (version !== null) return parseAt(src, version, name);
  if (!looksLikePe(head)) return null;
  const overlay = peOverlayOffset(src);
  if (overlay === null) return null;
  const inner = offsetSource(src, overlay);
  const innerVersion = rarVersion(inner.read(0, RAR5_SIGNATURE.length));
  if (innerVersion === null) return null;
  const result = parseAt(inner, innerVersion, name);
  result.summary.selfExtracting = true;
  result.summary.fields.sfxOffset = overlay;
  return result;
}

function parseAt(src: ByteSource, version: 4 | 5, name: string): RarParse {
  const w = version === 5 ? walkRar5(src) : walkRar4(src);
  return { entries: w.entries, summary: summarize(w, name), warnings: w.warnings, corrupted: w.corrupted };
}
