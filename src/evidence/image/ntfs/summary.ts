/**
 * What one MFT record says about its file, attribute by attribute, without following anything
 * outside the record: $STANDARD_INFORMATION, every $FILE_NAME (hard links, long and short names),
 * the streams ($DATA attributes, unnamed = the file content, named = alternate data streams), and
 * the attribute list. Used for `records()` of a volume and for standalone $MFT files.
 */
import { ATTR_TYPE, I30 } from './layout.js';
import { recordSlackEntries, type IndexEntry } from './indx.js';
import {
  namePreference,
  parseAttributeList,
  parseFileName,
  parseStandardInformation,
  standardInformationCreated,
  type Attribute,
  type AttributeListEntry,
  type FileNameAttribute,
  type MftRecord,
  type NtfsRef,
  type StandardInformation,
} from './record.js';

export interface StreamInfo {
  /** '' for the unnamed (default) stream. */
  name: string;
  size: number;
  allocatedSize: number;
  resident: boolean;
  compressed: boolean;
  sparse: boolean;
  encrypted: boolean;
  /** The value of a resident stream (at most a record's size): Zone.Identifier text, a small hidden blob. */
  residentValue?: Buffer;
}

export interface RecordSummary {
  entry: number;
  sequence: number;
  inUse: boolean;
  isDirectory: boolean;
  base: NtfsRef | null;
  fixupsOk: boolean;
  linkCount: number;
  si: StandardInformation | null;
  /** Every $FILE_NAME, long names first (see `namePreference`). */
  fileNames: FileNameAttribute[];
  /** The $DATA streams this record holds (a stream split over extension records appears in each). */
  streams: StreamInfo[];
  attributeList: AttributeListEntry[] | null;
  /** True when an $ATTRIBUTE_LIST is stored outside the record (non-resident): its entries are not read here. */
  attributeListNonResident: boolean;
  /** The unnamed $DATA value when it is resident (small files keep their content in the record). */
  residentData: Buffer | null;
  /** A directory's $I30 keys left in the record's slack by its shrunk $INDEX_ROOT (`ownIndexSlack`). */
  indexSlack: IndexEntry[];
  /** A directory whose $I30 index continues in INDX blocks ($INDEX_ALLOCATION), which hold slack too. */
  hasIndexAllocation: boolean;
  warnings: string[];
}

/** `extra`: attributes of the record's extension records (the caller finds them: attribute list or base references). */
export function summarizeRecord(record: MftRecord, extra: readonly Attribute[] = []): RecordSummary {
  const warnings = [...record.warnings];
  let si: StandardInformation | null = null;
  const fileNames: FileNameAttribute[] = [];
  const streams: StreamInfo[] = [];
  let attributeList: AttributeListEntry[] | null = null;
  let attributeListNonResident = false;
  let residentData: Buffer | null = null;
  for (const a of extra.length > 0 ? record.attributes.concat(extra) : record.attributes) {
    if (a.type === ATTR_TYPE.standardInformation && a.value && !si) si = parseStandardInformation(a.value);
    else if (a.type === ATTR_TYPE.fileName && a.value) {
      const fn = parseFileName(a.value);
      if (fn) fileNames.push(fn);
      else warnings.push(`MFT entry ${record.entry}: unreadable $FILE_NAME`);
    } else if (a.type === ATTR_TYPE.attributeList) {
      if (a.value) attributeList = parseAttributeList(a.value, warnings, `MFT entry ${record.entry} $ATTRIBUTE_LIST`);
      else attributeListNonResident = true;
    } else if (a.type === ATTR_TYPE.data) {
      if (a.resident) {
        streams.push({ name: a.name, size: a.value?.length ?? 0, allocatedSize: a.value?.length ?? 0, resident: true, compressed: a.compressed, sparse: a.sparse, encrypted: a.encrypted, ...(a.value ? { residentValue: a.value } : {}) });
        if (a.name === '' && a.value) residentData = a.value;
      } else if ((a.startVcn ?? 0) === 0) {
        streams.push({ name: a.name, size: a.dataSize ?? 0, allocatedSize: a.allocatedSize ?? 0, resident: false, compressed: a.compressed, sparse: a.sparse, encrypted: a.encrypted });
      }
    }
  }
  fileNames.sort((x, y) => namePreference(x.namespace) - namePreference(y.namespace));
  return {
    entry: record.entry,
    sequence: record.sequence,
    inUse: record.inUse,
    isDirectory: record.isDirectory,
    base: record.base,
    fixupsOk: record.fixupsOk,
    linkCount: record.linkCount,
    si,
    fileNames,
    streams,
    attributeList,
    attributeListNonResident,
    residentData,
    indexSlack: ownIndexSlack(record),
    hasIndexAllocation: hasIndexAllocation(record),
    warnings,
  };
}

/**
 * The $I30 keys in a directory record's slack that name this directory as their parent, or whose
 * parent reference the record's end marker wrote over: the names its own index lost (keys naming
 * another parent are leftovers of an earlier use of the record, which no path can be given to).
 */
export function ownIndexSlack(record: MftRecord): IndexEntry[] {
  if (!record.directoryBytes) return [];
  return recordSlackEntries(record.directoryBytes).filter((e) => e.parentLost === true || e.fn.parent.entry === record.entry);
}

export function hasIndexAllocation(record: MftRecord): boolean {
  return record.isDirectory && record.attributes.some((a) => a.type === ATTR_TYPE.indexAllocation && a.name === I30);
}

/**
 * True when `summarizeRecord(record)` could tell nothing beyond the record's names, parent, sizes
 * and times: an in-use base record without warnings, attribute list or named $DATA stream, whose
 * every $FILE_NAME is readable (`fileNames`: those parsed, in attribute order) and whose
 * $STANDARD_INFORMATION creation is no earlier than any of them. A pass that already parsed the
 * record keeps this bit so that later passes can leave most records unread (the NTFS trace stage:
 * docs/ntfs.md). Extension records elsewhere can still add to a base: `MftIndexBuilder` clears the
 * bit of every base that has some.
 */
export function isPlainRecord(record: MftRecord, fileNames: readonly FileNameAttribute[]): boolean {
  if (!record.inUse || record.base || record.warnings.length > 0) return false;
  // Only the creation time of the first readable $STANDARD_INFORMATION (the one a summary keeps) is compared: not the whole of it.
  let siCreated: bigint | null = null;
  let namesWithValue = 0;
  for (const a of record.attributes) {
    if (a.type === ATTR_TYPE.standardInformation && a.value && siCreated === null) siCreated = standardInformationCreated(a.value);
    else if (a.type === ATTR_TYPE.fileName && a.value) namesWithValue++;
    else if (a.type === ATTR_TYPE.attributeList) return false;
    else if (a.type === ATTR_TYPE.data && a.name !== '') return false;
  }
  if (namesWithValue !== fileNames.length) return false;
  if (siCreated !== null && siCreated > 0n) for (const fn of fileNames) if (fn.created > 0n && siCreated < fn.created) return false;
  return true;
}

/** FILE_ATTRIBUTE_* bits as names (for the JSON records). */
const FILE_ATTRIBUTE_NAMES: ReadonlyArray<[number, string]> = [
  [0x1, 'READONLY'],
  [0x2, 'HIDDEN'],
  [0x4, 'SYSTEM'],
  [0x10, 'DIRECTORY'],
  [0x20, 'ARCHIVE'],
  [0x40, 'DEVICE'],
  [0x80, 'NORMAL'],
  [0x100, 'TEMPORARY'],
  [0x200, 'SPARSE_FILE'],
  [0x400, 'REPARSE_POINT'],
  [0x800, 'COMPRESSED'],
  [0x1000, 'OFFLINE'],
  [0x2000, 'NOT_CONTENT_INDEXED'],
  [0x4000, 'ENCRYPTED'],
  [0x8000, 'INTEGRITY_STREAM'],
  [0x10000, 'VIRTUAL'],
  [0x20000, 'NO_SCRUB_DATA'],
  [0x10000000, 'DIRECTORY_INDEX'],
  [0x20000000, 'INDEX_VIEW'],
];

export function fileAttributeNames(flags: number): string[] {
  return FILE_ATTRIBUTE_NAMES.filter(([bit]) => (flags & bit) !== 0).map(([, n]) => n);
}
