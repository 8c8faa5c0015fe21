/**
 * What is particular to a disk image root (the per-root pipeline itself is scan.ts `scanRoot`, the
 * same for a mounted directory): the image is opened, each readable file system (`case.E01#p2`)
 * becomes a root read through its EvidenceFs, its entries show the file system's own sub-second
 * digits, and the files behind findings are reopened by entry while the image is still open.
 */
import type { AtimeAudit } from '../evidence/reader.js';
import type { EvidenceFs, FsEntry, FsTime } from '../evidence/fs.js';
import { openDiskImage, type DiskImage, type DiskImageOptions, type ShadowCopyVolume } from '../evidence/image/index.js';
import { RootError } from '../evidence/root.js';
import type { FileTimes } from '../model/finding.js';
import type { RootMeta, ScanError } from '../model/report.js';
import { isoFromMs } from '../util/filetime.js';
import { lazyTimes } from './inspect.js';

export interface ImageRoots {
  /** The readable file systems, each scanned as a root named by its label; a shadow copy after its live volume. */
  volumes: Array<{ fs: EvidenceFs; label: string; shadowCopy?: ShadowCopyVolume }>;
  /** The image file behind these roots and the acquisition hashes it stores (E01), for the report's case header. */
  evidence: NonNullable<RootMeta['image']>;
  /** The container's and partition table's warnings, as errors of the image. */
  errors: ScanError[];
  /** Its file systems are walked: a thread reading its blocks ahead ends (the image stays open for hashing). */
  walked(): void;
  close(): void;
}

const msOf = (t?: FsTime): number => (t ? t.sec * 1000 + Math.floor(t.nsec / 1e6) : 0);
/** The one output format (util/filetime.ts) with the file system's own sub-second digits (100 ns). */
const isoOf = (t?: FsTime): string | null => {
  const ms = msOf(t);
  if (!t || !(ms > 0) || ms >= 8.64e15) return null; // as statTimes: no time, or none worth showing
  return `${isoFromMs(t.sec * 1000).slice(0, 19)}.${String(Math.floor(t.nsec / 100)).padStart(7, '0')}Z`;
};

/** An image entry's times as findings show them, formatted when first read (inspect.ts lazyTimes). */
export function imageEntryTimes(e: FsEntry): FileTimes {
  const t = e.times;
  return lazyTimes(() => ({ modified: isoOf(t.mtime), accessed: isoOf(t.atime), changed: isoOf(t.ctime), born: isoOf(t.crtime) }));
}

function imageEvidence(given: string, img: DiskImage): NonNullable<RootMeta['image']> {
  const info = img.image.info as { storedMd5?: string; storedSha1?: string; mediaSize?: number };
  return { file: given, format: img.image.format, mediaSize: info.mediaSize ?? null, storedMd5: info.storedMd5 ?? null, storedSha1: info.storedSha1 ?? null };
}

/** Every readable file system of the image, each as a root. A file with none is a usage error. */
export function openImageRoots(given: string, audit: AtimeAudit, options: DiskImageOptions = {}): ImageRoots {
  let img;
  try {
    img = openDiskImage(given, audit, options);
  } catch (err) {
    throw new RootError(`evidence root is not a directory and cannot be read as a disk image: ${given}: ${(err as Error).message}`);
  }
  const readable = img.volumes.filter((v) => v.fs);
  if (readable.length === 0) {
    img.close();
    // the container's own warnings often say why (a differencing disk without its parent, encryption)
    const why = img.warnings.slice(0, 3).map((w) => `; ${w}`).join('');
    throw new RootError(`evidence root is not a directory and no disk image with a readable file system: ${given} (${img.volumes.map((v) => `${v.label}: ${v.kind === 'unknown' ? 'no known file system' : v.kind}`).join(', ') || 'no partitions'})${why}`);
  }
  const opened = img;
  return {
    volumes: readable.map((v) => ({ fs: v.fs!, label: v.label, ...(v.shadowCopy ? { shadowCopy: v.shadowCopy } : {}) })),
    evidence: imageEvidence(given, opened),
    errors: opened.warnings.map((w) => ({ root: given, path: '', op: 'read', code: 'WARN', message: w })),
    walked: () => opened.image.media.fetchAhead?.stop(),
    close: () => opened.close(),
  };
}
