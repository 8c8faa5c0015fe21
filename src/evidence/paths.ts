/**
 * Turning display paths back into file-system paths, and reaching paths longer than PATH_MAX.
 *
 * Display paths ('/'-separated, relative to a root) are an injective escape of the raw name bytes
 * (`decodeName` in util/text.ts), so the exact bytes are always recoverable: a name holding an
 * invalid UTF-8 byte is never confused with a decoy that spells the escape literally.
 *
 * The kernel refuses paths over PATH_MAX (4096 bytes) with ENAMETOOLONG, and Node has no openat().
 * Deep trees are reached through directory handles instead: an open directory's descriptor is
 * a short path, /proc/self/fd/N, from which the walk continues. An `Anchor` is such a handle;
 * `refs` drops to 0 when it is closed (DirectoryFs then rebuilds the paths that went through it).
 */
import { closeSync, constants, existsSync, openSync } from 'node:fs';
import { encodeName, isPlainName } from '../util/text.js';

/** A host path usable with node:fs: a string when every component is valid UTF-8, else a Buffer. */
export type FsPath = string | Buffer;

/** Directory handles can be used as path prefixes (Linux /proc). Elsewhere deep paths stay ENAMETOOLONG. */
const HANDLE_DIR = '/proc/self/fd';
export const HANDLES_AVAILABLE = process.platform === 'linux' && existsSync(HANDLE_DIR);

/**
 * Paths longer than this (bytes), or this many levels below their last handle, continue from a
 * directory handle: under PATH_MAX (4096), and short enough that resolving a path stays cheap
 * (a 1,000-component path costs the kernel a lookup per component on every lstat).
 */
export const ANCHOR_AFTER_BYTES = 1024;
export const ANCHOR_AFTER_LEVELS = 64;

const DIR_FLAGS = constants.O_RDONLY | (constants.O_DIRECTORY ?? 0) | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

export interface Anchor {
  fd: number;
  /** Holders of this handle; 0 once it is closed. */
  refs: number;
  /** The short path that stands for the directory: /proc/self/fd/N. */
  prefix: string;
}

export function byteLength(p: FsPath): number {
  return typeof p === 'string' ? Buffer.byteLength(p) : p.length;
}

/** Opens `dir` (a directory, never through a link in its last component) as a handle. Throws like open(2). */
export function openAnchor(dir: FsPath): Anchor {
  const fd = openSync(dir, DIR_FLAGS);
  return { fd, refs: 1, prefix: `${HANDLE_DIR}/${fd}` };
}

export function releaseAnchor(a: Anchor | null): void {
  if (a && --a.refs === 0) {
    try {
      closeSync(a.fd);
    } catch {
      /* already closed */
    }
  }
}

/** `dir` + '/' + `name`, a string while both are plain text, else bytes. */
export function joinFsPath(dir: FsPath, name: Buffer | string): FsPath {
  const sep = (typeof dir === 'string' ? dir.endsWith('/') : dir[dir.length - 1] === 0x2f) ? '' : '/';
  if (typeof dir === 'string' && typeof name === 'string') return `${dir}${sep}${name}`;
  const d = typeof dir === 'string' ? Buffer.from(dir, 'utf8') : dir;
  const n = typeof name === 'string' ? Buffer.from(name, 'utf8') : name;
  return Buffer.concat([d, Buffer.from(sep), n]);
}

/** One display name as a file-system name: text when it has no escapes, else its exact bytes. */
export function fsName(display: string): Buffer | string {
  return isPlainName(display) ? display : encodeName(display);
}

/**
 * A path to `relPath` (a display path under `rootAbs`) that the kernel accepts at any depth: long
 * prefixes are replaced by directory handles, opened without following a link at their last
 * component. `release()` closes them. The caller still checks what it opens (fstat identity).
 */
export function reachablePath(rootAbs: string, relPath: string): { path: FsPath; throughHandle: boolean; release(): void } {
  const anchors: Anchor[] = [];
  const release = (): void => anchors.forEach((a) => releaseAnchor(a));
  let p: FsPath = rootAbs;
  try {
    for (const part of relPath.split('/')) {
      if (part === '') continue;
      const name = fsName(part);
      if (HANDLES_AVAILABLE && byteLength(p) + byteLength(name) + 1 > ANCHOR_AFTER_BYTES) {
        const a = openAnchor(p);
        anchors.push(a);
        p = a.prefix;
      }
      p = joinFsPath(p, name);
    }
  } catch (err) {
    release();
    throw err;
  }
  return { path: p, throughHandle: anchors.length > 0, release };
}
