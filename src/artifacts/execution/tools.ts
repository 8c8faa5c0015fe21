/**
 * Which programs are archivers, copy tools or staging tools, for every execution trace (Prefetch,
 * Amcache, AppCompatCache, and UserAssist/BAM in src/artifacts/registry/execution.ts): by executable
 * name, by the libraries an archiver loads (a renamed copy still loads 7z.dll), and by the original
 * file name Amcache records from the PE version resource. One table, read by every execution
 * detector (docs/execution-artifacts.md).
 */
import { basenameWin, classifyPlace, isUsualProgramFolder, type Place } from '../registry/locations.js';

/**
 * 'copy-tool' (robocopy) is judged by UserAssist/BAM only (`registry-archiver-executed`, "archiver
 * or copy tool"); the execution rules of Prefetch, Amcache and ShimCache do not name it.
 */
export type ToolKind = 'archiver' | 'copy-tool' | 'staging-tool';

export interface Tool {
  /** Display name: '7-Zip', 'WinRAR', 'certutil', ... */
  name: string;
  kind: ToolKind;
  /** Points of `execution-staging-tool-ran` for a staging tool (the rule's description lists them). */
  score?: number;
}

const ARCHIVER = (name: string): Tool => ({ name, kind: 'archiver' });

/** Executable names (lower case). Prefetch keeps 29 characters of the name: long names match by prefix. */
const TOOLS_BY_EXE: Readonly<Record<string, Tool>> = {
  '7z.exe': ARCHIVER('7-Zip'), '7za.exe': ARCHIVER('7-Zip'), '7zr.exe': ARCHIVER('7-Zip'), '7zg.exe': ARCHIVER('7-Zip'),
  '7zfm.exe': ARCHIVER('7-Zip'), '7zz.exe': ARCHIVER('7-Zip'),
  'rar.exe': ARCHIVER('WinRAR'), 'winrar.exe': ARCHIVER('WinRAR'), 'unrar.exe': ARCHIVER('WinRAR'),
  'winzip.exe': ARCHIVER('WinZip'), 'winzip32.exe': ARCHIVER('WinZip'), 'winzip64.exe': ARCHIVER('WinZip'), 'wzzip.exe': ARCHIVER('WinZip'),
  'peazip.exe': ARCHIVER('PeaZip'), 'bandizip.exe': ARCHIVER('Bandizip'), 'bz.exe': ARCHIVER('Bandizip'),
  'makecab.exe': ARCHIVER('makecab'), 'tar.exe': ARCHIVER('tar'),
  'robocopy.exe': { name: 'robocopy', kind: 'copy-tool' },
  'certutil.exe': { name: 'certutil', kind: 'staging-tool', score: 15 },
  'ntdsutil.exe': { name: 'ntdsutil', kind: 'staging-tool', score: 30 },
  'procdump.exe': { name: 'procdump', kind: 'staging-tool', score: 25 },
  'procdump64.exe': { name: 'procdump', kind: 'staging-tool', score: 25 },
  'rclone.exe': { name: 'rclone', kind: 'staging-tool', score: 30 },
};

/** Libraries only an archiver (or a program embedding one) loads; shell extensions are listed apart. */
const ARCHIVER_LIBRARIES: Readonly<Record<string, string>> = {
  '7z.dll': '7-Zip', '7zxa.dll': '7-Zip', '7za.dll': '7-Zip', 'unrar.dll': 'WinRAR', 'unrar64.dll': 'WinRAR', 'rarext.dll': 'WinRAR',
};

/**
 * Programs that load archivers' shell extensions and codecs in their ordinary work (Explorer and
 * its hosts, file dialogs): loading 7z.dll there does not make them a renamed archiver.
 */
const SHELL_HOSTS = new Set(['explorer.exe', 'dllhost.exe', 'rundll32.exe', 'openwith.exe', 'searchprotocolhost.exe', 'searchindexer.exe', 'shellexperiencehost.exe', 'sihost.exe', 'runtimebroker.exe']);

/** The tool an executable name stands for (full name, or the 29-character Prefetch prefix of one). */
export function toolByExecutable(exe: string): Tool | null {
  const name = basenameWin(exe).toLowerCase();
  const exact = TOOLS_BY_EXE[name];
  if (exact) return exact;
  if (name.length === 29) for (const [known, tool] of Object.entries(TOOLS_BY_EXE)) if (known.startsWith(name)) return tool;
  return null;
}

/** The archiver whose library a path names ("\VOLUME{..}\PERFLOGS\7Z.DLL" -> '7-Zip'), or null. */
export function archiverOfLibrary(path: string): string | null {
  return ARCHIVER_LIBRARIES[basenameWin(path).toLowerCase()] ?? null;
}

export function isShellHost(exe: string): boolean {
  return SHELL_HOSTS.has(basenameWin(exe).toLowerCase());
}

/**
 * The archiver a PE's original file name (version resource, Amcache OriginalFileName) names when the
 * file is called something else: a renamed copy. The product name alone is not used: 7-Zip's and
 * WinRAR's installers and uninstallers carry it too (the corpus win10-Amcache.hve has both).
 */
export function archiverOfOriginalName(originalFileName: string | null | undefined, name: string | null | undefined): string | null {
  if (!originalFileName) return null;
  const tool = toolByExecutable(originalFileName);
  if (tool?.kind !== 'archiver' || (name && basenameWin(name).toLowerCase() === basenameWin(originalFileName).toLowerCase())) return null;
  return tool.name;
}

/** Where a program ran from: a staging place (strong), a usual program folder, or elsewhere. */
export function programPlace(path: string): { usual: boolean; place: Place } {
  return { usual: isUsualProgramFolder(path), place: classifyPlace(path) };
}
