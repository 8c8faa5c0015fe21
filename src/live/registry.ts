/**
 * Live Windows registry through regedit-rs (imported lazily, only on Windows). Reads the keys the
 * offline detectors look at and turns them into the same registry-key / registry-value records,
 * decoding raw bytes with the project's own decoders (regedit-rs's decoders are flawed:
 * docs/registry.md). The live API gives no last-written times: lastWritten is null.
 */
import type { Candidate } from '../rules/types.js';
import { decodeValue, regTypeName } from '../artifacts/regf/decode.js';
import { attachRaw, joinKey, type KeyRecord, type ValueRecord } from '../artifacts/regf/walk.js';
import { runRegistryDetectors } from '../artifacts/registry/index.js';
import { sidMaps } from '../artifacts/registry/sids.js';
import { HiveView } from '../artifacts/registry/view.js';
import { pushAll } from '../util/arrays.js';

/** One value as regedit-rs's list() returns it (a RegistryItemValue: rawValue + type name). */
export interface LiveValue {
  rawValue?: Buffer;
  type?: string;
  vtype?: string;
}

export interface LiveItem {
  exists: boolean;
  keys: string[];
  values: Record<string, LiveValue>;
}

/** regedit-rs's `list` signature. */
export type ListFn = (keys: string[]) => Promise<Record<string, LiveItem>>;

/** A live record also says which hive it came from (HKU\<SID>, HKLM\SYSTEM, HKLM\SOFTWARE). */
export type LiveRecord = (KeyRecord | ValueRecord) & { hive: string };

/** Keys read per live walk of one subtree, and keys asked per list() call. */
export const LIVE_MAX_KEYS_PER_TREE = 20_000;
export const LIVE_MAX_DEPTH = 24;
const LIST_BATCH = 200;

const TYPE_NUMBERS: Record<string, number> = {
  RegNone: 0, RegSz: 1, RegExpandSz: 2, RegBinary: 3, RegDword: 4, RegDwordBigEndian: 5, RegLink: 6,
  RegMultiSz: 7, RegResourceList: 8, RegFullResourceDescriptor: 9, RegResourceRequirementsList: 10, RegQword: 11,
};

const USER_TREES = [
  'Software\\7-Zip',
  'Software\\Wow6432Node\\7-Zip',
  'Software\\WinRAR',
  'Software\\Nico Mak Computing\\WinZip',
  'Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs',
  'Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\UserAssist',
  'Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\ComDlg32',
  'Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RunMRU',
  'Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\TypedPaths',
  'Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\WordWheelQuery',
  'Software', // the rest of Software, bounded, for blobs staged in values
];
const MACHINE_TREES: readonly [string, string][] = [
  ['HKLM\\SYSTEM', 'CurrentControlSet\\Services\\bam'],
  ['HKLM\\SYSTEM', 'CurrentControlSet\\Services\\dam'],
  ['HKLM\\SOFTWARE', 'Microsoft\\Windows NT\\CurrentVersion\\ProfileList'],
];

/** The live registry cannot be read here; src/cli/main.ts recognises it by name (one line, exit 2, no "fatal"). */
export class LiveRegistryUnavailable extends Error {
  override readonly name = 'LiveRegistryUnavailable';
}

/** regedit-rs's list(), imported only here and only on Windows. */
export async function loadRegeditList(platform = process.platform): Promise<ListFn> {
  if (platform !== 'win32') throw new LiveRegistryUnavailable('live registry needs Windows');
  // regedit-rs's own typings: list() resolves to items whose values carry rawValue and a type name.
  let list: typeof import('regedit-rs').list;
  try {
    ({ list } = await import('regedit-rs'));
  } catch (err) {
    // Its native part is an optional per-platform package: missing on a machine installed without it.
    throw new LiveRegistryUnavailable(`live registry: regedit-rs could not be loaded (${err instanceof Error ? err.message : String(err)})`);
  }
  return (keys) => list(keys);
}

export async function collectLiveRegistry(listFn?: ListFn): Promise<{ records: LiveRecord[]; warnings: string[] }> {
  const list = listFn ?? (await loadRegeditList());
  const records: LiveRecord[] = [];
  const warnings: string[] = [];
  for (const sid of await userSids(list, warnings)) {
    const hive = `HKU\\${sid}`;
    const seen = new Set<string>();
    for (const tree of USER_TREES) await walkTree(list, hive, tree, seen, records, warnings);
  }
  for (const [hive, tree] of MACHINE_TREES) await walkTree(list, hive, tree, new Set(), records, warnings);
  return { records, warnings };
}

async function userSids(list: ListFn, warnings: string[]): Promise<string[]> {
  try {
    const res = await list(['HKU']);
    const item = res['HKU'];
    return (item?.exists ? item.keys : []).filter((k) => /^S-1-5-21-[\d-]+$/.test(k));
  } catch (err) {
    warnings.push(`HKU: ${(err as Error).message}`);
    return [];
  }
}

/** Breadth-first, one list() call per batch of keys of the same level; bounded. */
async function walkTree(list: ListFn, hive: string, tree: string, seen: Set<string>, out: LiveRecord[], warnings: string[]): Promise<void> {
  let level = [tree];
  let read = 0;
  for (let depth = 0; level.length > 0 && depth <= LIVE_MAX_DEPTH; depth++) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += LIST_BATCH) {
      const batch = level.slice(i, i + LIST_BATCH).filter((k) => !seen.has(k.toLowerCase()));
      if (batch.length === 0) continue;
      let res: Record<string, LiveItem>;
      try {
        res = await list(batch.map((k) => `${hive}\\${k}`));
      } catch (err) {
        warnings.push(`${hive}\\${batch[0]}: ${(err as Error).message}`);
        continue;
      }
      for (const key of batch) {
        const item = res[`${hive}\\${key}`];
        if (!item?.exists) continue;
        seen.add(key.toLowerCase());
        if (++read > LIVE_MAX_KEYS_PER_TREE) {
          warnings.push(`${hive}\\${tree}: more than ${LIVE_MAX_KEYS_PER_TREE} keys; the rest not read`);
          return;
        }
        pushAll(out, liveItemRecords(hive, key, item));
        for (const sub of item.keys) next.push(joinKey(key, sub));
      }
    }
    level = next;
  }
}

/** Converts one list() item into our key and value records (raw bytes decoded by our decoders). */
export function liveItemRecords(hive: string, key: string, item: LiveItem): LiveRecord[] {
  const out: LiveRecord[] = [{ type: 'registry-key', key, lastWritten: null, hive }];
  for (const [name, v] of Object.entries(item.values ?? {})) {
    const raw = Buffer.isBuffer(v.rawValue) ? v.rawValue : Buffer.alloc(0);
    const typeName = v.type ?? v.vtype ?? 'RegBinary';
    const type = TYPE_NUMBERS[typeName] ?? 3;
    const rec: ValueRecord & { hive: string } = { type: 'registry-value', key, name, dataType: regTypeName(type), size: raw.length, data: decodeValue(type, raw), hive };
    attachRaw(rec, raw);
    out.push(rec);
  }
  return out;
}

/** Runs the registry detectors per live hive; SIDs are named from HKLM\SOFTWARE ProfileList. */
export function detectLiveRegistry(records: readonly LiveRecord[]): Candidate[] {
  const byHive = new Map<string, LiveRecord[]>();
  for (const r of records) {
    const hive = r.hive;
    const list = byHive.get(hive);
    if (list) list.push(r);
    else byHive.set(hive, [r]);
  }
  const sidNames = sidMaps(new HiveView(byHive.get('HKLM\\SOFTWARE') ?? [])).sidNames;
  const out: Candidate[] = [];
  for (const [hive, recs] of byHive) {
    const sid = hive.startsWith('HKU\\') ? hive.slice(4) : null;
    pushAll(out, runRegistryDetectors(recs, { hivePath: `live:${hive}`, user: sid ? (sidNames[sid] ?? sid) : null, sidNames }));
  }
  return out;
}
