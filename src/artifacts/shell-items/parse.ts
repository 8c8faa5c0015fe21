/**
 * Windows shell items (the IDList of LNK targets, ShellBags BagMRU values): one item per path
 * component, with the names and times Explorer stored. Layouts after libfwsi "Windows Shell Item
 * format" and MS-SHLLINK 2.2 (facts only). Every item is `u16 size` + data; the class type byte
 * at 0x02 says what it is:
 *   0x1f root folder:   0x03 sort index, 0x04 shell folder GUID
 *   0x2? volume:        0x03 drive name, ASCII ("C:\"); 0x2e: 0x04 a shell folder GUID
 *   0x3? file entry:    0x04 u32 size, 0x08 DOS date + time (modified), 0x0c u16 attributes,
 *                       0x0e primary name (UTF-16 when type & 0x04, else ASCII, NUL-ended, even-padded),
 *                       then extension blocks; 0xbeef0004: 0x08 created, 0x0c accessed (DOS date+time),
 *                       v7+: 0x14 u64 NTFS file reference, long name at 0x14 (v3) / 0x26 (v7) / 0x2a (v8) / 0x2e (v9)
 *   0x4? network:       0x03 flags, 0x05 location ASCII ("\\server\share"), then description if flags & 0x80
 * Other types (control panel, URI, delegate and property-view items) are kept as their type only.
 * Pure and bounded: at most MAX_SHELL_ITEMS items, each inside its own size.
 */
import { dosDateTimeToIso } from '../../util/filetime.js';
import { renderGuid } from '../evtx/values.js';
import { SHELL_FOLDER_PATHS, shellFolderName } from './known-folders.js';

/** Items read from one list: real paths have tens; a longer list is damage or a trap. */
export const MAX_SHELL_ITEMS = 256;
const FILE_ENTRY_EXTENSION = 0xbeef0004;

export type ShellItemKind = 'root-folder' | 'volume' | 'file-entry' | 'network' | 'other';

export interface ShellItem {
  kind: ShellItemKind;
  /** Class type indicator byte (0x1f, 0x2f, 0x31, ...). */
  classType: number;
  /** What the item contributes to a path: "My Computer", "C:\", "PerfLogs", "\\srv\share". */
  name: string | null;
  guid?: string;
  shortName?: string;
  longName?: string;
  isDirectory?: boolean;
  fileSize?: number;
  fileAttributes?: number;
  modified?: string | null;
  created?: string | null;
  accessed?: string | null;
  mftEntry?: number;
  mftSequence?: number;
}

/** What a record keeps of an item it names (a ShellBags folder, a ComDlg32 file): its DOS times and NTFS file reference. */
export interface ShellItemStamps {
  created: string | null;
  modified: string | null;
  accessed: string | null;
  mftEntry: number | null;
  mftSequence: number | null;
}

export function stampsOf(item: ShellItem | undefined): ShellItemStamps {
  return { created: item?.created ?? null, modified: item?.modified ?? null, accessed: item?.accessed ?? null, mftEntry: item?.mftEntry ?? null, mftSequence: item?.mftSequence ?? null };
}

export function guidAt(b: Buffer, o: number): string {
  return renderGuid(b, o).slice(1, -1).toLowerCase();
}

function asciiz(b: Buffer, start: number, end: number): { text: string; next: number } {
  let i = start;
  while (i < end && b[i] !== 0) i++;
  return { text: b.toString('latin1', start, i), next: Math.min(end, i + 1) };
}

function utf16z(b: Buffer, start: number, end: number): { text: string; next: number } {
  let i = start;
  while (i + 1 < end && (b[i] !== 0 || b[i + 1] !== 0)) i += 2;
  return { text: b.toString('utf16le', start, Math.min(i, end)), next: Math.min(end, i + 2) };
}

function dosTimeAt(b: Buffer, o: number): string | null {
  if (o + 4 > b.length) return null;
  const date = b.readUInt16LE(o);
  const time = b.readUInt16LE(o + 2);
  return date === 0 && time === 0 ? null : dosDateTimeToIso(date, time);
}

/** One item's bytes (size field included) to a ShellItem; never throws on short data. */
export function parseShellItem(item: Buffer): ShellItem {
  const classType = item.length > 2 ? item[2]! : 0;
  const base = { classType, name: null };
  if (classType === 0x1f && item.length >= 20) {
    const guid = guidAt(item, 4);
    return { ...base, kind: 'root-folder', guid, name: shellFolderName(guid) ?? `::{${guid}}` };
  }
  if ((classType & 0x70) === 0x20) {
    if (classType === 0x2e && item.length >= 20) {
      const guid = guidAt(item, 4);
      return { ...base, kind: 'volume', guid, name: SHELL_FOLDER_PATHS[guid] ?? shellFolderName(guid) ?? `::{${guid}}` };
    }
    const name = asciiz(item, 3, Math.min(item.length, 3 + 20)).text;
    return { ...base, kind: 'volume', name: name === '' ? null : name };
  }
  if ((classType & 0x70) === 0x30) return parseFileEntry(item, classType);
  if ((classType & 0x70) === 0x40 && item.length > 5) {
    const location = asciiz(item, 5, item.length).text;
    return { ...base, kind: 'network', name: location === '' ? null : location };
  }
  return { ...base, kind: 'other' };
}

function parseFileEntry(item: Buffer, classType: number): ShellItem {
  const out: ShellItem = { kind: 'file-entry', classType, name: null, isDirectory: (classType & 0x01) !== 0 };
  if (item.length < 14) return out;
  out.fileSize = item.readUInt32LE(4);
  out.modified = dosTimeAt(item, 8);
  out.fileAttributes = item.readUInt16LE(12);
  if ((out.fileAttributes & 0x10) !== 0) out.isDirectory = true;
  const primary = (classType & 0x04) !== 0 ? utf16z(item, 14, item.length) : asciiz(item, 14, item.length);
  out.shortName = primary.text;
  out.name = primary.text;
  const ext = findExtension(item, primary.next);
  if (ext >= 0) readFileEntryExtension(item, ext, out);
  return out;
}

/**
 * The 0xbeef0004 block: where the item's last u16 points, else the first signature after the name.
 * The pointer is trusted over the name's end: an XP item flagged Unicode may hold an ANSI name,
 * whose UTF-16 reading runs into the block.
 */
function findExtension(item: Buffer, after: number): number {
  if (item.length >= 4) {
    const last = item.readUInt16LE(item.length - 2);
    if (last >= 14 && last + 8 <= item.length && item.readUInt32LE(last + 4) === FILE_ENTRY_EXTENSION) return last;
  }
  for (let o = Math.min(after, 14); o + 8 <= item.length; o++) {
    if (item.readUInt32LE(o + 4) === FILE_ENTRY_EXTENSION && item.readUInt16LE(o) >= 8) return o;
  }
  return -1;
}

function readFileEntryExtension(item: Buffer, o: number, out: ShellItem): void {
  const size = item.readUInt16LE(o);
  const end = Math.min(item.length, o + size);
  const ext = item.subarray(o, end);
  if (ext.length < 18) return;
  const version = ext.readUInt16LE(2);
  out.created = dosTimeAt(ext, 8);
  out.accessed = dosTimeAt(ext, 12);
  if (version >= 7 && ext.length >= 28) {
    out.mftEntry = ext.readUIntLE(20, 6);
    out.mftSequence = ext.readUInt16LE(26);
  }
  const nameAt = version >= 9 ? 0x2e : version >= 8 ? 0x2a : version >= 7 ? 0x26 : version >= 3 ? 0x14 : -1;
  if (nameAt > 0 && nameAt < ext.length) {
    const long = utf16z(ext, nameAt, ext.length - 2).text;
    if (long !== '') {
      out.longName = long;
      out.name = long;
    }
  }
}

export interface ShellItemList {
  items: ShellItem[];
  /** Bytes consumed, terminator included when present. */
  length: number;
  truncated: boolean;
}

/** Reads `u16 size` items from `b` at `start` until a zero terminator, the end of `b`, or the item cap. */
export function parseShellItemList(b: Buffer, start = 0, end = b.length): ShellItemList {
  const items: ShellItem[] = [];
  let o = start;
  let truncated = false;
  while (o + 2 <= end) {
    const size = b.readUInt16LE(o);
    if (size === 0) return { items, length: o + 2 - start, truncated };
    if (size < 3 || o + size > end || items.length >= MAX_SHELL_ITEMS) {
      truncated = true;
      break;
    }
    items.push(parseShellItem(b.subarray(o, o + size)));
    o += size;
  }
  return { items, length: o - start, truncated: truncated || o < end };
}

/**
 * The path a list of items names, as Explorer shows it: "C:\PerfLogs\x.rar", "\\srv\share\dir",
 * or "Desktop\notes" for items under a shell folder. "My Computer" before a volume is dropped.
 */
export function shellItemsPath(items: readonly ShellItem[]): string {
  let path = '';
  for (const item of items) {
    const name = item.name ?? (item.kind === 'other' ? `<0x${item.classType.toString(16).padStart(2, '0')}>` : '?');
    // "My Computer\C:\x" is shown as "C:\x"; My Computer alone keeps its name.
    if (item.kind === 'root-folder' && item.guid === '20d04fe0-3aea-1069-a2d8-08002b30309d' && items.length > 1) continue;
    if (item.kind === 'volume' || item.kind === 'network') path = name;
    else if (path === '') path = name;
    else path = path.endsWith('\\') ? `${path}${name}` : `${path}\\${name}`;
  }
  return path;
}
