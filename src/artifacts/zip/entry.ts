/** Turns raw ZIP header fields into the shared ArchiveEntry plus the encryption scheme name. */
import { dosDateTimeToIso } from '../../util/filetime.js';
import type { ArchiveEntry } from '../archive/summary.js';
import { decodeEntryName } from '../archive/names.js';
import {
  FLAG_CD_ENCRYPTED,
  FLAG_ENCRYPTED,
  FLAG_STRONG,
  FLAG_UTF8,
  METHOD_AES,
  aesInfo,
  methodName,
  ntfsModified,
  strongAlgorithm,
  unixModified,
  type RawZipEntry,
} from './layout.js';

export interface ZipEntryView extends ArchiveEntry {
  /** zipcrypto, aes-128/192/256, pkware-strong(-alg), or null when not encrypted. */
  encryption: string | null;
  offset: number;
  flags: number;
}

export function encryptionOf(e: RawZipEntry): string | null {
  const aes = e.method === METHOD_AES ? aesInfo(e.extras) : null;
  if (e.method === METHOD_AES) return aes?.strengthBits ? `aes-${aes.strengthBits}` : 'aes';
  if (!(e.flags & FLAG_ENCRYPTED)) return null;
  // Bit 6 alone (no 0x0017 strong-encryption header, directory not encrypted) is what 7-Zip and
  // unar read as ZipCrypto; yauzl alone calls it strong (corpus: failure_strong_encryption...).
  const alg = strongAlgorithm(e.extras);
  if (e.flags & FLAG_STRONG && (alg || e.flags & FLAG_CD_ENCRYPTED)) return alg ? `pkware-strong-${alg}` : 'pkware-strong';
  return 'zipcrypto';
}

function methodOf(e: RawZipEntry): string {
  if (e.method === METHOD_AES) {
    const aes = aesInfo(e.extras);
    return `aes(${aes ? methodName(aes.actualMethod) : 'unknown'})`;
  }
  return methodName(e.method);
}

export function toEntryView(e: RawZipEntry): ZipEntryView {
  const name = decodeEntryName(e.nameRaw, (e.flags & FLAG_UTF8) !== 0);
  const encryption = encryptionOf(e);
  const msdosDir = (e.versionMadeBy >> 8 === 0 || e.versionMadeBy >> 8 === 10) && (e.externalAttributes & 0x10) !== 0;
  return {
    name,
    size: e.uncompressedSize,
    compressedSize: e.compressedSize,
    modified: ntfsModified(e.extras) ?? unixModified(e.extras) ?? dosDateTimeToIso(e.dosDate, e.dosTime),
    encrypted: encryption !== null,
    isDirectory: name.endsWith('/') || name.endsWith('\\') || msdosDir,
    method: methodOf(e),
    encryption,
    offset: e.localOffset,
    flags: e.flags,
  };
}
