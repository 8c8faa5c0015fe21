/**
 * THOR's and Loki's externals for a file (`filename`, `filepath`, `extension`), and for a member
 * of an archive: its name in the archive, and the archive's path followed by the member's, so that
 * a rule testing a place (`filepath contains "\\Temp\\"`) matches the members of an archive there.
 */
import type { OsKind } from '../../model/evidence.js';
import type { YaraGlobals } from './protocol.js';

/** Longest value given to a rule. */
const MAX_GLOBAL = 8192;

function cut(s: string): string {
  return s.slice(0, MAX_GLOBAL);
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? cut(name.slice(dot).toLowerCase()) : '';
}

/** A file's externals: its name, its path (Windows separators on a Windows root), its extension lower-cased with its dot. */
export function globalsFor(relPath: string, name: string, os: OsKind): YaraGlobals {
  return {
    filename: cut(name),
    filepath: cut(os === 'windows' ? `\\${relPath.replace(/\//g, '\\')}` : `/${relPath}`),
    extension: extensionOf(name),
  };
}

/** A member's externals: `filepath` is the archive's, a separator, then the member's path in the archive (`\Temp\out.zip\docs\a.pdf`). */
export function memberGlobals(archive: YaraGlobals, memberPath: string): YaraGlobals {
  const windows = archive.filepath.startsWith('\\');
  const parts = memberPath.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  const name = parts[parts.length - 1] ?? memberPath;
  const sep = windows ? '\\' : '/';
  return { filename: cut(name), filepath: cut(`${archive.filepath}${sep}${parts.join(sep)}`), extension: extensionOf(name) };
}
