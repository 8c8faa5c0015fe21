/**
 * Normalising paths that artifacts name (history commands, registry MRUs, $I records) to
 * paths inside an evidence root, so evidence can be linked across artifacts.
 */
import { volumeSetName } from '../artifacts/archive/volume.js';

export interface NormalizedPath {
  /** Lower-cased, '/'-separated path relative to the root, or null when not resolvable inside it. */
  relPath: string | null;
  /** Lower-cased base name. */
  base: string;
  /** On another drive, a UNC share or a removable volume. */
  external: boolean;
}

function userHome(user: string | null | undefined, windows: boolean): string {
  if (!user || /^S-1-/i.test(user)) return windows ? 'users/*' : 'home/*';
  if (!windows && user === 'root') return 'root';
  return windows ? `users/${user.toLowerCase()}` : `home/${user.toLowerCase()}`;
}

const WIN_ENV: Array<[RegExp, (home: string) => string]> = [
  [/^(%temp%|%tmp%|\$env:te?mp)/i, (h) => `c:/${h}/appdata/local/temp`],
  [/^(%localappdata%|\$env:localappdata)/i, (h) => `c:/${h}/appdata/local`],
  [/^(%appdata%|\$env:appdata)/i, (h) => `c:/${h}/appdata/roaming`],
  [/^(%userprofile%|\$env:userprofile|\$home|~)(?=[\\/]|$)/i, (h) => `c:/${h}`],
  [/^(%public%|\$env:public)/i, () => 'c:/users/public'],
  [/^(%programdata%|\$env:programdata|%allusersprofile%)/i, () => 'c:/programdata'],
  [/^(%systemroot%|%windir%|\$env:systemroot|\$env:windir)/i, () => 'c:/windows'],
  [/^(%systemdrive%|\$env:systemdrive)/i, () => 'c:'],
];

function baseName(p: string): string {
  const parts = p.split('/').filter(Boolean);
  return (parts[parts.length - 1] ?? '').toLowerCase();
}

/**
 * `systemDrive` is the drive letter the root stands for (c). Paths on other drives are external.
 * `user` resolves %TEMP%, ~ and friends; an unknown user leaves a '*' segment (matched by glob-like compare).
 */
export function normalizeNamedPath(raw: string, opts: { windows: boolean; user?: string | null; systemDrive?: string }): NormalizedPath {
  let p = raw.trim().replace(/^["']|["']$/g, '');
  const home = userHome(opts.user, opts.windows);
  if (opts.windows || /^[a-z]:[\\/]|^%|^\$env:/i.test(p)) {
    for (const [re, to] of WIN_ENV) {
      if (re.test(p)) {
        p = p.replace(re, to(home));
        break;
      }
    }
    p = p.replace(/\\/g, '/').replace(/^\/\/\?\//, '');
    if (p.startsWith('//')) return { relPath: null, base: baseName(p), external: true };
    const drive = /^([a-z]):(\/|$)/i.exec(p);
    if (drive) {
      if (drive[1]!.toLowerCase() !== (opts.systemDrive ?? 'c')) return { relPath: null, base: baseName(p), external: true };
      p = p.slice(2);
    } else if (!p.startsWith('/')) return { relPath: null, base: baseName(p), external: false };
  } else {
    if (p.startsWith('~/')) p = `/${home}/${p.slice(2)}`;
    else if (p.startsWith('$HOME/')) p = `/${home}/${p.slice(6)}`;
    if (!p.startsWith('/')) return { relPath: null, base: baseName(p), external: false };
    if (/^\/(media|mnt|run\/media|Volumes)\//.test(p)) return { relPath: null, base: baseName(p), external: true };
  }
  const segments: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(seg.toLowerCase());
  }
  return { relPath: segments.join('/'), base: baseName(p), external: false };
}

/** Compares a normalized relPath (which may hold '*' for an unknown user) with a finding's path. */
export function relMatches(pattern: string, relPath: string): boolean {
  const a = pattern.split('/');
  const b = relPath.toLowerCase().split('/');
  return a.length === b.length && a.every((seg, i) => seg === '*' || seg === b[i]);
}

/**
 * The set a volume belongs to ('bk.part2.rar' -> 'bk.rar', src/artifacts/archive/volume.ts): a
 * command that writes 'bk.rar' with -v creates the volumes.
 */
export function volumeStem(relPath: string): string {
  return volumeSetName(relPath);
}
