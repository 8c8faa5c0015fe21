/** Opening one file named on the command line (explain, parse): read-only, regular files only. */
import { fileErrorText } from '../util/errno.js';
import { lstatSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { DirEntryInfo } from '../model/evidence.js';
import { listDirectory } from './listing.js';
import { openEvidenceFile, readHead, type OpenedFile } from './reader.js';
import { checkComponents, relativeInside, type EvidenceRoot } from './root.js';
import { LIMITS } from '../util/limits.js';
import { escapeControls } from '../util/text.js';

/** A file named on the command line that cannot be read as evidence (the CLI prints it as one line, exit 2). */
export class SingleFileError extends Error {}

export interface SingleFile {
  abs: string;
  name: string;
  /** '/'-separated path inside the root, when a root is known. */
  rel: string | null;
  stat: Stats;
  opened: OpenedFile;
  head: Buffer;
  siblings: DirEntryInfo[];
}

/** Why `fileAbs` cannot be read as a file of `root` (outside it, or a link or mount on the way), or null. */
export function problemInRoot(root: EvidenceRoot, fileAbs: string): string | null {
  const rel = relativeInside(root, fileAbs);
  if (rel === null) return `not inside ${root.given}`;
  const problem = checkComponents(root.abs, rel, { rootDev: statSync(root.abs).dev, crossMounts: false, last: 'file' });
  return problem ? `${problem.rel} inside the root: ${problem.message} (links and other file systems are never followed)` : null;
}

/**
 * Opens `file`. With a `root`, the file must lie inside it and every component from the root down
 * must be a real directory on the root's file system (never a link): the file actually opened is
 * the one under the root's real path that was checked.
 */
export function openSingleFile(file: string, root?: EvidenceRoot): SingleFile {
  let abs = path.resolve(file);
  let rel: string | null = null;
  if (root) {
    rel = relativeInside(root, abs);
    if (rel === null) throw new SingleFileError(`${escapeControls(file)} is not inside --root ${escapeControls(root.given)}`);
    const problem = problemInRoot(root, abs);
    if (problem) throw new SingleFileError(`${escapeControls(file)}: ${escapeControls(problem)}`);
    abs = path.join(root.abs, rel);
  }
  let stat: Stats;
  try {
    stat = lstatSync(abs);
  } catch (err) {
    throw new SingleFileError(`cannot open ${escapeControls(file)}: ${fileErrorText(err)}`);
  }
  if (stat.isSymbolicLink()) throw new SingleFileError(`${escapeControls(file)} is a symbolic link; pass the file it points to (links are never followed)`);
  if (!stat.isFile()) throw new SingleFileError(`${escapeControls(file)} is not a regular file`);
  let opened: OpenedFile;
  try {
    opened = openEvidenceFile(abs, path.basename(abs), { preserved: 0, mayChange: 0 });
  } catch (err) {
    throw new SingleFileError(`cannot open ${escapeControls(file)}: ${fileErrorText(err)}`);
  }
  const head = readHead(opened.fd, LIMITS.headBytes, opened.size);
  return { abs, name: path.basename(abs), rel, stat, opened, head, siblings: listDirectory(path.dirname(abs)) ?? [] };
}
