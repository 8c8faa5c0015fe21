/**
 * Read-only access to one evidence file: O_NOATIME where permitted, O_NOFOLLOW and O_NONBLOCK
 * so a file swapped for a link or a FIFO after the walk can neither redirect nor block us,
 * and an fstat check that it is still a regular file.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { checkLength, type ByteSource } from '../util/byte-source.js';
import type { FsPath } from './paths.js';
import { slabBytes } from '../util/slab-bytes.js';

const BASE_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
const NOATIME = constants.O_NOATIME ?? 0;

export interface AtimeAudit {
  /** Files opened with O_NOATIME. */
  preserved: number;
  /** Files opened without it (not owner, no CAP_FOWNER, or unsupported): their atime may change. */
  mayChange: number;
}

export interface OpenedFile {
  fd: number;
  size: number;
  /** Identity of what was opened (fstat), to make sure a later reopen reaches the same file. */
  dev: number;
  ino: number;
  /** The fstat made at open (a file listed without lstat takes its numbers from it). */
  stats: StatNumbers;
  /** Whether it was opened with O_NOATIME. */
  noatime: boolean;
  source: ByteSource;
  close(): void;
}

/** The numbers of an lstat or fstat an entry is built from (a `Stats` has them; compact listings and the read-ahead keep them in Float64Arrays). */
export interface StatNumbers {
  dev: number;
  ino: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
  birthtimeMs: number;
}

/** Doubles a `StatNumbers` takes in a Float64Array (writeStatNumbers), and where its size is among them. */
export const STAT_FIELDS = 11;
export const STAT_SIZE_FIELD = 6;

/** Writes `st` at `at` in `to`, in the one order compact listings and the read-ahead's ring share. */
export function writeStatNumbers(to: Float64Array, at: number, st: StatNumbers): void {
  to[at] = st.dev;
  to[at + 1] = st.ino;
  to[at + 2] = st.mode;
  to[at + 3] = st.nlink;
  to[at + 4] = st.uid;
  to[at + 5] = st.gid;
  to[at + STAT_SIZE_FIELD] = st.size;
  to[at + 7] = st.atimeMs;
  to[at + 8] = st.mtimeMs;
  to[at + 9] = st.ctimeMs;
  to[at + 10] = st.birthtimeMs;
}

/** The numbers writeStatNumbers wrote at `at`. */
export function readStatNumbers(from: Float64Array, at: number): StatNumbers {
  return { dev: from[at]!, ino: from[at + 1]!, mode: from[at + 2]!, nlink: from[at + 3]!, uid: from[at + 4]!, gid: from[at + 5]!, size: from[at + STAT_SIZE_FIELD]!, atimeMs: from[at + 7]!, mtimeMs: from[at + 8]!, ctimeMs: from[at + 9]!, birthtimeMs: from[at + 10]! };
}

export class NotRegularFileError extends Error {
  code = 'ESPECIAL';
}

export function openEvidenceFile(abs: FsPath, displayName: string, audit: AtimeAudit): OpenedFile {
  const { fd, stats, noatime } = openRegularFile(abs);
  if (noatime) audit.preserved++;
  else audit.mayChange++;
  const size = stats.size;
  return { fd, size, dev: stats.dev, ino: stats.ino, stats, noatime, source: fdSource(fd, size, displayName), close: () => closeSync(fd) };
}

/**
 * Opens `abs` as evidence (O_NOATIME when the kernel allows it, O_NOFOLLOW, O_NONBLOCK) and makes
 * sure it is a regular file; `noatime`: whether its access time is kept. The one place these flags
 * are chosen, for this thread and for the read-ahead worker (read-ahead-worker.ts).
 */
export function openRegularFile(abs: FsPath): { fd: number; stats: Stats; noatime: boolean } {
  let fd: number;
  let noatime = false;
  if (NOATIME) {
    try {
      fd = openSync(abs, BASE_FLAGS | NOATIME);
      noatime = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
      fd = openSync(abs, BASE_FLAGS);
    }
  } else fd = openSync(abs, BASE_FLAGS);
  const stats = fstatSync(fd);
  if (!stats.isFile()) {
    closeSync(fd);
    throw new NotRegularFileError('not a regular file; not read');
  }
  return { fd, stats, noatime };
}

/**
 * Reads served again from memory: the head and the last read of at most this many bytes. The
 * parsers of one file re-read what it has already given (a ZIP: its head, then its first 64 bytes,
 * then the end records, which in a small file are the whole file; a gzip: its whole self for the
 * header, then again for the trailer; a Recycle Bin $I record: twice): on the findings-heavy bench
 * tree a third of the reads were wholly inside the head (docs/performance.md "Reads served from what
 * a file already gave, and a collection after scoring").
 */
const HELD_READ_BYTES = 1024 * 1024;
/** A read shorter than this reads this much (or to the end) and holds it. */
const READ_AHEAD_BYTES = 4096;
const EMPTY = Buffer.alloc(0);

/**
 * A ByteSource over an open evidence file: positioned synchronous reads, never past the size seen at
 * open. A read wholly inside bytes it has already read (the bytes from offset 0, the last read)
 * is a copy of them, not a system call: the file as first read, also if it changes meanwhile.
 * `head`: the file's first bytes when they were read before the source was made (another thread);
 * the first read of exactly those bytes is given them, as the read itself would have been.
 */
export function fdSource(fd: number, size: number, name: string, head: Buffer = EMPTY): ByteSource {
  let start = head; // the longest read from offset 0
  let headGiven = head.length === 0;
  let last = EMPTY;
  let lastAt = 0;
  return {
    size,
    fd,
    name,
    read(position: number, length: number): Buffer {
      const n = checkLength(length);
      if (position < 0 || position >= size || n === 0) return Buffer.alloc(0);
      const want = Math.min(n, size - position);
      const end = position + want;
      if (!headGiven && position === 0 && end === head.length) {
        headGiven = true;
        return head;
      }
      if (end <= start.length) return copyOf(start, position, end);
      if (position >= lastAt && end <= lastAt + last.length) return copyOf(last, position - lastAt, end - lastAt);
      // A small read takes the rest of its page too: record walks read a header, then the record after it.
      const ask = want < READ_AHEAD_BYTES ? Math.min(READ_AHEAD_BYTES, size - position) : want;
      const out = slabBytes(ask);
      const got = readFully(fd, out, 0, ask, position);
      const read = got === ask ? out : out.subarray(0, got);
      if (got <= HELD_READ_BYTES) {
        // Held as returned (parsers never change the bytes a source gives them; bufferSource shares its own).
        if (position === 0 && got > start.length) start = read;
        else {
          last = read;
          lastAt = position;
        }
      }
      return ask === want ? read : copyOf(read, 0, Math.min(want, got));
    },
    readInto: (buf, position) => readSync(fd, buf, 0, buf.length, position),
  };
}

/**
 * Reads `length` bytes at `position` into `buf` from `offset`, fewer only at the file's end (it
 * shrank since it was opened); returns the bytes read.
 */
export function readFully(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
  let got = 0;
  while (got < length) {
    const r = readSync(fd, buf, offset + got, length - got, position + got);
    if (r === 0) break;
    got += r;
  }
  return got;
}

/** A fresh buffer with `held[from, to)`, as a read from the file would be. */
function copyOf(held: Buffer, from: number, to: number): Buffer {
  const out = slabBytes(to - from);
  held.copy(out, 0, from, to);
  return out;
}

/** The start-of-scan warning when `noatimeRefused`. */
export const NOATIME_REFUSED =
  'O_NOATIME is refused here (not the owner of the evidence and no CAP_FOWNER, or not supported): reading files may change their access times; mount the evidence read-only (ro,noatime) or run as root';

/**
 * True when the kernel would refuse O_NOATIME on the files of `dir` (we are neither their owner
 * nor privileged: EPERM), probed on the directory itself before anything is read, so the analyst
 * hears at the start that reading may change access times.
 */
export function noatimeRefused(dir: string): boolean {
  if (!NOATIME) return true;
  try {
    closeSync(openSync(dir, constants.O_RDONLY | (constants.O_DIRECTORY ?? 0) | NOATIME));
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The first `length` bytes of an opened source (a file source holds them for its later reads). */
export function readSourceHead(src: ByteSource, length: number): Buffer {
  return src.read(0, Math.min(length, src.size));
}
