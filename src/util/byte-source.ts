/**
 * Random access to the bytes of one file, with positioned synchronous reads.
 * Parsers take a ByteSource instead of a path so they stay pure (no fs, no console) and
 * can be fed a Buffer in tests and fuzzing.
 */
import { LIMITS } from './limits.js';

export interface ByteSource {
  /** Total size in bytes (as seen when the file was opened). */
  readonly size: number;
  /**
   * Read up to `length` bytes at `position`. Returns fewer bytes at end of data (never throws
   * for reading past the end). Throws RangeError when length exceeds LIMITS.maxReadBytes.
   */
  read(position: number, length: number): Buffer;
  /** An open read-only file descriptor when the source is a file (for yauzl.fromFd), else undefined. */
  readonly fd?: number;
  /** A display name for warnings. */
  readonly name: string;
  /**
   * A file-backed source (src/evidence/reader.ts): reads into `buf` at `position`, to the file's
   * current end (it may have grown), and returns the bytes read; 0 at the end. Lets a caller that
   * streams a whole file (hashing) reuse one buffer.
   */
  readInto?(buf: Buffer, position: number): number;
  /** A source whose bytes another thread can fetch ahead of the reads (an EWF image: evidence/image/container/block-fetch.ts). */
  readonly fetchAhead?: FetchAhead;
}

/** A source its opener hands over: the holder closes it (a file opened for a parser: ArtifactContext.openSibling). */
export interface ClosableSource extends ByteSource {
  close(): void;
}

/**
 * Fetching ahead on another thread: hints of what will be read soon. What a read returns never
 * depends on it; only where the work of producing it is done.
 */
export interface FetchAhead {
  /** Starts the thread; settles once it is online (util/young-generation.ts), null when it cannot run. Hints before it are ignored. */
  start(): Promise<void> | null;
  /** These bytes will be read soon, after the ones hinted before them. */
  willRead(position: number, length: number): void;
  /** Ends the thread, waiting until it reads no more (before the files it reads are closed). */
  stop(): void;
}

export function checkLength(length: number): number {
  if (!Number.isFinite(length) || length < 0) return 0;
  if (length > LIMITS.maxReadBytes) throw new RangeError(`read of ${length} bytes exceeds limit ${LIMITS.maxReadBytes}`);
  return Math.floor(length);
}

export function bufferSource(buf: Buffer, name = '<buffer>'): ByteSource {
  return {
    size: buf.length,
    name,
    read(position: number, length: number): Buffer {
      const n = checkLength(length);
      if (position < 0 || position >= buf.length || n === 0) return Buffer.alloc(0);
      return buf.subarray(position, Math.min(buf.length, position + n));
    },
  };
}
