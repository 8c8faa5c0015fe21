/**
 * Amcache.hve (Windows 8+ `Windows/AppCompat/Programs/Amcache.hve`) through the project's regf
 * parser: one `amcache-file` record per executable, from `Root\InventoryApplicationFile` (Windows
 * 10 1709+) and the older `Root\File\<volume>\<file reference>` keys (Windows 8 to 10 1607). Field
 * names follow AmcacheParser's CSV columns; the SHA-1 is FileId (or value 101) without its "0000" prefix.
 */
import type { ValueRecord } from '../regf/walk.js';
import { filetimeToIso } from '../../util/filetime.js';
import { LIMITS } from '../../util/limits.js';
import { valueBytes, type HiveView, type KeyNode } from '../registry/view.js';

export interface AmcacheFile {
  type: 'amcache-file';
  source: 'InventoryApplicationFile' | 'File';
  /** The entry's key below the hive root (the finding's locator). */
  key: string;
  /** Key last written: when Windows recorded the program (first run or install scan). */
  keyLastWritten: string | null;
  fullPath: string | null;
  name: string | null;
  sha1: string | null;
  size: number | null;
  productName: string | null;
  publisher: string | null;
  version: string | null;
  originalFileName: string | null;
  description: string | null;
  linkDate: string | null;
  isOsComponent: boolean | null;
  programId: string | null;
  /** Root\File only: the file's own times (values 12, 11, 17). */
  created?: string | null;
  lastModified?: string | null;
  lastModified2?: string | null;
  [field: string]: unknown;
}

function values(node: KeyNode): Map<string, ValueRecord> {
  return new Map(node.values.map((v) => [v.name.toLowerCase(), v]));
}

function text(v: ValueRecord | undefined): string | null {
  if (!v) return null;
  const d = Array.isArray(v.data) ? v.data[0] : v.data;
  return d === undefined || d === '' ? null : String(d);
}

/** A size written as QWORD, DWORD or "0x7fac0" text. */
function number(v: ValueRecord | undefined): number | null {
  const t = text(v);
  if (t === null) return null;
  const n = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

function filetime(v: ValueRecord | undefined): string | null {
  if (!v) return null;
  const b = valueBytes(v);
  return b.length >= 8 ? filetimeToIso(b.readBigUInt64LE(0)) : null;
}

/** "0000" + 40 hex digits -> the SHA-1 (lower case); anything else -> null. */
export function sha1FromFileId(id: string | null): string | null {
  const m = id ? /^0000([0-9a-f]{40})$/i.exec(id.trim()) : null;
  return m ? m[1]!.toLowerCase() : null;
}

function baseName(path: string | null): string | null {
  return path ? (path.split('\\').pop() ?? null) : null;
}

function fromInventory(node: KeyNode): AmcacheFile {
  const v = values(node);
  const fullPath = text(v.get('lowercaselongpath'));
  const os = number(v.get('isoscomponent'));
  return {
    type: 'amcache-file',
    source: 'InventoryApplicationFile',
    key: node.key,
    keyLastWritten: node.lastWritten,
    fullPath,
    name: text(v.get('name')) ?? baseName(fullPath),
    sha1: sha1FromFileId(text(v.get('fileid'))),
    size: number(v.get('size')),
    productName: text(v.get('productname')),
    publisher: text(v.get('publisher')),
    version: text(v.get('version')),
    originalFileName: text(v.get('originalfilename')),
    description: null,
    linkDate: text(v.get('linkdate')),
    isOsComponent: os === null ? null : os !== 0,
    programId: text(v.get('programid')),
  };
}

/** Root\File value names (hex): 0 product, 1 company, 5 version, 6 size, c description, 11/12/17 times, 15 path, 100 program, 101 SHA-1. */
function fromFileKey(node: KeyNode): AmcacheFile {
  const v = values(node);
  const fullPath = text(v.get('15'));
  return {
    type: 'amcache-file',
    source: 'File',
    key: node.key,
    keyLastWritten: node.lastWritten,
    fullPath,
    name: baseName(fullPath),
    sha1: sha1FromFileId(text(v.get('101'))),
    size: number(v.get('6')),
    productName: text(v.get('0')),
    publisher: text(v.get('1')),
    version: text(v.get('5')),
    originalFileName: null,
    description: text(v.get('c')),
    linkDate: null,
    isOsComponent: null,
    programId: text(v.get('100')),
    created: filetime(v.get('12')),
    lastModified: filetime(v.get('11')),
    lastModified2: filetime(v.get('17')),
  };
}

const INVENTORY_KEY = 'Root\\InventoryApplicationFile';
const FILE_KEY = 'Root\\File';
/** The keys the Amcache reader looks at (with what lies below them): a scan keeps only these of a hive (hive-pass.ts). */
export const AMCACHE_KEYS: readonly string[] = [INVENTORY_KEY, FILE_KEY];

/** True when the hive has Amcache's keys (so any hive, whatever its file name, is read as Amcache). */
export function isAmcache(view: HiveView): boolean {
  return view.get(INVENTORY_KEY) !== undefined || view.get(FILE_KEY) !== undefined;
}

/** Every file entry, newer layout first; bounded by LIMITS.maxFindingsPerArtifact x 10. */
export function collectAmcache(view: HiveView, warnings: string[] = []): AmcacheFile[] {
  const out: AmcacheFile[] = [];
  const cap = LIMITS.maxFindingsPerArtifact * 10;
  for (const node of view.subkeys(INVENTORY_KEY)) {
    if (out.length >= cap) break;
    out.push(fromInventory(node));
  }
  for (const volume of view.subkeys(FILE_KEY)) {
    for (const node of view.subkeys(volume.key)) {
      if (out.length >= cap) break;
      out.push(fromFileKey(node));
    }
  }
  if (out.length >= cap) warnings.push(`more than ${cap} Amcache entries: the rest left out`);
  return out;
}
