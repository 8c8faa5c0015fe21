/**
 * ComDlg32: the files a user opened or saved through Windows' common file dialog, and the folder
 * each program's dialog was last in (NTUSER.DAT, Software\Microsoft\Windows\CurrentVersion\
 * Explorer\ComDlg32). An archiver's Save As, or a browse button in 7-Zip's or WinRAR's "Add to
 * archive" dialog, leaves the archive's full path here even after the archive is deleted.
 *
 * Layouts (facts after libfwsi and the RegRipper / RECmd ComDlg32 plugins):
 *   OpenSavePidlMRU\<ext> and \*   (Vista+)  numbered values, each an absolute shell item ID list
 *   LastVisitedPidlMRU[Legacy]     (Vista+)  UTF-16 program name, NUL, then the folder's ID list
 *   CIDSizeMRU                     (Vista+)  UTF-16 program name, NUL, then the dialog's size
 *   OpenSaveMRU\<ext> and \*       (XP)      lettered REG_SZ values, full paths
 *   LastVisitedMRU                 (XP)      UTF-16 program name, NUL, UTF-16 folder path, NUL
 * Each list is ordered by MRUListEx (u32 numbers, most recent first) or MRUList (XP: a string of
 * value letters). A key's last-written time is when its most recent entry (position 0) was used:
 * only that entry gets an "opened" time, as for ShellBags. Field names after RECmd's plugins, camelCase.
 */
import { LIMITS } from '../../util/limits.js';
import type { ArtifactRecord } from '../types.js';
import type { Candidate } from '../../rules/types.js';
import { accessCandidate } from '../access/candidate.js';
import { decodeUtf16String } from '../regf/decode.js';
import { parseShellItemList, shellItemsPath, stampsOf, type ShellItem, type ShellItemStamps } from '../shell-items/parse.js';
import { toolByExecutable } from '../execution/tools.js';
import { mruOrderOf } from '../registry/mru.js';
import { valueBytes, type HiveView, type KeyNode } from '../registry/view.js';
import type { ValueRecord } from '../regf/walk.js';

export const COMDLG32_KEY = 'Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\ComDlg32';

export type ComDlgList = 'OpenSavePidlMRU' | 'LastVisitedPidlMRU' | 'LastVisitedPidlMRULegacy' | 'CIDSizeMRU' | 'OpenSaveMRU' | 'LastVisitedMRU';

/** The last shell item's DOS times and MFT reference (ShellItemStamps), when the entry is an ID list that has them. */
export interface ComDlgRecord extends ArtifactRecord, ShellItemStamps {
  type: 'comdlg32-entry';
  list: ComDlgList;
  /** The key holding the value, below the hive's root key. */
  key: string;
  value: string;
  /** Position in the key's MRUListEx / MRUList (0 = most recent), or null when not listed. */
  mruPosition: number | null;
  /** OpenSave lists: the extension subkey ('7z', 'zip', '*'); null for the other lists. */
  extension: string | null;
  /** LastVisited and CIDSizeMRU: the program whose dialog it was. */
  executable: string | null;
  /** The file (OpenSave) or folder (LastVisited) the entry names; null for CIDSizeMRU. */
  absolutePath: string | null;
  keyLastWritten: string | null;
  /** keyLastWritten for the entry at position 0: when it was last opened, saved or visited. */
  openedOn: string | null;
}

export interface ComDlgWalk {
  records: ComDlgRecord[];
  warnings: string[];
}

const isListValue = (v: ValueRecord): boolean => !/^mrulist(ex)?$/i.test(v.name);

/** A program name or path: the UTF-16 text up to the first NUL, cut at a Windows path's length (a value holds up to 4 MiB). */
const pathText = (b: Buffer): string => decodeUtf16String(b).slice(0, LIMITS.maxPathChars);

function fromItems(items: readonly ShellItem[]): Pick<ComDlgRecord, 'absolutePath'> & ShellItemStamps {
  return { absolutePath: items.length > 0 ? shellItemsPath(items) : null, ...stampsOf(items[items.length - 1]) };
}

const NO_ITEM = stampsOf(undefined);

/** Every ComDlg32 entry of the hive, list by list, each key's entries in MRU order. */
export function collectComDlg32(view: HiveView): ComDlgWalk {
  const records: ComDlgRecord[] = [];
  const warnings: string[] = [];
  let keyEntries: ComDlgRecord[] = [];
  const full = (): boolean => {
    if (records.length + keyEntries.length < LIMITS.maxComDlg32Entries) return false;
    if (warnings.length === 0) warnings.push(`more than ${LIMITS.maxComDlg32Entries} ComDlg32 entries; the rest are not read`);
    return true;
  };
  // One key's entries (keyEntries), put in MRU order (most recent first, then those the list leaves out) when the key is done.
  const add = (list: ComDlgList, node: KeyNode, order: Map<string, number>, v: ValueRecord, entry: Pick<ComDlgRecord, 'extension' | 'executable' | 'absolutePath'> & ShellItemStamps): void => {
    const mruPosition = order.get(v.name) ?? null;
    keyEntries.push({ type: 'comdlg32-entry', list, key: node.key, value: v.name, mruPosition, ...entry, keyLastWritten: node.lastWritten, openedOn: mruPosition === 0 ? node.lastWritten : null });
  };
  const keyDone = (): void => {
    keyEntries.sort((a, b) => (a.mruPosition ?? Infinity) - (b.mruPosition ?? Infinity));
    for (const r of keyEntries) records.push(r);
    keyEntries = [];
  };

  // Files opened or saved: one subkey per extension, '*' for all of them.
  for (const list of ['OpenSavePidlMRU', 'OpenSaveMRU'] as const) {
    for (const node of view.subkeys(`${COMDLG32_KEY}\\${list}`)) {
      const order = mruOrderOf(node);
      const extension = node.key.slice(node.key.lastIndexOf('\\') + 1);
      for (const v of node.values) {
        if (!isListValue(v) || full()) continue;
        if (list === 'OpenSaveMRU') {
          const path = typeof v.data === 'string' ? v.data.slice(0, LIMITS.maxPathChars) : pathText(valueBytes(v));
          add(list, node, order, v, { extension, executable: null, absolutePath: path || null, ...NO_ITEM });
        } else {
          add(list, node, order, v, { extension, executable: null, ...fromItems(parseShellItemList(valueBytes(v)).items) });
        }
      }
      keyDone();
    }
  }

  // The folder each program's dialog was last in, and the programs that sized a dialog.
  for (const list of ['LastVisitedPidlMRU', 'LastVisitedPidlMRULegacy', 'LastVisitedMRU', 'CIDSizeMRU'] as const) {
    const node = view.get(`${COMDLG32_KEY}\\${list}`);
    if (!node) continue;
    const order = mruOrderOf(node);
    for (const v of node.values) {
      if (!isListValue(v) || full()) continue;
      const b = valueBytes(v);
      const program = decodeUtf16String(b);
      const executable = program.slice(0, LIMITS.maxPathChars) || null;
      // What follows the program name's NUL (one UTF-16 unit per character).
      const after = Math.min(b.length, 2 * program.length + 2);
      if (list === 'CIDSizeMRU') add(list, node, order, v, { extension: null, executable, absolutePath: null, ...NO_ITEM });
      else if (list === 'LastVisitedMRU') add(list, node, order, v, { extension: null, executable, absolutePath: pathText(b.subarray(after)) || null, ...NO_ITEM });
      else add(list, node, order, v, { extension: null, executable, ...fromItems(parseShellItemList(b, after).items) });
    }
    keyDone();
  }
  return { records, warnings };
}

/**
 * Entries that say something about staging become `access` candidates: an archive opened or saved
 * through a dialog (anywhere: judged like an LNK's target), a file or a dialog's folder in a
 * staging place; an archiver's dialog in a staging folder is the strongest (it chose where to
 * write or read an archive there).
 */
export function detectComDlg32(view: HiveView, hivePath: string, user: string | null): Candidate[] {
  const out: Candidate[] = [];
  for (const r of collectComDlg32(view).records) {
    if (!r.absolutePath || r.list === 'CIDSizeMRU') continue;
    const visited = r.list !== 'OpenSavePidlMRU' && r.list !== 'OpenSaveMRU';
    const archiver = visited && r.executable ? toolByExecutable(r.executable) : null;
    const c = accessCandidate({
      artifact: hivePath,
      target: { source: 'ComDlg32', path: r.absolutePath, folder: visited, program: r.executable, archiver: archiver?.kind === 'archiver' ? archiver.name : null },
      user,
      key: r.key,
      value: r.value,
      opened: r.openedOn ? [{ time: r.openedOn, by: `key ${r.key} last written, entry ${r.value} first in its MRU list` }] : [],
      details: { list: r.list, extension: r.extension, executable: r.executable, keyLastWritten: r.keyLastWritten, mruPosition: r.mruPosition, targetCreated: r.created, targetModified: r.modified, targetAccessed: r.accessed, mftEntry: r.mftEntry, mftSequence: r.mftSequence },
    });
    if (c) out.push(c);
  }
  return out;
}
