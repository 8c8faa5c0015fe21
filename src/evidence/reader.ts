/**
 * Read-only access to one evidence file: O_NOATIME where permitted, O_NOFOLLOW and O_NONBLOCK
 * so a file swapped for a link or a FIFO after the walk can neither redirect nor block us,
 * and an fstat check that it is still a regular file.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { checkLength, type ByteSource } from '../util/byte-source.js';
import type { FsPath } from './paths.js';

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
  source: ByteSource;
  close(): void;
}

export class NotRegularFileError extends Error {
  code = 'ESPECIAL';
}

export function openEvidenceFile(abs: FsPath, displayName: string, audit: AtimeAudit): OpenedFile {
  let fd: number;
  if (NOATIME) {
    try {
      fd = openSync(abs, BASE_FLAGS | NOATIME);
      audit.preserved++;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
      fd = openSync(abs, BASE_FLAGS);
      audit.mayChange++;
    }
  } else {
    fd = openSync(abs, BASE_FLAGS);
    audit.mayChange++;
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw new NotRegularFileError('not a regular file; not read');
  }
  const size = st.size;
  return { fd, size, dev: st.dev, ino: st.ino, source: fdSource(fd, size, displayName), close: () => closeSync(fd) };
}

/** A ByteSource over an open evidence file: positioned synchronous reads, never past the size seen at open. */
export function fdSource(fd: number, size: number, name: string): ByteSource {
  return {
    size,
    fd,
    name,
    read(position: number, length: number): Buffer {
      const n = checkLength(length);
      if (position < 0 || position >= size || n === 0) return Buffer.alloc(0);
      const want = Math.min(n, size - position);
      const out = Buffer.allocUnsafe(want);
      let got = 0;
      while (got < want) {
        const r = readSync(fd, out, got, want - got, position + got);
        if (r === 0) break; // file shrank since it was opened
        got += r;
      }
      return got === want ? out : out.subarray(0, got);
    },
    readInto: (buf, position) => readSync(fd, buf, 0, buf.length, position),
  };
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

/** The first `length` bytes of an opened source (a file: read straight from its descriptor). */
export function readSourceHead(src: ByteSource, length: number): Buffer {
  return src.fd !== undefined ? readHead(src.fd, length, src.size) : src.read(0, Math.min(length, src.size));
}

/** Reads up to `length` bytes from the start of an open file. */
export function readHead(fd: number, length: number, size: number): Buffer {
  const want = Math.min(length, size);
  const buf = Buffer.allocUnsafe(want);
  let got = 0;
  while (got < want) {
    const n = readSync(fd, buf, got, want - got, got);
    if (n === 0) break;
    got += n;
  }
  return got === want ? buf : buf.subarray(0, got);
}
