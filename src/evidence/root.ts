/**
 * An evidence root: a directory holding a mounted image (or a live file system).
 * Detects the OS layout and resolves paths strictly inside the root.
 */
import { fileErrorText } from '../util/errno.js';
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { OsKind } from '../model/evidence.js';
import { DirectoryFs } from './directory-fs.js';
import { detectFsOs } from './os-layout.js';

export interface EvidenceRoot {
  /** As given on the command line. */
  given: string;
  /** Absolute, resolved (realpath) directory. */
  abs: string;
  os: OsKind;
  /** Short label used in stable finding ids (the root's base name). */
  label: string;
}

export class RootError extends Error {}

/** The OS whose layout the directory has (rules in os-layout.ts, read through a DirectoryFs as for image file systems). */
export function detectOs(abs: string): OsKind {
  let fs: DirectoryFs;
  try {
    fs = new DirectoryFs(abs);
  } catch {
    return 'unknown';
  }
  try {
    return detectFsOs(fs);
  } catch {
    return 'unknown';
  } finally {
    fs.close();
  }
}

export function openRoot(given: string, osOption: OsKind | 'auto'): EvidenceRoot {
  let st;
  try {
    st = statSync(given);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RootError(code === 'ENOENT' ? `evidence root not found: ${given} (no such file or directory)` : `cannot open evidence root ${given}: ${fileErrorText(err)}`);
  }
  // Callers take a regular file as a disk image before they come here: what is left is a device, FIFO or socket.
  if (!st.isDirectory()) throw new RootError(`evidence root is neither a directory nor a disk image file: ${given} (devices, FIFOs and sockets are never opened: image the device to a file)`);
  const abs = realpathSync(path.resolve(given));
  const os = osOption === 'auto' ? detectOs(abs) : osOption;
  return { given, abs, os, label: path.basename(abs) || abs };
}

/**
 * True when `candidate` (absolute) is `root` or lies inside it. Compared by path segments, so a
 * directory named `..evil` inside the root is inside; resolve links (realpath) on both sides first.
 */
export function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  if (relative === '') return true;
  if (path.isAbsolute(relative)) return false;
  return relative.split(path.sep)[0] !== '..';
}

/**
 * `fileAbs` (absolute, links unresolved) as a '/'-separated path inside the root, whether it was
 * named through the root as given or through its real path; null when it is not inside.
 */
export function relativeInside(root: Pick<EvidenceRoot, 'given' | 'abs'>, fileAbs: string): string | null {
  for (const base of [path.resolve(root.given), root.abs]) {
    if (isInside(base, fileAbs)) return path.relative(base, fileAbs).split(path.sep).join('/');
  }
  return null;
}

/** A regular file given where a root is expected is a disk image (a directory is a mounted one). */
export function isImageFile(given: string): boolean {
  try {
    return statSync(given).isFile();
  } catch {
    return false; // openRoot reports what is wrong with it
  }
}

/** The image files' real paths, so an output file is never written over one. */
export function imageGuards(roots: readonly string[]): string[] {
  return roots.filter(isImageFile).map((r) => realpathSync(r));
}
