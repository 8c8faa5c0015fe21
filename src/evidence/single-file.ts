/** Opening one file named on the command line (explain, parse): read-only, regular files only, through a DirectoryFs or a disk image's file system. */
import { fileErrorText } from '../util/errno.js';
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { relDirOf, type DirEntryInfo, type OsKind } from '../model/evidence.js';
import { DirectoryFs } from './directory-fs.js';
import type { EvidenceFs, FsEntry, OpenedSource } from './fs.js';
import { openDiskImage, type DiskImage, type ImageVolume } from './image/index.js';
import { detectFsOs } from './os-layout.js';
import { fsLister, fsOpener } from './listing.js';
import { readSourceHead, type AtimeAudit } from './reader.js';
import { relativeInside, type EvidenceRoot } from './root.js';
import { LIMITS } from '../util/limits.js';
import { escapeControls } from '../util/text.js';

/** A file named on the command line that cannot be read as evidence (the CLI prints it as one line, exit 2). */
export class SingleFileError extends Error {}

export interface SingleFile {
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

/** Why `fileAbs` cannot be read as a file (or, `last`, a folder) of `root` (outside it, or a link or mount on the way), or null. */
export function problemInRoot(root: EvidenceRoot, fileAbs: string, last: 'file' | 'directory' = 'file'): string | null {
  const relPath = relativeInside(root, fileAbs);
  if (relPath === null) return `not inside ${root.given}`;
  const fs = new DirectoryFs(root.abs, root.label);
  const problem = fs.recheck(relPath, last);
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
  try {
    const entry = fs.lookup(lookFor);
    if (!entry) throw new SingleFileError(`cannot open ${escapeControls(file)}: ${missingText(path.join(fs.abs, lookFor))}`);
    // The file's source closes the directory handles of a deep path with it.
    return openListed(fs, entry, lookFor, relPath, file, () => fs.close());
  } catch (err) {
    fs.close();
    throw err;
  }
}

/** A listed entry of `fs` (or its named `stream`) opened as a SingleFile (regular files only); `closeFs` runs when its source is closed. */
function openListed(fs: EvidenceFs, entry: FsEntry, lookFor: string, relPath: string | null, given: string, closeFs: () => void, stream: string | null = null): SingleFile {
  if (entry.type === 'symlink') throw new SingleFileError(`${escapeControls(given)} is a symbolic link; pass the file it points to (links are never followed)`);
  if (entry.type !== 'file') throw new SingleFileError(`${escapeControls(given)} is not a regular file`);
  let source: OpenedSource;
  try {
    source = stream === null ? fs.open(entry) : fs.open(entry, stream);
  } catch (err) {
    throw new SingleFileError(`cannot open ${escapeControls(given)}: ${fileErrorText(err)}`);
  }
  const closeFile = source.close;
  source.close = () => {
    closeFile();
    closeFs();
  };
  const siblings = fsLister(fs)(relDirOf(lookFor)) ?? [];
  // A stream is named as Windows names it, so that the parsers that claim `$UsnJrnl:$J` by name do.
  return { name: stream === null ? entry.name : `${entry.name}:${stream}`, relPath, entry, source, head: readSourceHead(source, LIMITS.headBytes), siblings, openFile: fsOpener(fs) };
}

/**
 * A path's entry on an image volume, exactly then ignoring case; a last segment `name:stream` that
 * names no file is the named data stream of `name` (NTFS names cannot hold ':').
 */
function lookupWithStream(fs: EvidenceFs, relPath: string): { entry: FsEntry; stream: string | null } | null {
  const entry = fs.lookup(relPath, true);
  if (entry) return { entry, stream: null };
  const m = /^(.*?[^/:]):([^/:]+)$/.exec(relPath);
  if (!m) return null;
  const base = fs.lookup(m[1], true);
  const wanted = m[2].toLowerCase();
  const stream = base?.streams.find((s) => s.name !== '' && s.name.toLowerCase() === wanted);
  return base && stream ? { entry: base, stream: stream.name } : null;
}

/** A path named inside a disk image (`explain --root IMAGE`, `parse --root IMAGE`): its volume and its live file, if it has one. */
export interface ImageTarget {
  /** The readable volumes' labels (`case.E01#p2`, `case.E01#p2#vss1`), as a scan names its roots. */
  labels: string[];
  /** The volume of the path: named by its prefix, else the one live volume that has the file, else the image's only live volume; null when none of these. */
  volume: { label: string; os: OsKind; fs: EvidenceFs } | null;
  /** The path named its volume (a label prefix): only that volume's findings are the file's. */
  named: boolean;
  /**
   * The shadow copies that hold the file when no live volume does, oldest first; the file opened
   * (and `volume`) is the newest one's. Empty when a live volume has it or the path named a volume.
   */
  shadowCopies: string[];
  /** The path inside the volume, '/'-separated (as the volume spells it when the file was found), without a stream name. */
  relPath: string;
  /** The named data stream opened (`$Extend/$UsnJrnl:$J`, `readme.txt:Zone.Identifier`), or null: the file's own content. */
  stream?: string | null;
  /** The live file, open; null when no volume has a live file at the path (what the traces say is still worth asking), or it is a folder. */
  file: SingleFile | null;
  /** The folder at the path, when it is one (explain reports the scan's findings at it). */
  directory: FsEntry | null;
  /** Closes the image (after the file's source). */
  close(): void;
}

/**
 * `file` as a path inside one of the image's volumes: `PerfLogs/1/data.7z`, `/PerfLogs/...`,
 * `C:\PerfLogs\...`, or prefixed with a volume's label as scans name it (`case.E01#p2/PerfLogs/...`)
 * to choose among several. Looked up as the volume spells it first, then ignoring case (NTFS and
 * FAT names are case-insensitive); never through a link.
 */
export function openImageFile(image: string, file: string, audit?: AtimeAudit): ImageTarget {
  let disk: DiskImage;
  try {
    disk = openDiskImage(image, audit);
  } catch (err) {
    throw new SingleFileError(`--root ${escapeControls(image)} is not a directory and cannot be read as a disk image: ${escapeControls((err as Error).message)}`);
  }
  try {
    const volumes = disk.volumes.filter((v): v is ImageVolume & { fs: EvidenceFs } => v.fs !== null);
    const labels = volumes.map((v) => v.label);
    if (volumes.length === 0) throw new SingleFileError(`${escapeControls(image)} has no readable file system`);
    const { label, relPath } = pathInImage(file, labels);
    const searched = label ? volumes.filter((v) => v.label === label) : volumes.filter((v) => !v.shadowCopy);
    const lookIn = (on: typeof volumes) =>
      on.flatMap((v) => {
        const hit = lookupWithStream(v.fs, relPath);
        return hit ? [{ v, ...hit }] : [];
      });
    let found = lookIn(searched);
    // Gone from every live volume: the newest shadow copy that still has it (copies are listed oldest first).
    let shadowCopies: string[] = [];
    if (found.length === 0 && !label) {
      const inCopies = lookIn(volumes.filter((v) => v.shadowCopy));
      shadowCopies = inCopies.map((f) => f.v.label);
      found = inCopies.slice(-1);
    }
    if (found.length > 1) {
      const names = found.map((f) => f.v.label);
      throw new SingleFileError(`${escapeControls(file)} is on ${names.length} volumes of ${escapeControls(image)} (${escapeControls(names.join(', '))}): name one, as in ${escapeControls(`${names[0]}/${relPath}`)}`);
    }
    const close = () => disk.close();
    if (found.length === 0) {
      const only = searched.length === 1 ? searched[0] : undefined;
      return { labels, volume: only ? volumeOf(only) : null, named: label !== null, shadowCopies, relPath, file: null, directory: null, close };
    }
    const { v, entry, stream } = found[0];
    const onDisk = entry.path.replace(/^\/+/, '');
    if (entry.type === 'directory' && stream === null) return { labels, volume: volumeOf(v), named: label !== null, shadowCopies, relPath: onDisk, file: null, directory: entry, close };
    // The image stays open until `close`: the file's source closes nothing of it.
    const single = openListed(v.fs, entry, onDisk, onDisk, file, () => undefined, stream);
    return { labels, volume: volumeOf(v), named: label !== null, shadowCopies, relPath: onDisk, stream, file: single, directory: null, close };
  } catch (err) {
    disk.close();
    throw err;
  }
}

/** A readable volume as an ImageTarget names it. */
function volumeOf(v: ImageVolume & { fs: EvidenceFs }): NonNullable<ImageTarget['volume']> {
  return { label: v.label, os: detectFsOs(v.fs), fs: v.fs };
}

/** A command-line path inside an image: the volume label it starts with, if any, and the '/'-separated path in the volume. */
function pathInImage(file: string, labels: readonly string[]): { label: string | null; relPath: string } {
  let rest = file.replace(/\\/g, '/');
  let label: string | null = null;
  for (const l of labels) {
    if (rest.startsWith(`${l}/`) || rest.startsWith(`${l}:`)) {
      // the longest label that prefixes the path: `case.E01#p2#vss1` before `case.E01#p2`
      if (!label || l.length > label.length) label = l;
    }
  }
  if (label) rest = rest.slice(label.length + 1);
  rest = rest.replace(/^[A-Za-z]:(?=\/|$)/, '');
  const segments = rest.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw new SingleFileError(`${escapeControls(file)}: '..' is not followed inside an image (name the file's path from the volume's root)`);
  if (segments.length === 0) throw new SingleFileError(`${escapeControls(file)} names no file inside the image (a path from the volume's root: PerfLogs/1/data.7z)`);
  return { label, relPath: segments.join('/') };
}
