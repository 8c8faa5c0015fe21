/** Opening one file named on the command line (explain, parse): read-only, regular files only. */
import { lstatSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { DirEntryInfo } from '../model/evidence.js';
import { listDirectory } from '../evidence/listing.js';
import { openEvidenceFile, readHead, type OpenedFile } from '../evidence/reader.js';
import { LIMITS } from '../util/limits.js';
import { UsageError } from './errors.js';

export interface SingleFile {
  abs: string;
  name: string;
  stat: Stats;
  opened: OpenedFile;
  head: Buffer;
  siblings: DirEntryInfo[];
}

export function openSingleFile(file: string): SingleFile {
  let stat: Stats;
  try {
    stat = lstatSync(file);
  } catch (err) {
    throw new UsageError(`cannot open ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  if (stat.isSymbolicLink()) throw new UsageError(`${file} is a symbolic link; pass the file it points to (links are never followed)`);
  if (!stat.isFile()) throw new UsageError(`${file} is not a regular file`);
  const abs = path.resolve(file);
  let opened: OpenedFile;
  try {
    opened = openEvidenceFile(abs, path.basename(abs), { preserved: 0, mayChange: 0 });
  } catch (err) {
    throw new UsageError(`cannot open ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const head = readHead(opened.fd, LIMITS.headBytes, opened.size);
  return { abs, name: path.basename(abs), stat, opened, head, siblings: listDirectory(path.dirname(abs)) ?? [] };
}
