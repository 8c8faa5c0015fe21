/** Checking a path inside a mounted root component by component on the host (no link, same device). */
import { lstatSync } from 'node:fs';
import { fsName, joinFsPath, type FsPath } from './paths.js';

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
