/**
 * $I30 directory index entries, live and from slack (docs/ntfs.md "$I30 slack"). A directory's
 * index holds one entry per name: the file reference and a copy of the file's $FILE_NAME. When a
 * name is removed, the entries after it move down and the node's used length shrinks; the bytes
 * past the new end keep what was there (entries of deleted files, stale copies of moved ones) until
 * the node fills again. Small directories keep their index in the MFT record ($INDEX_ROOT), and
 * there the stale bytes end up in the record's slack past its used size.
 *
 * Slack is searched at every 8-byte position (entries are 8-byte aligned, and a removal moves them
 * by whole entries) for an entry whose key is a plausible $FILE_NAME: length fields that agree with
 * the name, a namespace, four times between 1980 and 2200, a name with no control characters. What
 * Windows' own INDX writer leaves is read the way MFTECmd and Velociraptor read $I30 files: a slack
 * entry is a name the directory once held, not proof of a deletion (the MFT says whether the file
 * still lives). Pure and bounded: a block is at most 64 KiB, and every length is checked against it.
 */
import type { ByteSource } from '../../../util/byte-source.js';
import { LIMITS } from '../../../util/limits.js';
import { ATTR_END, ENTRY, FN, FN_NAMESPACE, INDEX_ENTRY, INDEX_ENTRY_FLAG, INDEX_NODE, INDX, RECORD, readReference } from './layout.js';
import { applyFixups, decodeUtf16, parseFileName, type FileNameAttribute, type NtfsRef } from './record.js';

export interface IndexEntry {
  /** Byte offset of the entry: in the index stream (INDX blocks), or in the MFT record. */
  offset: number;
  /** True when found past the node's used length (slack), not among its current entries. */
  slack: boolean;
  /** The file the entry names; null for a slack key whose entry header was written over. */
  file: NtfsRef | null;
  fn: FileNameAttribute;
  /**
   * True for the key an MFT record's end marker was written over: its parent reference is the
   * marker, so `fn.parent` is not the folder's (it is the record's own index: `recordSlackEntries`).
   */
  parentLost?: boolean;
}

/** Which slack names a caller wants (decided before the key is built: a block's slack is mostly stale copies of live names). */
export type NameFilter = (name: string) => boolean;

/**
 * What a caller reads of an index: `slackOnly` leaves the live entries unbuilt (the trace stage knows
 * the live names from the MFT), `keep` the slack keys whose name it does not want.
 */
export interface IndexReadOptions {
  slackOnly?: boolean;
  keep?: NameFilter;
}

/** True when `buf` starts with an INDX block's signature (and holds its header). */
export function isIndxBlock(buf: Buffer): boolean {
  return buf.length >= 0x28 && buf[0] === 0x49 && buf[1] === 0x4e && buf[2] === 0x44 && buf[3] === 0x58; // INDX
}

/** FILETIMEs of 1980-01-01 and 2200-01-01: a slack key with a time outside them is not an entry. */
const MIN_TIME = 119_600_064_000_000_000n;
const MAX_TIME = 182_716_704_000_000_000n;
const MIN_TIME_HIGH = Number(MIN_TIME >> 32n);
const MAX_TIME_HIGH = Number(MAX_TIME >> 32n);
const TIME_OFFSETS = [FN.created, FN.modified, FN.mftModified, FN.accessed];
/** Characters no Win32 or DOS name holds (POSIX names only exclude '/' and NUL). */
const NOT_IN_WIN32_NAME = /[\\:*?"<>|]/;
// eslint-disable-next-line no-control-regex -- control characters are what the check looks for
const NOT_IN_ANY_NAME = /[\u0000-\u001f/\uFFFD]/;
/** The smallest key: a $FILE_NAME with a one-unit name. */
const MIN_KEY = FN.name + 2;
/** INDX block sizes accepted (Windows writes 4096). */
const MIN_BLOCK = 512;
const MAX_BLOCK = 65_536;
/** Bytes of an index read at once: most indexes are a few blocks, and each read of an image costs more than its bytes. */
const READ_WINDOW = 256 * 1024;
/** Warnings kept per index (a damaged index of 256 MiB could give one per block). */
const MAX_WARNINGS = 1000;

function align8(n: number): number {
  return (n + 7) & ~7;
}

function plausibleTime(t: bigint): boolean {
  return t >= MIN_TIME && t < MAX_TIME;
}

/**
 * A plausible $FILE_NAME key at `k` that ends before `end`, with the file reference of its entry
 * header when the 16 bytes before it (not before `floor`) still make one that agrees with the key;
 * null otherwise. Used for slack, where nothing else vouches for the bytes: a removal writes the
 * node's end entry (16 bytes) over the header of the entry after it, so a stale key often outlives
 * its header.
 */
function slackEntryAt(buf: Buffer, k: number, end: number, floor: number, base: number, parentLost = false, keep?: NameFilter): IndexEntry | null {
  if (k + FN.name + 2 > end) return null;
  const nameLength = buf[k + FN.nameLength]!;
  const namespace = buf[k + FN.namespace]!;
  const keyLength = FN.name + nameLength * 2;
  if (nameLength === 0 || namespace > FN_NAMESPACE.win32AndDos || k + keyLength > end) return null;
  // The four times by their high 32 bits first: most positions fail here, before any object is made.
  for (const at of TIME_OFFSETS) {
    const high = buf.readUInt32LE(k + at + 4);
    if (high < MIN_TIME_HIGH || high > MAX_TIME_HIGH) return null;
  }
  if (keep && !keep(decodeUtf16(buf, k + FN.name, nameLength))) return null;
  const fn = parseFileName(buf.subarray(k, k + keyLength));
  if (!fn || (!parentLost && (fn.parent.sequence === 0 || fn.parent.entry < ENTRY.root || fn.parent.entry >= LIMITS.maxMftRecords))) return null;
  if (!plausibleTime(fn.created) || !plausibleTime(fn.modified) || !plausibleTime(fn.mftModified) || !plausibleTime(fn.accessed)) return null;
  if (NOT_IN_ANY_NAME.test(fn.name) || (namespace !== FN_NAMESPACE.posix && NOT_IN_WIN32_NAME.test(fn.name))) return null;
  let file: NtfsRef | null = null;
  const o = k - INDEX_ENTRY.key;
  if (o >= floor) {
    const flags = buf.readUInt16LE(o + INDEX_ENTRY.flags);
    const expected = align8(INDEX_ENTRY.key + keyLength) + ((flags & INDEX_ENTRY_FLAG.hasSubnode) !== 0 ? 8 : 0);
    const ref = readReference(buf, o + INDEX_ENTRY.fileReference);
    if (buf.readUInt16LE(o + INDEX_ENTRY.length) === expected && buf.readUInt16LE(o + INDEX_ENTRY.keyLength) === keyLength && ref.entry !== 0 && ref.sequence !== 0) file = ref;
  }
  return { offset: base + (file ? o : k), slack: true, file, fn, ...(parentLost ? { parentLost } : {}) };
}

/**
 * Every plausible key in buf[start, end), searched at 8-byte positions of the node (`align`: the
 * node's first byte); a header is taken from no earlier than `floor`. `markers`: in an MFT record,
 * a key that starts with an end marker (0xFFFFFFFF) is read with its parent reference lost.
 */
function carveSlack(buf: Buffer, start: number, end: number, align: number, floor: number, base: number, markers = false, keep?: NameFilter): IndexEntry[] {
  const out: IndexEntry[] = [];
  let k = align + align8(Math.max(0, start - align));
  while (k + MIN_KEY <= end) {
    const e = slackEntryAt(buf, k, end, floor, base, markers && buf.readUInt32LE(k) === ATTR_END, keep);
    if (e) {
      out.push(e);
      k += align8(FN.name + e.fn.name.length * 2);
    } else k += 8;
  }
  return out;
}

/**
 * The current entries of a node whose entries run from `start` to `end` (its used length), in
 * order, with their keys; stops at the last entry or at the first length that cannot be.
 * Returns where the walk stopped, from which slack is searched.
 */
function liveEntries(buf: Buffer, start: number, end: number, base: number, out: IndexEntry[] | null, warnings: string[], what: () => string): number {
  let o = start;
  while (o + INDEX_ENTRY.key <= end) {
    const length = buf.readUInt16LE(o + INDEX_ENTRY.length);
    const keyLength = buf.readUInt16LE(o + INDEX_ENTRY.keyLength);
    const flags = buf.readUInt16LE(o + INDEX_ENTRY.flags);
    if (length < INDEX_ENTRY.key || length % 8 !== 0 || o + length > end || INDEX_ENTRY.key + keyLength > length) {
      warnings.push(`${what()}: index entry at ${base + o} has an impossible length (${length}); the rest of the node is searched as slack`);
      return o;
    }
    if ((flags & INDEX_ENTRY_FLAG.last) !== 0) return o + length;
    if (out && keyLength >= FN.name) {
      const fn = parseFileName(buf.subarray(o + INDEX_ENTRY.key, o + INDEX_ENTRY.key + keyLength));
      if (fn) out.push({ offset: base + o, slack: false, file: readReference(buf, o + INDEX_ENTRY.fileReference), fn });
    }
    o += length;
  }
  return o;
}

/** The node at `header` of `buf` (fixed up): its live entries (unless `slackOnly`), then its slack's, up to `limit` (the node's end). */
function readNode(buf: Buffer, header: number, limit: number, base: number, warnings: string[], what: () => string, { slackOnly = false, keep }: IndexReadOptions): IndexEntry[] {
  const out: IndexEntry[] = [];
  if (header + 16 > limit) return out;
  const entries = header + buf.readUInt32LE(header + INDEX_NODE.entriesOffset);
  const used = Math.min(limit, header + buf.readUInt32LE(header + INDEX_NODE.indexLength));
  const allocated = Math.min(limit, header + buf.readUInt32LE(header + INDEX_NODE.allocatedSize));
  if (entries < header + 16 || entries > used) {
    warnings.push(`${what()}: index node header out of bounds (entries at ${entries - header}, used ${used - header})`);
    return carveSlack(buf, header + 16, allocated, header, header + 16, base, false, keep);
  }
  const stopped = liveEntries(buf, entries, used, base, slackOnly ? null : out, warnings, what);
  for (const e of carveSlack(buf, Math.max(stopped, used), allocated, header, Math.max(stopped, used), base, false, keep)) out.push(e);
  return out;
}

/**
 * One INDX block as stored (fixups not applied): its live and slack entries, offsets counted from
 * `base`. Null when it carries no INDX signature (an unused or reused cluster). With `scratch`, the
 * fixed-up copy goes there (the entries keep nothing of it).
 */
export function readIndexBlock(raw: Buffer, base: number, warnings: string[], options: IndexReadOptions = {}, scratch?: Buffer): IndexEntry[] | null {
  if (!isIndxBlock(raw)) return null;
  const what = (): string => `INDX block at ${base}`;
  const { data } = applyFixups(raw, warnings, what, scratch);
  return readNode(data, INDX.nodeHeader, data.length, base, warnings, what, options);
}

/** The block size an index stream's first INDX header gives (node header + allocated size), or null. */
function blockSizeOf(head: Buffer): number | null {
  if (!isIndxBlock(head)) return null;
  const size = INDX.nodeHeader + head.readUInt32LE(INDX.nodeHeader + INDEX_NODE.allocatedSize);
  return size >= MIN_BLOCK && size <= MAX_BLOCK && (size & (size - 1)) === 0 ? size : null;
}

export interface IndexStreamResult {
  entries: IndexEntry[];
  blocks: number;
  /** Blocks without an INDX signature (never used, freed and reused, or not collected). */
  unreadBlocks: number;
}

/**
 * Every block of an $I30 index allocation (a collected `$I30` file, or the stream of a directory on
 * a volume): its live and slack entries, as `options` say. Reads at most LIMITS.maxIndexStreamBytes
 * and keeps at most LIMITS.maxIndexEntries entries (a warning says so).
 */
export function readIndexStream(src: ByteSource, warnings: string[], options: IndexReadOptions = {}): IndexStreamResult {
  const result: IndexStreamResult = { entries: [], blocks: 0, unreadBlocks: 0 };
  const size = blockSizeOf(src.read(0, 0x28)) ?? 4096;
  const bytes = Math.min(src.size, LIMITS.maxIndexStreamBytes);
  if (src.size > bytes) warnings.push(`${src.name}: index of ${src.size} bytes; the first ${bytes} read`);
  const scratch = Buffer.allocUnsafe(size);
  const window = Math.max(size, Math.floor(READ_WINDOW / size) * size);
  let windowAt = -1;
  let windowBytes: Buffer = Buffer.alloc(0);
  let warned = 0;
  for (let at = 0; at + size <= bytes; at += size) {
    if (windowAt < 0 || at >= windowAt + windowBytes.length) {
      windowAt = at;
      windowBytes = src.read(at, Math.min(window, bytes - at));
    }
    result.blocks++;
    const raw = windowBytes.subarray(at - windowAt, at - windowAt + size);
    const blockWarnings: string[] = [];
    const entries = raw.length === size ? readIndexBlock(raw, at, blockWarnings, options, scratch) : null;
    for (const w of blockWarnings) if (warned++ < MAX_WARNINGS) warnings.push(w);
    if (!entries) {
      result.unreadBlocks++;
      continue;
    }
    for (const e of entries) {
      if (result.entries.length >= LIMITS.maxIndexEntries) {
        warnings.push(`${src.name}: more than ${LIMITS.maxIndexEntries} index entries; the rest left out`);
        return result;
      }
      result.entries.push(e);
    }
  }
  if (warned > MAX_WARNINGS) warnings.push(`${src.name}: ${warned - MAX_WARNINGS} more warnings left out`);
  return result;
}

/**
 * Index entries in the slack of an MFT record (fixed up): from its end marker on, where the entries
 * of an $INDEX_ROOT that shrank remain. Offsets are the record's. When an $INDEX_ROOT (a directory's
 * last attribute) shrinks, its end entry moves over the header of the key after it and the record's
 * end marker (0xFFFFFFFF and 4 more bytes) over that key's parent reference; each earlier shrink
 * left such a marker too. Those keys are read all the same, marked `parentLost` (they were this
 * record's own index).
 */
export function recordSlackEntries(data: Buffer): IndexEntry[] {
  if (data.length < RECORD.usedSize + 4) return [];
  const used = data.readUInt32LE(RECORD.usedSize);
  if (used >= data.length || used < 0x30 || used % 8 !== 0) return [];
  return carveSlack(data, used - 8, data.length, 0, used, 0, true);
}
