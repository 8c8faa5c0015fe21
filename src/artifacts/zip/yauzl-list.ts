/**
 * Listing through yauzl (the project's mandated ZIP reader): central directory only, no data read.
 * Options per docs/toolchain.md: decodeStrings off (raw names, so `../` and absolute names are
 * listed instead of aborting), size validation off (lying sizes are evidence, not a reason to stop).
 * yauzl reads through a RandomAccessReader over our ByteSource (fromRandomAccessReader), not fromFd:
 * fromFd makes one thread-pool fs.read per directory entry (measured 105-134 µs per entry, 1.3 s
 * for 10,000 entries, docs/archives.md) and its close() closes an fd that belongs to the pipeline.
 * The reader below answers from a 1 MiB read-ahead window with positioned sync reads (the
 * ByteSource's fd when it has one), so yauzl's own parsing runs at ~5 µs per entry.
 */
import yauzl from 'yauzl';
import type { ByteSource } from '../../util/byte-source.js';
import { LIMITS } from '../../util/limits.js';
import type { RawZipEntry } from './layout.js';
import { WindowReader, MAX_WINDOW_READ } from '../archive/window.js';
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
  autoClose: true, // closes only our SourceReader, never the ByteSource's fd
  decodeStrings: false,
  validateEntrySizes: false,
  strictFileNames: false,
};

const READS_PER_TURN = 256;

/** yauzl's reader interface over a ByteSource; read() is the only method yauzl uses for listing. */
class SourceReader extends yauzl.RandomAccessReader {
  private readonly window: WindowReader;
  private reads = 0;

  constructor(src: ByteSource) {
    super();
    this.window = new WindowReader(src);
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null, bytesRead: number) => void): void {
    let got = 0;
    try {
      while (got < length) {
        const chunk = this.window.get(position + got, Math.min(length - got, MAX_WINDOW_READ));
        if (chunk.length === 0) break;
        chunk.copy(buffer, offset + got);
        got += chunk.length;
      }
    } catch (err) {
      this.answer(() => callback(err as Error, got));
      return;
    }
    this.answer(() => callback(null, got));
  }

  /**
   * yauzl wants its callback called later, not from inside read(). A turn of the event loop per
   * read was two or three per entry, 111,000 turns on the 100k bench tree; the tick queue costs
   * none, and every READS_PER_TURN reads one real turn still lets signals and replies in.
   */
  private answer(callback: () => void): void {
    this.reads += 1;
    if (this.reads % READS_PER_TURN === 0) setImmediate(callback);
    else process.nextTick(callback);
  }
}

function open(src: ByteSource): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, zip?: yauzl.ZipFile) => (err || !zip ? reject(err ?? new Error('no zipfile')) : resolve(zip));
    yauzl.fromRandomAccessReader(new SourceReader(src), src.size, OPTIONS, done);
  });
}

export async function listWithYauzl(src: ByteSource): Promise<YauzlListing> {
  let zip: yauzl.ZipFile;
  try {
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
      zip.close();
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

/**
 * An entry's name as raw bytes. @types/yauzl types `fileName` as a string, but with
 * `decodeStrings: false` yauzl hands the bytes there (and only newer versions set `fileNameRaw`):
 * checked at run time rather than asserted.
 */
function nameBytes(e: yauzl.Entry): Buffer {
  const raw: unknown = e.fileNameRaw;
  if (Buffer.isBuffer(raw)) return Buffer.from(raw);
  const name: unknown = e.fileName;
  return Buffer.isBuffer(name) ? Buffer.from(name) : Buffer.from(String(name), 'utf8');
}

function fromYauzl(e: yauzl.Entry): RawZipEntry {
  const raw: RawZipEntry = {
    nameRaw: nameBytes(e),
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
