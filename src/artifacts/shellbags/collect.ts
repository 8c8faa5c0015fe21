/**
 * ShellBags: the folders a user browsed in Explorer, from BagMRU in NTUSER.DAT
 * (Software\Microsoft\Windows\Shell[NoRoam]\BagMRU) and UsrClass.dat (Local Settings\Software\
 * Microsoft\Windows\Shell\BagMRU). Each numbered value is one shell item (artifacts/shell-items)
 * and its subkey of the same number holds the items below it, so a folder's full path is the items
 * from the root down (followed at most LIMITS.maxShellBagDepth deep, iteratively). MRUListEx orders
 * a key's values: the key's last-written time is when its first entry (position 0) was last browsed
 * or added. Field names after SBECmd's CSV columns, camelCase.
 */
import { LIMITS } from '../../util/limits.js';
import type { ArtifactRecord } from '../types.js';
import type { Candidate } from '../../rules/types.js';
import { accessCandidate } from '../access/candidate.js';
import { parseShellItem, shellItemsPath, stampsOf, type ShellItem, type ShellItemStamps } from '../shell-items/parse.js';
import { dwordValue, valueBytes, type HiveView, type KeyNode } from '../registry/view.js';
import { mruListExOrder } from '../registry/mru.js';

export const BAG_MRU_ROOTS = [
  'Software\\Microsoft\\Windows\\Shell\\BagMRU',
  'Software\\Microsoft\\Windows\\ShellNoRoam\\BagMRU',
  'Local Settings\\Software\\Microsoft\\Windows\\Shell\\BagMRU',
] as const;

export interface ShellBagRecord extends ArtifactRecord, ShellItemStamps {
  type: 'shellbag';
  /** The key holding the value, below the hive's root key. */
  bagPath: string;
  /** The value name (the entry's number in its parent's list). */
  value: string;
  /** Position in the parent's MRUListEx (0 = most recent), or null when not listed. */
  mruPosition: number | null;
  /** NodeSlot of the entry's own subkey (its Bags\N view settings), when present. */
  slot: number | null;
  absolutePath: string;
  shellType: ShellItem['kind'];
  classType: number;
  name: string | null;
  /** Last written time of the key holding the value (when position 0 was browsed). */
  keyLastWritten: string | null;
  /** Last written time of the entry's own subkey (when its children last changed), when present. */
  nodeLastWritten: string | null;
  depth: number;
}

export interface ShellBagWalk {
  records: ShellBagRecord[];
  warnings: string[];
}

/** Every BagMRU entry of the hive, parents before children. */
export function collectShellBags(view: HiveView): ShellBagWalk {
  const records: ShellBagRecord[] = [];
  const warnings: string[] = [];
  for (const root of BAG_MRU_ROOTS) {
    const start = view.get(root);
    if (!start) continue;
    const stack: { node: KeyNode; items: ShellItem[] }[] = [{ node: start, items: [] }];
    while (stack.length > 0) {
      const { node, items } = stack.pop()!;
      const order = mruListExOrder(node);
      const children: { node: KeyNode; items: ShellItem[] }[] = [];
      for (const v of node.values) {
        if (!/^\d+$/.test(v.name)) continue;
        if (records.length >= LIMITS.maxShellBagEntries) {
          warnings.push(`more than ${LIMITS.maxShellBagEntries} ShellBags entries; the rest are not read`);
          return { records, warnings };
        }
        const item = parseShellItem(valueBytes(v));
        const path = [...items, item];
        const sub = view.get(`${node.key}\\${v.name}`);
        records.push({
          type: 'shellbag',
          bagPath: node.key,
          value: v.name,
          mruPosition: order.get(v.name) ?? null,
          slot: dwordValue(sub, 'NodeSlot'),
          absolutePath: shellItemsPath(path),
          shellType: item.kind,
          classType: item.classType,
          name: item.name,
          ...stampsOf(item),
          keyLastWritten: node.lastWritten,
          nodeLastWritten: sub?.lastWritten ?? null,
          depth: path.length,
        });
        if (!sub) continue;
        if (path.length >= LIMITS.maxShellBagDepth) warnings.push(`ShellBags deeper than ${LIMITS.maxShellBagDepth} levels under ${node.key}\\${v.name} are not read`);
        else children.push({ node: sub, items: path });
      }
      // Reversed so the stack yields children in value order.
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    }
  }
  return { records, warnings };
}

/** ShellBags entries for folders in staging places (and archives browsed as folders) become access candidates. */
export function detectShellBags(view: HiveView, hivePath: string, user: string | null): Candidate[] {
  const out: { c: Candidate; path: string }[] = [];
  for (const r of collectShellBags(view).records) {
    if (r.shellType !== 'file-entry' && r.shellType !== 'network') continue;
    const opened: { time: string; by: string }[] = [];
    if (r.mruPosition === 0 && r.keyLastWritten) opened.push({ time: r.keyLastWritten, by: `key ${r.bagPath} last written, entry ${r.value} first in MRUListEx` });
    const c = accessCandidate({
      artifact: hivePath,
      // An archive browsed as a folder (Explorer opens .zip files in place) is judged as an archive.
      target: { source: 'ShellBags', path: r.absolutePath, folder: !/\.(zip|cab)$/i.test(r.absolutePath) },
      user,
      key: r.bagPath,
      value: r.value,
      opened,
      details: { keyLastWritten: r.keyLastWritten, mruPosition: r.mruPosition, folderCreated: r.created, folderModified: r.modified, folderAccessed: r.accessed, mftEntry: r.mftEntry, mftSequence: r.mftSequence },
    });
    if (c) out.push({ c, path: r.absolutePath.toLowerCase() });
  }
  // Browsing C:\PerfLogs\1 passes through C:\PerfLogs: report the deepest folders, not every one on the way.
  const paths = new Set(out.map((o) => o.path));
  const onTheWay = new Set<string>();
  for (const p of paths) for (let i = p.lastIndexOf('\\'); i > 0; i = p.lastIndexOf('\\', i - 1)) onTheWay.add(p.slice(0, i));
  return out.filter((o) => !onTheWay.has(o.path)).map((o) => o.c);
}
