/** Bounded, link-free listings of one directory of a root, for parsers that pair files ($I/$R, volume sets, hive logs). */
import type { ListedEntry } from '../model/evidence.js';
import { DirectoryFs } from './directory-fs.js';
import { compactListing, type EvidenceFs } from './fs.js';

/** Entries listed per directory; a parser pairing files never needs more. */
export const MAX_LISTED_ENTRIES = 10_000;

/**
 * Lists directories of a root by their '/'-separated paths, through its EvidenceFs: looked up
 * exactly, never through a link or into another file system (unless the root enters them), live
 * entries only, links left out; null when the directory is not there or cannot be read.
 */
export function fsLister(fs: EvidenceFs): (relDir: string) => ListedEntry[] | null {
  return (relDir: string) => {
    const dir = fs.lookup(relDir, false);
    if (!dir || dir.type !== 'directory') return null;
    // A compact listing: names, types and sizes are all a pairing parser reads (no FsEntry per file of a large folder).
    const listed = compactListing(fs, dir);
    if (listed.error) return null;
    const out: ListedEntry[] = [];
    for (let i = 0; i < listed.count; i++) {
      if (out.length >= MAX_LISTED_ENTRIES) break;
      const type = listed.type(i);
      if (type === 'symlink') continue;
      out.push({ name: listed.name(i), isDirectory: type === 'directory', size: type === 'file' ? listed.size(i) : 0 });
    }
    return out;
  };
}

/** `fsLister` over a mounted directory given by its real path (the isolated worker's), refusing all if it is no longer on `rootDev`. */
export function rootLister(rootAbs: string, rootDev: number, crossMounts = false): (relDir: string) => ListedEntry[] | null {
  let fs: DirectoryFs;
  try {
    fs = new DirectoryFs(rootAbs, undefined, undefined, crossMounts);
  } catch {
    return () => null;
  }
  return fs.dev === rootDev ? fsLister(fs) : () => null;
}
