/** Which OS a file-system layout belongs to: one rule set for mounted directories and image file systems. */
import type { OsKind } from '../model/evidence.js';
import type { EvidenceFs } from './fs.js';

/**
 * Windows: Windows/System32, $Recycle.Bin, or Users+ProgramData. macOS: System/Library or
 * private+Users+Library. Linux: etc + usr/var/bin, or home/tmp.
 * `top` holds the root's entry names lower-cased; `hasDir` finds a directory case-insensitively.
 */
export function osFromLayout(top: Set<string>, hasDir: (relDir: string) => boolean): OsKind {
  if (hasDir('Windows/System32') || top.has('$recycle.bin') || top.has('recycler') || (top.has('users') && top.has('programdata')) || top.has('documents and settings'))
    return 'windows';
  if (hasDir('System/Library') || (top.has('private') && top.has('users') && top.has('library'))) return 'macos';
  if (top.has('etc') && (top.has('usr') || top.has('var') || top.has('bin'))) return 'linux';
  if (top.has('home') || top.has('tmp')) return 'linux';
  return 'unknown';
}

export function detectFsOs(fs: EvidenceFs): OsKind {
  const top = new Set(fs.list(fs.root()).entries.filter((e) => !e.deleted).map((e) => e.name.toLowerCase()));
  return osFromLayout(top, (relDir) => fs.lookup(relDir, true)?.type === 'directory');
}
