/**
 * A hive outside the places Windows keeps hives is a copy someone made: Volt Typhoon saved SYSTEM
 * and SECURITY to C:\Windows\Temp (ATT&CK G1017, T1074.001 / T1003.002).
 */
import type { Candidate, Hit } from '../../rules/types.js';
import type { DetectContext } from '../types.js';

/** Where hives live on a Windows system (relPath, '/'-separated, case-insensitive). */
const HOMES: readonly RegExp[] = [
  /(^|\/)windows\/system32\/config\/[^/]+$/,
  /(^|\/)windows\/system32\/config\/(regback|systemprofile|txr)\/.+/,
  /(^|\/)windows\/(serviceprofiles|system32\/config\/systemprofile)\/.+/,
  /(^|\/)windows\/system32\/smi\/store\/machine\/[^/]+$/,
  /(^|\/)windows\/appcompat\/programs\/amcache\.hve$/,
  /(^|\/)windows\/repair\/[^/]+$/,
  /(^|\/)(users|documents and settings)\/[^/]+\/ntuser\.(dat|man)$/,
  /(^|\/)users\/[^/]+\/appdata\/local\/microsoft\/windows\/usrclass\.dat$/,
  /(^|\/)documents and settings\/[^/]+\/local settings\/application data\/microsoft\/windows\/usrclass\.dat$/,
  /(^|\/)users\/[^/]+\/appdata\/local\/packages\/.+\/(settings\.dat|user\.dat|registry\.dat)$/i,
  /(^|\/)(boot|efi\/microsoft\/boot)\/bcd$/,
  /(^|\/)program files( \(x86\))?\/windowsapps\/.+\/registry\.dat$/,
  /(^|\/)system volume information\//,
];

/** Hive names that hold credentials or secrets (SAM hashes, LSA secrets, boot key). */
const CREDENTIAL_HIVES = /^(sam|security|system)$/i;

export function isHiveHome(relPath: string): boolean {
  const p = relPath.toLowerCase().replace(/\\/g, '/');
  return HOMES.some((re) => re.test(p));
}

/** A transaction log's suffix: a log lives beside its hive (NTUSER.DAT.LOG1, Amcache.hve.LOG2, BCD.LOG). */
const LOG_SUFFIX = /\.log[12]?$/i;

export function detectHiveCopy(ctx: DetectContext, embeddedName: string | null, rootKeyName: string | null, isLog: boolean): Candidate[] {
  // A log (by its file type, not its name) beside a hive in the hive's home is at home too: every profile has NTUSER.DAT.LOG1/.LOG2.
  if (isHiveHome(ctx.relPath) || (isLog && isHiveHome(ctx.relPath.replace(LOG_SUFFIX, '')))) return [];
  const what = isLog ? 'registry transaction log' : 'registry hive';
  const hits: Hit[] = [{ rule: 'registry-hive-copy-outside-home', message: `${what} outside the places Windows keeps hives: ${ctx.relPath}` }];
  const embedded = embeddedName ? (embeddedName.split(/[\\/]/).pop() ?? '') : '';
  const hiveName = [embedded, ctx.name].find((n) => CREDENTIAL_HIVES.test(n.replace(/\.(hiv|hive|save|bak|dat)$/i, '')));
  if (hiveName) hits.push({ rule: 'registry-credential-hive-copy', message: `a copy of the ${hiveName.toUpperCase()} hive (credential material)` });
  return [{
    kind: 'file',
    path: ctx.relPath,
    hits,
    size: ctx.size,
    format: 'regf',
    times: ctx.times,
    details: { embeddedName, rootKeyName, isLog },
  }];
}
