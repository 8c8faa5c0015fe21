/**
 * Reads `lnkinfo` (liblnk 20181227) text into comparable fields, and maps our LnkRecord to the same
 * fields, so .lnk files, Jump List streams and CustomDestinations pieces are checked one way.
 * Not compared: "Show Window value" and "Hot Key value" (liblnk 20181227 prints the file size there).
 */
import type { LnkRecord } from '../../../src/artifacts/lnk/parse.js';
import { DRIVE_TYPES } from '../../../src/artifacts/lnk/layout.js';

export interface LnkinfoItem {
  [field: string]: string;
}

export interface Lnkinfo {
  fields: Record<string, string>;
  items: LnkinfoItem[];
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Jul 13, 2009 23:29:02.849131000 UTC" -> "2009-07-13T23:29:02.8491310Z"; "Not set (0)" -> null; "Jul 10, 2023 03:59:12" -> seconds. */
export function lnkinfoTime(text: string | undefined): string | null | undefined {
  if (text === undefined) return undefined;
  if (text.startsWith('Not set')) return null;
  const m = /^(\w{3}) (\d\d), (\d{4}) (\d\d:\d\d:\d\d)(?:\.(\d{9}))?/.exec(text);
  if (!m) return text;
  const month = String(MONTHS.indexOf(m[1]!) + 1).padStart(2, '0');
  return `${m[3]}-${month}-${m[2]}T${m[4]}.${(m[5] ?? '0000000').slice(0, 7)}Z`;
}

/** One lnkinfo output (from "lnkinfo" to the end or the next "====" header). */
export function readLnkinfo(text: string): Lnkinfo {
  const fields: Record<string, string> = {};
  const items: LnkinfoItem[] = [];
  let section = '';
  let item: LnkinfoItem | null = null;
  for (const line of text.split('\n')) {
    if (/^\S/.test(line)) {
      section = line.replace(/:$/, '');
      item = null;
      continue;
    }
    const shell = /^\tShell item: (\d+)/.exec(line);
    if (shell) {
      item = {};
      items.push(item);
      continue;
    }
    const kv = /^\t+([^:\t][^:]*?)\t*: ?(.*)$/.exec(line);
    if (!kv) continue;
    const [, key, value] = kv;
    if (item && section === 'Link target identifier') {
      if (!(key! in item)) item[key!] = value!;
    } else if (section === 'Link target identifier' && key === 'Number of items') fields[key] = value!;
    else if (!item) fields[`${section}/${key}`] = value!;
  }
  return { fields, items };
}

/**
 * Lone surrogates print as U+FFFD in lnkinfo's UTF-8 output; liblnk 20181227 also swallows the code
 * unit after a lone high surrogate ("_\ud800.exe" prints "_\ufffdexe"): we keep it, the test maps it.
 */
function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])[^]?|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** The fields lnkinfo printed, in lnkinfo's words, and what our record says for each. */
export function compareLnk(expected: Lnkinfo, r: LnkRecord): { field: string; expected: unknown; actual: unknown }[] {
  const f = expected.fields;
  const out: { field: string; expected: unknown; actual: unknown }[] = [];
  const check = (field: string, exp: unknown, act: unknown) => {
    if (exp === undefined) return;
    out.push({ field, expected: exp, actual: typeof act === 'string' ? wellFormed(act) : act });
  };
  const li = 'Link information';
  check('targetCreated', lnkinfoTime(f[`${li}/Creation time`]), r.targetCreated);
  check('targetModified', lnkinfoTime(f[`${li}/Modification time`]), r.targetModified);
  check('targetAccessed', lnkinfoTime(f[`${li}/Access time`]), r.targetAccessed);
  check('fileSize', f[`${li}/File size`]?.replace(/ bytes$/, ''), String(r.fileSize));
  check('iconIndex', f[`${li}/Icon index`], String(r.iconIndex));
  check('fileAttributes', f[`${li}/File attribute flags`], `0x${r.fileAttributes.toString(16).padStart(8, '0')}`);
  const drive = f[`${li}/Drive type`];
  // Without a VolumeID (network-only LinkInfo) lnkinfo prints its defaults, "Unknown (0)" and serial 0; we print null.
  const noVolume = r.driveType === null && r.networkPath !== null;
  check('driveType', drive === undefined ? undefined : DRIVE_TYPES[Number(/\((\d+)\)/.exec(drive)?.[1])] ?? drive, noVolume ? 'Unknown' : r.driveType);
  check('volumeSerialNumber', f[`${li}/Drive serial number`], noVolume ? '0x00000000' : r.volumeSerialNumber === null ? null : `0x${r.volumeSerialNumber}`);
  check('volumeLabel', f[`${li}/Volume label`], r.volumeLabel ?? '');
  check('localPath', f[`${li}/Local path`], r.localPath);
  check('networkPath', f[`${li}/Network path`], r.networkPath);
  check('description', f[`${li}/Description`], r.description);
  check('relativePath', f[`${li}/Relative path`], r.relativePath);
  check('workingDirectory', f[`${li}/Working directory`], r.workingDirectory);
  check('arguments', f[`${li}/Command line arguments`], r.arguments);
  check('iconLocation', f[`${li}/Icon location`], r.iconEnvironment ?? r.iconLocation);
  check('environmentVariables', f[`${li}/Environment variables location`], r.environmentVariables);
  const dt = 'Distributed link tracking data';
  check('machineId', f[`${dt}/Machine identifier`], r.machineId);
  check('volumeDroid', f[`${dt}/Droid volume identifier`], r.volumeDroid);
  check('fileDroid', f[`${dt}/Droid file identifier`], r.fileDroid);
  check('volumeDroidBirth', f[`${dt}/Birth droid volume identifier`], r.volumeDroidBirth);
  check('fileDroidBirth', f[`${dt}/Birth droid file identifier`], r.fileDroidBirth);
  check('shellItems', f['Number of items'], String(r.targetIdItems.length));
  expected.items.forEach((e, i) => {
    const own = r.targetIdItems[i];
    check(`item ${i + 1} folder`, e['Shell folder identifier'], own?.guid);
    check(`item ${i + 1} volume`, e['Volume name'], own?.name);
    check(`item ${i + 1} name`, e['Name'], own?.shortName);
    check(`item ${i + 1} long name`, e['Long name'], own?.longName);
    check(`item ${i + 1} modified`, lnkinfoTime(e['Modification time']), own?.modified ?? null);
    check(`item ${i + 1} created`, lnkinfoTime(e['Creation time']), own?.created ?? null);
    check(`item ${i + 1} accessed`, lnkinfoTime(e['Access time']), own?.accessed ?? null);
    const ref = /MFT entry: (\d+), sequence: (\d+)/.exec(e['NTFS file reference'] ?? '');
    if (ref) check(`item ${i + 1} mft`, `${ref[1]}/${ref[2]}`, `${own?.mftEntry}/${own?.mftSequence}`);
  });
  return out;
}

/** Only the disagreements, for a readable failure. */
export function lnkDisagreements(expected: Lnkinfo, r: LnkRecord): string[] {
  return compareLnk(expected, r).filter((c) => c.expected !== c.actual).map((c) => `${c.field}: lnkinfo ${JSON.stringify(c.expected)} ours ${JSON.stringify(c.actual)}`);
}
