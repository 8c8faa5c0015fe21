/**
 * Bounded, link-free listings of one directory of a root, for parsers that pair files ($I/$R, volume
 * sets, hive logs), and the files beside one opened for them (a hive's transaction logs).
 */
import { relDirOf, type DirEntryInfo, type ListedEntry } from '../model/evidence.js';
import type { ClosableSource } from '../util/byte-source.js';
import { DirectoryFs } from './directory-fs.js';
import { compactListing, type EvidenceFs, type OpenedSource } from './fs.js';

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

/**
 * Opens files of a root by their '/'-separated paths, through its EvidenceFs: looked up exactly,
 * never through a link or into another file system (unless the root enters them), regular files
 * only, read-only as every evidence file; null when the file is not there or cannot be opened.
 */
export function fsOpener(fs: EvidenceFs): (relPath: string) => OpenedSource | null {
  return (relPath: string) => {
    const entry = fs.lookup(relPath, false);
    if (!entry || entry.type !== 'file') return null;
    try {
      return fs.open(entry);
    } catch {
      return null;
    }
  };
}

/** A mounted directory given by its real path (the isolated worker's), or null when it cannot be opened or is no longer on `rootDev`. */
function rootFs(rootAbs: string, rootDev: number, crossMounts: boolean): DirectoryFs | null {
  try {
    const fs = new DirectoryFs(rootAbs, undefined, undefined, crossMounts);
    if (fs.dev === rootDev) return fs;
    fs.close();
  } catch {
    // refused below
  }
  return null;
}

/** `fsLister` and `fsOpener` over one DirectoryFs of a mounted directory given by its real path (a worker's), refusing all if it is no longer on `rootDev`. */
export function rootAccess(rootAbs: string, rootDev: number, crossMounts = false): { list: (relDir: string) => ListedEntry[] | null; open: (relPath: string) => OpenedSource | null } {
  const fs = rootFs(rootAbs, rootDev, crossMounts);
  return fs ? { list: fsLister(fs), open: fsOpener(fs) } : { list: () => null, open: () => null };
}

/**
 * `ArtifactContext.openSibling` for the file at `relPath`: only a regular file its directory listed
 * (`siblings`), by that exact name, is opened, through `openFile` (an `fsOpener`).
 */
export function siblingOpener(relPath: string, siblings: readonly DirEntryInfo[] | undefined, openFile: (relPath: string) => ClosableSource | null): (name: string) => ClosableSource | null {
  return (name: string) => {
    if (!siblings?.some((s) => !s.isDirectory && s.name === name)) return null;
    const dir = relDirOf(relPath);
    return openFile(dir === '' ? name : `${dir}/${name}`);
  };
}
