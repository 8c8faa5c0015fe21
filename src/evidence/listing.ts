/** A bounded, link-free listing of one directory, for parsers that pair files ($I/$R, volume sets, hive logs). */
import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { DirEntryInfo } from '../model/evidence.js';
import { isInside } from './root.js';

/** Entries listed per directory; a parser pairing files never needs more. */
export const MAX_LISTED_ENTRIES = 10_000;

/** The directory's entries (symlinks left out, sizes by lstat), or null when it cannot be read. */
export function listDirectory(abs: string): DirEntryInfo[] | null {
  try {
    return readdirSync(abs, { withFileTypes: true })
      .slice(0, MAX_LISTED_ENTRIES)
      .filter((d) => !d.isSymbolicLink())
      .map((d) => {
        let size = 0;
        try {
          if (d.isFile()) size = lstatSync(path.join(abs, d.name)).size;
        } catch {
          /* vanished since the listing */
        }
        return { name: d.name, isDirectory: d.isDirectory(), size };
      });
  } catch {
    return null;
  }
}

/** `listDirectory` for '/'-separated paths relative to a root, refusing anything outside it. */
export function rootLister(rootAbs: string): (rel: string) => DirEntryInfo[] | null {
  return (rel: string) => {
    const abs = path.join(rootAbs, rel);
    return isInside(rootAbs, abs) ? listDirectory(abs) : null;
  };
}
