/**
 * "Archives and staging folders opened" (issue 15): what an LNK, Jump List or ShellBags entry
 * says about staging. One judge for the three sources, so a path scores the same wherever it is
 * named. Archive names and volume sets come from history/paths.ts (itself over archive/volume.ts),
 * staging places from the same table the history detector uses (stagingLocation), other drives
 * and UNC paths from registry/locations.ts (classifyPlace), as for archiver MRUs.
 */
import type { Hit } from '../../rules/types.js';
import { isArchiveName, isVolumeName, stagingLocation } from '../history/paths.js';
import { classifyPlace } from '../registry/locations.js';

export type AccessSource = 'LNK' | 'Jump List' | 'ShellBags' | 'ComDlg32' | 'TypedPaths';

export interface AccessTarget {
  source: AccessSource;
  /** The Windows path the entry names (file or folder). */
  path: string;
  /** True for a folder (ShellBags, a link to a directory). */
  folder: boolean;
  /** The LNK volume's drive type ('Removable', 'Remote', ...), when the entry records it. */
  driveType?: string | null;
  /** ComDlg32: the program whose file dialog named the path, and the archiver it is, if one. */
  program?: string | null;
  archiver?: string | null;
}

export interface AccessJudgement {
  hits: Hit[];
  archive: boolean;
  /** Label of the staging place the path lies in, or null. */
  staging: string | null;
  /** 'removable' / 'network' when the target lies there. */
  remote: 'removable' | 'network' | null;
}

const VERB: Record<AccessSource, string> = { LNK: 'shortcut to', 'Jump List': 'entry for', ShellBags: 'folder browsed:', ComDlg32: 'file opened or saved:', TypedPaths: 'typed into Explorer\'s address bar:' };

/** How a finding's message names the entry: "LNK shortcut to X", "ComDlg32: 7zG.exe's file dialog last in X". */
function describe(t: AccessTarget): string {
  if (t.source === 'ComDlg32' && t.folder) return `ComDlg32: ${t.program ?? 'a program'}'s file dialog last in ${t.path}`;
  return `${t.source} ${VERB[t.source]} ${t.path}`;
}

export function judgeAccess(t: AccessTarget): AccessJudgement {
  const archive = !t.folder && isArchiveName(t.path);
  const volume = archive && isVolumeName(t.path);
  const staging = stagingLocation(t.path);
  const place = classifyPlace(t.path);
  const remote = t.driveType === 'Removable' ? 'removable' : t.driveType === 'Remote' || place.kind === 'network' ? 'network' : null;
  const hits: Hit[] = [];
  const what = describe(t);
  if (archive) hits.push({ rule: volume ? 'access-archive-volume-opened' : 'access-archive-opened', message: what });
  if (staging && (archive || t.folder)) {
    hits.push(archive
      ? { rule: 'access-archive-in-staging-location', message: `the archive lies in ${staging}` }
      : { rule: 'access-staging-folder-opened', message: `${what} (${staging})` });
  } else if (staging) hits.push({ rule: 'access-staging-folder-opened', message: `${what}: a file in ${staging}` });
  if (t.archiver && t.folder && staging) hits.push({ rule: 'access-archiver-dialog-in-staging-location', message: `${t.archiver}'s own dialog chose a folder in ${staging}` });
  if (archive && remote) hits.push({ rule: 'access-archive-removable-or-network', message: `the archive is on a ${remote === 'removable' ? 'removable drive' : 'network share'}` });
  return { hits, archive, staging, remote };
}
