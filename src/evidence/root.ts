/**
 * An evidence root: a directory holding a mounted image (or a live file system).
 * Detects the OS layout and resolves paths strictly inside the root.
 */
import { fileErrorText } from '../util/errno.js';
import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { OsKind } from '../model/evidence.js';
import { fsName, joinFsPath, type FsPath } from './paths.js';
import { osFromLayout } from './os-layout.js';

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

/** Top-level names, lower-cased, for layout detection. */
function topNames(abs: string): Set<string> {
  try {
    return new Set(readdirSync(abs).map((n) => n.toLowerCase()));
  } catch {
    return new Set();
  }
}

/** A directory (not a link) at `relDir`, matched case-insensitively. */
function hasDir(abs: string, relDir: string): boolean {
  const found = findInsideRoot(abs, relDir, true);
  if (found === null) return false;
  try {
    return lstatSync(path.join(abs, found)).isDirectory();
  } catch {
    return false;
  }
}

/** The OS whose layout the directory has (rules in os-layout.ts, shared with image file systems). */
export function detectOs(abs: string): OsKind {
  return osFromLayout(topNames(abs), (relDir) => hasDir(abs, relDir));
}

export function openRoot(given: string, osOption: OsKind | 'auto'): EvidenceRoot {
  let st;
  try {
    st = statSync(given);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RootError(code === 'ENOENT' ? `evidence root not found: ${given} (no such file or directory)` : `cannot open evidence root ${given}: ${fileErrorText(err)}`);
  }
  if (!st.isDirectory()) throw new RootError(`evidence root is not a directory: ${given} (mount the image and pass its mount point)`);
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

/** Why a path inside a root may not be entered: a link, another file system, or not there. */
export interface PathProblem {
  /** Display path of the component at fault, relative to the root. */
  relPath: string;
  code: 'ESYMLINK' | 'EXDEV' | 'ENOTDIR' | 'ENOENT' | string;
  message: string;
}

/**
 * Checks every component of `relPath` ('/'-separated, relative to `rootAbs`): each must be a real
 * directory (the last one `last`), never a symbolic link, on the root's device unless
 * `crossMounts`. Returns the first problem, or null when the whole path is safe to enter.
 */
export function checkComponents(rootAbs: string, relPath: string, opts: { rootDev: number; crossMounts: boolean; last: 'file' | 'directory' }): PathProblem | null {
  const parts = relPath.split('/').filter((p) => p !== '' && p !== '.');
  let dir: FsPath = rootAbs;
  let shown = '';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    shown = shown ? `${shown}/${part}` : part;
    if (part === '..') return { relPath: shown, code: 'ENOENT', message: "'..' leaves the root" };
    dir = joinFsPath(dir, fsName(part));
    let st;
    try {
      st = lstatSync(dir);
    } catch (err) {
      return { relPath: shown, code: (err as NodeJS.ErrnoException).code ?? 'ERROR', message: (err as Error).message };
    }
    if (st.isSymbolicLink()) return { relPath: shown, code: 'ESYMLINK', message: 'symbolic link in the path; not followed' };
    const isLast = i === parts.length - 1;
    if (isLast && opts.last === 'file') {
      if (!st.isFile()) return { relPath: shown, code: 'ESPECIAL', message: 'not a regular file' };
    } else if (!st.isDirectory()) return { relPath: shown, code: 'ENOTDIR', message: 'not a directory' };
    if (st.dev !== opts.rootDev && !opts.crossMounts) return { relPath: shown, code: 'EXDEV', message: 'another file system mounted inside the root; not entered' };
  }
  return null;
}

/**
 * Finds `relPath` ('/'-separated) inside the root, matching each segment case-insensitively when
 * asked (Windows images). Never follows symlinks: a link segment ends the search.
 * Returns the real relative path or null.
 */
export function findInsideRoot(rootAbs: string, relPath: string, caseInsensitive: boolean): string | null {
  const parts = relPath.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) return null;
  let dir = rootAbs;
  const found: string[] = [];
  for (const part of parts) {
    let hit: string | undefined;
    if (caseInsensitive) {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return null;
      }
      hit = names.find((n) => n === part) ?? names.find((n) => n.toLowerCase() === part.toLowerCase());
    } else hit = part;
    if (!hit) return null;
    const next = path.join(dir, hit);
    try {
      const st = lstatSync(next);
      if (st.isSymbolicLink()) return null;
    } catch {
      return null;
    }
    dir = next;
    found.push(hit);
  }
  return found.join('/');
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
