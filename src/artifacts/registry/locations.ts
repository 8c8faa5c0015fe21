/**
 * Where a Windows path named in the registry points: a staging location (docs/shared indicators
 * C.1), a user's profile, another drive letter (removable or secondary), a network share.
 */

export type PlaceKind = 'staging' | 'user-profile' | 'other-drive' | 'network' | 'other';

export interface Place {
  kind: PlaceKind;
  /** Short label for messages ("Users\\Public", "Temp", ...). */
  label: string;
}

/** Staging locations from indicators.md C.1 (Sigma, Elastic, ATT&CK procedures), as regexes on a normalized path. */
const STAGING: readonly [RegExp, string][] = [
  [/\\users\\public(\\|$)/, 'Users\\Public'],
  [/\\appdata\\local\\temp(\\|$)/, 'user Temp'],
  [/\\local settings\\temp(\\|$)/, 'user Temp'],
  [/\\windows\\temp(\\|$)/, 'Windows\\Temp'],
  [/^[a-z]:\\temp(\\|$)/, '\\Temp'],
  [/^[a-z]:\\tmp(\\|$)/, '\\Tmp'],
  [/^[a-z]:\\programdata(\\|$)/, 'ProgramData'],
  [/^[a-z]:\\perflogs(\\|$)/, 'PerfLogs'],
  [/\\\$recycle\.bin(\\|$)/, '$Recycle.Bin'],
  [/^[a-z]:\\recycle(r|d|r\.bin|rs\.bin)(\\|$)/, 'RECYCLER'],
  [/\\windows\\debug(\\|$)/, 'Windows\\Debug'],
  [/^%temp%|^%tmp%/, '%TEMP%'],
  [/^%public%/, '%PUBLIC%'],
  [/^%programdata%/, '%ProgramData%'],
];

export function normalizeWindowsPath(p: string): string {
  return p.trim().replace(/\//g, '\\').replace(/^\\\\\?\\/, '').toLowerCase();
}

export function classifyPlace(path: string): Place {
  const p = normalizeWindowsPath(path);
  for (const [re, label] of STAGING) if (re.test(p)) return { kind: 'staging', label };
  if (/^\\\\[^\\]+\\/.test(p)) return { kind: 'network', label: 'network share' };
  const drive = /^([a-z]):\\/.exec(p);
  if (drive && drive[1] !== 'c') return { kind: 'other-drive', label: `drive ${drive[1]!.toUpperCase()}:` };
  if (/^[a-z]:\\(users|documents and settings)\\[^\\]+\\/.test(p) || /^%userprofile%/.test(p)) {
    return { kind: 'user-profile', label: 'user profile' };
  }
  return { kind: 'other', label: 'elsewhere' };
}

/** Turns a BAM device path (\Device\HarddiskVolume3\...) into a drive-less path (\Windows\...). */
export function stripDevicePrefix(p: string): string {
  return p.replace(/^\\Device\\HarddiskVolume\d+/i, 'C:');
}

/** Folders where archivers are installed; running one from anywhere else is unusual (Sigma). */
export function isUsualProgramFolder(path: string): boolean {
  const p = normalizeWindowsPath(path);
  return /^([a-z]:)?\\program files( \(x86\))?\\/.test(p) || /^([a-z]:)?\\windows\\(system32|syswow64)\\/.test(p);
}

export function basenameWin(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] ?? p;
}
