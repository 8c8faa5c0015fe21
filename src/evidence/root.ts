/**
 * An evidence root: a directory holding a mounted image (or a live file system).
 * Detects the OS layout and resolves paths strictly inside the root.
 */
import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { OsKind } from '../model/evidence.js';

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

/** A directory (not a link) at `rel`, matched case-insensitively. */
function hasDir(abs: string, rel: string): boolean {
  const found = findInsideRoot(abs, rel, true);
  if (found === null) return false;
  try {
    return lstatSync(path.join(abs, found)).isDirectory();
  } catch {
    return false;
  }
}

/** Windows: Windows/System32, $Recycle.Bin, or Users+ProgramData. macOS: System/Library or private+Users+Library. Linux: etc + usr/var/bin. */
export function detectOs(abs: string): OsKind {
  const top = topNames(abs);
  if (hasDir(abs, 'Windows/System32') || top.has('$recycle.bin') || top.has('recycler') || (top.has('users') && top.has('programdata')) || top.has('documents and settings'))
    return 'windows';
  if (hasDir(abs, 'System/Library') || (top.has('private') && top.has('users') && top.has('library'))) return 'macos';
  if (top.has('etc') && (top.has('usr') || top.has('var') || top.has('bin'))) return 'linux';
  if (top.has('home') || top.has('tmp')) return 'linux';
  return 'unknown';
}

export function openRoot(given: string, osOption: OsKind | 'auto'): EvidenceRoot {
  let st;
  try {
    st = statSync(given);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RootError(code === 'ENOENT' ? `evidence root not found: ${given}` : `cannot open evidence root ${given}: ${code ?? (err as Error).message}`);
  }
  if (!st.isDirectory()) throw new RootError(`evidence root is not a directory: ${given} (mount the image and pass its mount point)`);
  const abs = realpathSync(path.resolve(given));
  const os = osOption === 'auto' ? detectOs(abs) : osOption;
  return { given, abs, os, label: path.basename(abs) || abs };
}

/**
 * True when `candidate` (absolute) is `root` or lies inside it: the one "is this path inside a
 * root" check. By path segments: '..evil/out.json' is inside, '../x' is not.
 */
export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  if (rel === '') return true;
  if (path.isAbsolute(rel)) return false; // another drive on Windows
  return rel.split(path.sep)[0] !== '..';
}

/**
 * Finds `rel` ('/'-separated) inside the root, matching each segment case-insensitively when
 * asked (Windows images). Never follows symlinks: a link segment ends the search.
 * Returns the real relative path or null.
 */
export function findInsideRoot(rootAbs: string, rel: string, caseInsensitive: boolean): string | null {
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.');
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
