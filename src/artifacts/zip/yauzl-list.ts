/**
 * Listing through yauzl (the project's mandated ZIP reader): central directory only, no data read.
 * Options per docs/toolchain.md: decodeStrings off (raw names, so `../` and absolute names are
 * listed instead of aborting), size validation off (lying sizes are evidence, not a reason to stop).
 * With a file descriptor we use fromFd with autoClose: false and never call close(): the fd belongs
 * to the ByteSource's owner, and yauzl's close() (FdSlicer.unref) would fs.close() it under the
 * pipeline. An unclosed fromFd ZipFile holds no other resource.
 */
import yauzl from 'yauzl';
import type { ByteSource } from '../../util/byte-source.js';
import { LIMITS } from '../../util/limits.js';
import type { RawZipEntry } from './layout.js';
import { applyZip64Extra } from './layout.js';

export interface YauzlListing {
  entries: RawZipEntry[];
  /** Entry count from the end record as yauzl read it. */
  claimed: number;
  /** Set when yauzl stopped with an error (entries read before it are kept). */
  error: string | null;
  truncated: boolean;
}

const OPTIONS: yauzl.Options = {
  lazyEntries: true,
  autoClose: false,
  decodeStrings: false,
  validateEntrySizes: false,
  strictFileNames: false,
};

function open(src: ByteSource): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, zip?: yauzl.ZipFile) => (err || !zip ? reject(err ?? new Error('no zipfile')) : resolve(zip));
    if (src.fd !== undefined) yauzl.fromFd(src.fd, OPTIONS, done);
    else yauzl.fromBuffer(src.read(0, src.size), OPTIONS, done);
  });
}

export async function listWithYauzl(src: ByteSource): Promise<YauzlListing> {
  let zip: yauzl.ZipFile;
  try {
    if (src.fd === undefined && src.size > LIMITS.maxReadBytes) {
      return { entries: [], claimed: 0, error: 'in-memory source larger than the read limit', truncated: true };
    }
    zip = await open(src);
  } catch (err) {
    return { entries: [], claimed: 0, error: (err as Error).message, truncated: false };
  }
  return new Promise((resolve) => {
    const entries: RawZipEntry[] = [];
    let settled = false;
    const finish = (error: string | null, truncated: boolean) => {
      if (settled) return;
      settled = true;
      zip.removeAllListeners();
      zip.on('error', () => undefined); // late errors after close must not become unhandled
      if (src.fd === undefined) zip.close();
      resolve({ entries, claimed: zip.entryCount, error, truncated });
    };
    zip.on('entry', (e: yauzl.Entry) => {
      entries.push(fromYauzl(e));
      if (entries.length >= LIMITS.maxArchiveEntries && zip.entryCount > entries.length) finish(null, true);
      else zip.readEntry();
    });
    zip.on('end', () => finish(null, false));
    zip.on('error', (err: Error) => finish(err.message, true));
    zip.readEntry();
  });
}

function fromYauzl(e: yauzl.Entry): RawZipEntry {
  const raw: RawZipEntry = {
    // decodeStrings: false makes fileName the raw bytes
    nameRaw: Buffer.from(e.fileNameRaw ?? (e.fileName as unknown as Buffer)),
    flags: e.generalPurposeBitFlag,
    method: e.compressionMethod,
    dosTime: e.lastModFileTime,
    dosDate: e.lastModFileDate,
    crc: e.crc32,
    compressedSize: e.compressedSize,
    uncompressedSize: e.uncompressedSize,
    localOffset: e.relativeOffsetOfLocalHeader,
    extras: e.extraFields.map((f) => ({ id: f.id, data: Buffer.from(f.data) })),
    externalAttributes: e.externalFileAttributes,
    versionMadeBy: e.versionMadeBy,
    source: 'central',
  };
  applyZip64Extra(raw); // yauzl already applied it; harmless when values are no longer 0xffffffff
  return raw;
}
