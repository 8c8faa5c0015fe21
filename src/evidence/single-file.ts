/** Opening one file named on the command line (explain, parse): read-only, regular files only, through a DirectoryFs. */
import { fileErrorText } from '../util/errno.js';
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { relDirOf, type DirEntryInfo } from '../model/evidence.js';
import { DirectoryFs } from './directory-fs.js';
import type { FsEntry, OpenedSource } from './fs.js';
import { fsLister, fsOpener } from './listing.js';
import { readSourceHead } from './reader.js';
import { relativeInside, type EvidenceRoot } from './root.js';
import { LIMITS } from '../util/limits.js';
import { escapeControls } from '../util/text.js';

/** A file named on the command line that cannot be read as evidence (the CLI prints it as one line, exit 2). */
export class SingleFileError extends Error {}

export interface SingleFile {
  abs: string;
  name: string;
  /** '/'-separated path inside the root, when a root is known. */
  relPath: string | null;
  /** The file as its directory lists it (lstat-like, its own times). */
  entry: FsEntry;
  source: OpenedSource;
  head: Buffer;
  siblings: DirEntryInfo[];
  /** Opens a file of the same DirectoryFs by its path (`relPath ?? name` is this file's): a parser reads the file's siblings through it; valid until `source` is closed. */
  openFile(relPath: string): OpenedSource | null;
}

/** Why `fileAbs` cannot be read as a file of `root` (outside it, or a link or mount on the way), or null. */
export function problemInRoot(root: EvidenceRoot, fileAbs: string): string | null {
  const relPath = relativeInside(root, fileAbs);
  if (relPath === null) return `not inside ${root.given}`;
  const fs = new DirectoryFs(root.abs, root.label);
  const problem = fs.recheck(relPath, 'file');
  fs.close();
  return problem ? `${problem.relPath} inside the root: ${problem.message} (links and other file systems are never followed)` : null;
}

/** Why a named file could not be looked up: the host's own words for the path (only for the message). */
function missingText(abs: string): string {
  try {
    lstatSync(abs);
    return 'no such file';
  } catch (err) {
    return fileErrorText(err);
  }
}

/**
 * Opens `file` through a DirectoryFs: with a `root`, over the root, the file must lie inside it
 * and every component from the root down must be a real directory on the root's file system
 * (never a link); without, over the file's own directory. The file opened is the entry listed
 * (same device and inode).
 */
export function openSingleFile(file: string, root?: EvidenceRoot): SingleFile {
  const given = path.resolve(file);
  let relPath: string | null = null;
  let fs: DirectoryFs;
  let lookFor: string;
  if (root) {
    relPath = relativeInside(root, given);
    if (relPath === null) throw new SingleFileError(`${escapeControls(file)} is not inside --root ${escapeControls(root.given)}`);
    const problem = problemInRoot(root, given);
    if (problem) throw new SingleFileError(`${escapeControls(file)}: ${escapeControls(problem)}`);
    fs = new DirectoryFs(root.abs, root.label);
    lookFor = relPath;
  } else {
    try {
      fs = new DirectoryFs(path.dirname(given));
    } catch (err) {
      throw new SingleFileError(`cannot open ${escapeControls(file)}: ${fileErrorText(err)}`);
    }
    lookFor = path.basename(given);
  }
  const abs = path.join(fs.abs, lookFor);
  try {
    const entry = fs.lookup(lookFor);
    if (!entry) throw new SingleFileError(`cannot open ${escapeControls(file)}: ${missingText(abs)}`);
    if (entry.type === 'symlink') throw new SingleFileError(`${escapeControls(file)} is a symbolic link; pass the file it points to (links are never followed)`);
    if (entry.type !== 'file') throw new SingleFileError(`${escapeControls(file)} is not a regular file`);
    let source: OpenedSource;
    try {
      source = fs.open(entry);
    } catch (err) {
      throw new SingleFileError(`cannot open ${escapeControls(file)}: ${fileErrorText(err)}`);
    }
    const closeFile = source.close;
    source.close = () => {
      closeFile();
      fs.close(); // and the directory handles of a deep path
    };
    const siblings = fsLister(fs)(relDirOf(lookFor)) ?? [];
    return { abs, name: entry.name, relPath, entry, source, head: readSourceHead(source, LIMITS.headBytes), siblings, openFile: fsOpener(fs) };
  } catch (err) {
    fs.close();
    throw err;
  }
}
