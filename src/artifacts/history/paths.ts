/**
 * Path traits shared by the Recycle Bin, Trash and history detectors: archive names, archive volumes,
 * staging locations (docs/recyclebin-history.md lists the sources), user data folders.
 * Works on Windows and Unix spellings, with or without environment variables.
 */
import { volumeFromName } from '../archive/volume.js';

const ARCHIVE_EXT = new Set([
  'zip', '7z', 'rar', 'cab', 'tar', 'gz', 'tgz', 'bz2', 'tbz', 'tbz2', 'xz', 'txz', 'zst', 'tzst', 'lz', 'lzma',
  'lz4', 'z', 'arj', 'ace', 'lzh', 'lha', 'cpio', 'xar', 'wim', 'iso',
]);
/** Encrypted-container or encrypted-file extensions (gpg -c, openssl enc, age, AxCrypt). */
const ENCRYPTED_EXT = new Set(['gpg', 'pgp', 'enc', 'age', 'aes', 'axx']);


function lastComponent(path: string): string {
  return (path.split(/[\\/]/).pop() ?? '').replace(/["']/g, '');
}

function extensionOf(path: string): string {
  const base = lastComponent(path);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

export function isArchiveName(path: string): boolean {
  return ARCHIVE_EXT.has(extensionOf(path)) || isVolumeName(path);
}

export function isEncryptedName(path: string): boolean {
  return ENCRYPTED_EXT.has(extensionOf(path));
}

/** Archive volume names that say archive (x.part2.rar, x.r00, x.z01, x.7z.001, x.cab.002); a bare data.001 is too weak from a name alone. */
export function isVolumeName(path: string): boolean {
  return volumeFromName(lastComponent(path))?.naming === 'named';
}

const DOCUMENT_EXT = new Set([
  'doc', 'docx', 'docm', 'xls', 'xlsx', 'xlsm', 'ppt', 'pptx', 'pdf', 'txt', 'rtf', 'csv', 'odt', 'ods', 'odp',
  'msg', 'eml', 'pst', 'ost', 'kdbx', 'one', 'vsdx', 'dwg',
]);

export function isDocumentName(path: string): boolean {
  return DOCUMENT_EXT.has(extensionOf(path));
}

/** Lower-cased, '/'-separated form with environment variables kept as written. */
export function normalizePath(path: string): string {
  return path.replace(/\\/g, '/').replace(/\/{2,}/g, '/').toLowerCase();
}

/** Known staging locations: [test, label]. Sources: indicators.md C.1, C.2, C.4. */
const STAGING_LOCATIONS: Array<[RegExp, string]> = [
  [/(^|\/)users\/public(\/|$)|%public%|\$env:public/, 'Users\\Public'],
  [/(^|\/)appdata\/local\/temp(\/|$)|%temp%|%tmp%|\$env:te?mp|\[io\.path\]::gettemppath/, 'user %TEMP%'],
  [/(^|\/)windows\/temp(\/|$)/, 'Windows\\Temp'],
  [/(^|\/)perflogs(\/|$)/, 'PerfLogs'],
  [/(^|\/)programdata(\/|$)|%programdata%|\$env:programdata/, 'ProgramData'],
  [/(^|\/)windows\/debug(\/|$)/, 'Windows\\Debug'],
  [/(^|\/)(\$recycle\.bin|recycler|recycled|recycler\.bin|recyclers\.bin)(\/|$)/, 'Recycle Bin folder'],
  [/^[a-z]:\/(temp|tmp)(\/|$)/, 'drive-root Temp'],
  [/^\/(private\/)?(var\/)?tmp(\/|$)/, '/tmp'],
  [/^\/dev\/shm(\/|$)/, '/dev/shm'],
  [/^\/users\/shared(\/|$)/, '/Users/Shared'],
];

/** Hidden directory names that are ordinary in a home folder and not staging by themselves. */
const ORDINARY_HIDDEN = new Set(['.cache', '.config', '.local', '.mozilla', '.git', '.npm', '.cargo', '.vscode', '.ssh', '.gnupg', '.trash']);

/** The staging location a path lies in, or null. */
export function stagingLocation(path: string): string | null {
  const p = normalizePath(path);
  for (const [test, label] of STAGING_LOCATIONS) if (test.test(p)) return label;
  const dirs = p.split('/').slice(0, -1);
  const hidden = dirs.find((d) => d.length > 1 && d.startsWith('.') && d !== '..' && !ORDINARY_HIDDEN.has(d));
  return hidden ? `hidden directory ${hidden}` : null;
}

/** True when a path names a user's data folders (profile, Documents, Desktop, home). */
export function isUserDataPath(path: string): boolean {
  const p = normalizePath(path);
  return (
    /(^|\/)(users|documents and settings)\/[^/]+(\/|$)/.test(p) ||
    /%userprofile%|\$env:userprofile|\$home\b|%homepath%|^~(\/|$)/.test(p) ||
    /^\/home\/[^/]+|^\/root(\/|$)/.test(p) ||
    /(^|\/)(documents|desktop|downloads|onedrive[^/]*|my documents)(\/|$)/.test(p)
  );
}
