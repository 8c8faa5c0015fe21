/**
 * Types shared by the evidence, walk, hotspots, artifacts and pipeline stages, kept here so that
 * each stage imports downwards (evidence and walk no longer import from artifacts/).
 */

/** The layout of an evidence root (src/evidence/root.ts detectOs), or 'unknown'. */
export type OsKind = 'windows' | 'linux' | 'macos' | 'unknown';

/**
 * One entry of a directory listing handed to parsers that pair files ($I/$R, volume sets): its name
 * and kind. The walk's listings give no sizes: a regular file's numbers are known once it is opened.
 */
export interface DirEntryInfo {
  name: string;
  isDirectory: boolean;
}

/** An entry of a directory listed for a parser (`listDirectory`: a deleted folder's contents), with a regular file's size (0 for anything else). */
export interface ListedEntry extends DirEntryInfo {
  size: number;
}

/** The directory of a root-relative path ('/'-separated), '' for a file at the root. */
export function relDirOf(relPath: string): string {
  const slash = relPath.lastIndexOf('/');
  return slash < 0 ? '' : relPath.slice(0, slash);
}
