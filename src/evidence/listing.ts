/** A bounded, link-free listing of one directory, for parsers that pair files ($I/$R, volume sets, hive logs). */
import { lstatSync, readdirSync } from 'node:fs';
import type { DirEntryInfo } from '../model/evidence.js';
import { decodeName } from '../util/text.js';
import { fsPathOf, joinFsPath, type FsPath } from './paths.js';
import { checkComponents } from './root.js';

/** Entries listed per directory; a parser pairing files never needs more. */
export const MAX_LISTED_ENTRIES = 10_000;

/** The directory's entries (symlinks left out, sizes by lstat, names as display text), or null when it cannot be read. */
export function listDirectory(abs: FsPath): DirEntryInfo[] | null {
  try {
    return readdirSync(abs, { encoding: 'buffer', withFileTypes: true })
      .slice(0, MAX_LISTED_ENTRIES)
      .filter((d) => !d.isSymbolicLink())
      .map((d) => {
        let size = 0;
        try {
          if (d.isFile()) size = lstatSync(joinFsPath(abs, d.name)).size;
        } catch {
          /* vanished since the listing */
        }
        return { name: decodeName(d.name), isDirectory: d.isDirectory(), size };
      });
  } catch {
    return null;
  }
}

/**
 * `listDirectory` for '/'-separated display paths relative to a root, refusing anything outside
 * it: every component must be a real directory on the root's device (no link, no '..').
 */
export function rootLister(rootAbs: string, rootDev: number, crossMounts = false): (rel: string) => DirEntryInfo[] | null {
  return (rel: string) => {
    if (checkComponents(rootAbs, rel, { rootDev, crossMounts, last: 'directory' }) !== null) return null;
    return listDirectory(fsPathOf(rootAbs, rel));
  };
}
