/**
 * The walk over a hive, read by cell offset through a bounded page cache (pages.ts), never held
 * whole (it keeps the visited keys and one bit per 8-byte cell slot, CellBitmap): base block,
 * then every key in pre-order (key, its values, then its subkeys in list order, as libregf lists
 * them). A generator, so callers can stream.
 * Damaged structures yield a warning and the walk goes on with the siblings.
 */
import { LIMITS } from '../../util/limits.js';
import { filetimeToIso } from '../../util/filetime.js';
import {
  BIG_DATA_THRESHOLD, HBINS_START, KEY_HIVE_ENTRY, NO_CELL, readBaseBlock, readCell, readDb, readHbin, readNk,
  readOffsetArray, readSubkeyList, readVk, type BaseBlock, type Cell, type NkCell, type VkCell,
} from './layout.js';
import { decodeValue, regTypeName, type DecodedData } from './decode.js';
import type { ArtifactRecord } from '../types.js';
import type { ByteSource } from '../../util/byte-source.js';
import { PagedHive, type HiveBytes, type PageCacheSize } from './pages.js';

/** Bytes of a value kept once the hive's data budget (LIMITS.maxRegistryHiveDataBytes) is spent. */
const SAMPLE_AFTER_BUDGET = 256;
/** ri lists may nest; Windows uses one level, we follow a few. */
const MAX_LIST_NESTING = 8;
/** Warnings kept per hive before the rest are only counted. */
const MAX_WARNINGS = 1000;

export interface HiveRecord extends ArtifactRecord {
  type: 'registry-hive';
  version: string;
  dirty: boolean;
  sequence1: number;
  sequence2: number;
  rootKeyName: string | null;
  embeddedName: string;
  lastWritten: string | null;
  checksumValid: boolean;
  fileType: number;
  /**
   * Set when the hive was dirty and its transaction logs were applied (regf/parse.ts): the fields
   * above are then the completed base block's, `found` the sequence numbers on disk.
   */
  replayed?: { logs: string[]; entries: number; firstSequence: number; lastSequence: number; found: { sequence1: number; sequence2: number; checksumValid: boolean } };
}

export interface KeyRecord extends ArtifactRecord {
  type: 'registry-key';
  key: string;
  lastWritten: string | null;
  /** Present only when the key has a class name (SAM's JD/Skew1/GBG/Data, ...). */
  className?: string;
  /** Present only in a hive read with its transaction logs, when the key's cell differs from the file as found: the key is as a log wrote it. */
  fromTransactionLog?: true;
}

export interface ValueRecord extends ArtifactRecord {
  type: 'registry-value';
  key: string;
  /** "" is the key's default value (reglookup prints it as "@"/empty; docs/registry.md). */
  name: string;
  dataType: string;
  size: number;
  data: DecodedData;
  /** Present only in a hive read with its transaction logs, when the value's cell or its data cell differs from the file as found. */
  fromTransactionLog?: true;
}

export interface WalkWarning {
  type: 'warning';
  message: string;
  /** False for a note that is no damage (a dirty hive: its logs were not replayed); the parser sets `corrupted` from this, never from the text. */
  damage: boolean;
}

/** The records of a hive, as `parse` returns them and the registry view reads them. */
export type RegistryRecord = HiveRecord | KeyRecord | ValueRecord;

export type WalkItem = RegistryRecord | WalkWarning;

/**
 * A value's raw bytes, kept beside the record (not in it) so the JSON output stays the documented
 * schema; a WeakMap, so they go when the record goes.
 */
const RAW_BYTES = new WeakMap<ValueRecord, { raw: Buffer; inline: boolean }>();

/** Raw bytes of a value, when the walk or the live adapter attached them. */
export function rawBytesOf(rec: ValueRecord): Buffer | undefined {
  return RAW_BYTES.get(rec)?.raw;
}

/** True when the value's data sat in the vk's offset field (<= 4 bytes); for conformance checks. */
export function isInlineValue(rec: ValueRecord): boolean {
  return RAW_BYTES.get(rec)?.inline === true;
}

/** Attaches raw bytes without putting them in the JSON form (used by the walk and the live adapter). */
export function attachRaw(rec: ValueRecord, raw: Buffer, inline = false): ValueRecord {
  RAW_BYTES.set(rec, { raw, inline });
  return rec;
}

export function joinKey(parent: string, name: string): string {
  return parent === '' ? name : `${parent}\\${name}`;
}

interface WalkState extends DataState {
  base: BaseBlock;
  warnings: number;
  keys: number;
  values: number;
  /** Characters of key paths emitted so far (keys and values each carry one); see LIMITS. */
  pathChars: number;
  /** A hive read with its transaction logs: whether file bytes [start, end) differ from the file as found (regf/logs.ts). */
  changed?: ChangedBytes;
}

/** Whether the file bytes [start, end) of a replayed hive differ from the hive file as found. */
export type ChangedBytes = (start: number, end: number) => boolean;

/** Whether a cell (offset from the hive bins) lies wholly or partly where the logs changed the file. */
function cellChanged(st: WalkState, offset: number): boolean {
  if (!st.changed || offset === NO_CELL) return false;
  const cell = readCell(st.buf, offset, st.end);
  return typeof cell !== 'string' && st.changed(cell.start - 4, cell.start + cell.length);
}

/** What reading value data needs: the hive, and the per-hive bookkeeping that bounds it. */
interface DataState {
  buf: HiveBytes;
  end: number;
  /** vk, data and segment cells already expanded: an aliased cell is never expanded twice. */
  expanded: CellBitmap;
  /** Bytes of value data materialised so far (LIMITS.maxRegistryHiveDataBytes). */
  dataBytes: number;
}

/**
 * One bit per 8-byte cell slot of the hive bins (cells are 8-byte aligned; readCell refuses the
 * rest). A hive of 1 GiB costs 16 MiB here, against a Set of millions of numbers.
 */
export class CellBitmap {
  private readonly bits: Uint8Array;
  constructor(hbinsBytes: number) {
    this.bits = new Uint8Array(Math.ceil(Math.max(0, hbinsBytes) / 64) + 1);
  }

  /** Marks a cell; false when it was already marked (the caller must not expand it again). */
  mark(offset: number): boolean {
    const slot = Math.floor(offset / 8);
    const byte = Math.floor(slot / 8);
    if (byte >= this.bits.length) return true; // outside the bins: readCell refuses it anyway
    const bit = 1 << (slot % 8);
    if (this.bits[byte]! & bit) return false;
    this.bits[byte]! |= bit;
    return true;
  }
}

interface StackEntry {
  offset: number;
  /** Path of the parent key; null for the top of a walk (its own name is left out). */
  parent: string | null;
  depth: number;
}

/**
 * Walks a hive: a ByteSource is read a page at a time (pages.ts; `cache` sizes it, for tests); a
 * Buffer already in memory (tests, the bench) is read as it is, its values' raw bytes views into it.
 */
export function* walkHive(input: Buffer | ByteSource, cache?: PageCacheSize, changed?: ChangedBytes): Generator<WalkItem> {
  const buf: HiveBytes = Buffer.isBuffer(input) ? input : new PagedHive(input, cache);
  const base = readBaseBlock(buf);
  if (!base) {
    yield warn('not a regf hive (no regf signature)');
    return;
  }
  const end = hbinsEnd(buf, base);
  const st: WalkState = { buf, end, base, warnings: 0, keys: 0, values: 0, pathChars: 0, expanded: new CellBitmap(end - HBINS_START), dataBytes: 0, changed };
  const root = readRoot(st);
  yield headerRecord(base, typeof root === 'string' ? null : root.nk.name);
  yield* headerWarnings(buf, base, st.end);
  if (base.fileType !== 0) return;
  if (typeof root === 'string') {
    yield warn(`root key unreadable: ${root}; recovering keys by scanning the hive bins`);
    yield* recoverOrphans(st);
    return;
  }
  yield* walkFrom(st, [{ offset: base.rootCell, parent: null, depth: 0 }], new Set<number>());
}

function readRoot(st: WalkState): { nk: NkCell } | string {
  const nk = readKeyCell(st, st.base.rootCell);
  return typeof nk === 'string' ? nk : { nk };
}

function hbinsEnd(buf: HiveBytes, base: BaseBlock): number {
  const declared = HBINS_START + base.hbinsSize;
  return base.hbinsSize > 0 && declared <= buf.length ? declared : buf.length;
}

function headerRecord(base: BaseBlock, rootKeyName: string | null): HiveRecord {
  return {
    type: 'registry-hive',
    version: `${base.major}.${base.minor}`,
    dirty: base.sequence1 !== base.sequence2,
    sequence1: base.sequence1,
    sequence2: base.sequence2,
    rootKeyName,
    embeddedName: base.embeddedName,
    lastWritten: filetimeToIso(base.lastWritten),
    checksumValid: base.checksumStored === base.checksumComputed,
    fileType: base.fileType,
  };
}

function* headerWarnings(buf: HiveBytes, base: BaseBlock, end: number): Generator<WalkWarning> {
  if (base.fileType !== 0) {
    yield warn(`file type ${base.fileType} is a transaction log, not a primary hive; keys not read`);
    return;
  }
  if (base.checksumStored !== base.checksumComputed) yield warn('base block checksum mismatch');
  if (base.sequence1 !== base.sequence2) {
    yield warn(`dirty hive (sequence ${base.sequence1} != ${base.sequence2}): recent changes may sit in .LOG1/.LOG2, not replayed`, false);
  }
  if (HBINS_START + base.hbinsSize > buf.length) {
    yield warn(`truncated hive: header declares ${base.hbinsSize} bytes of hive bins, file holds ${Math.max(0, buf.length - HBINS_START)}`);
  }
  if (end <= HBINS_START) yield warn('no hive bins');
}

function* walkFrom(st: WalkState, stack: StackEntry[], visited: Set<number>): Generator<WalkItem> {
  while (stack.length > 0) {
    const entry = stack.pop()!;
    const where = entry.parent ?? '';
    if (visited.has(entry.offset)) {
      yield* limitedWarn(st, `cycle: key cell 0x${entry.offset.toString(16)} reached twice (under "${where}")`);
      continue;
    }
    visited.add(entry.offset);
    if (++st.keys > LIMITS.maxRegistryKeys) {
      yield warn(`key limit ${LIMITS.maxRegistryKeys} reached; walk stopped`);
      return;
    }
    const nk = readKeyCell(st, entry.offset);
    if (typeof nk === 'string') {
      yield* limitedWarn(st, `subkey of "${where}": ${nk}`);
      continue;
    }
    const path = entry.parent === null ? '' : joinKey(entry.parent, nk.name);
    if (path.length > LIMITS.maxRegistryKeyPathChars) {
      // Windows caps names at 255 characters; a path this long is built to exhaust memory
      // (every descendant's path repeats it). The subtree is left out, not the walk.
      yield* limitedWarn(st, `key path over ${LIMITS.maxRegistryKeyPathChars} characters under "${where.slice(0, 200)}...": subtree not read`);
      continue;
    }
    if (!chargePath(st, path)) {
      yield warn(`key paths exceed ${LIMITS.maxRegistryPathCharsTotal} characters in total; walk stopped`);
      return;
    }
    const key = keyRecord(st, path, nk);
    if (cellChanged(st, entry.offset)) key.fromTransactionLog = true;
    yield key;
    yield* walkValues(st, path, nk);
    if (entry.depth >= LIMITS.maxRegistryDepth) {
      yield* limitedWarn(st, `depth limit ${LIMITS.maxRegistryDepth} reached at "${path}"`);
      continue;
    }
    const children: number[] = [];
    yield* collectSubkeys(st, nk.subkeyList, nk.subkeyCount, path, children, 0, new Set());
    // Pushed in reverse so they pop in list order (the order libregf and reglookup print).
    for (let i = children.length - 1; i >= 0; i--) stack.push({ offset: children[i]!, parent: path, depth: entry.depth + 1 });
  }
}

function readKeyCell(st: WalkState, offset: number): NkCell | string {
  const cell = readCell(st.buf, offset, st.end);
  if (typeof cell === 'string') return cell;
  return readNk(st.buf, cell);
}

function keyRecord(st: WalkState, path: string, nk: NkCell): KeyRecord {
  const rec: KeyRecord = { type: 'registry-key', key: path, lastWritten: filetimeToIso(nk.lastWritten) };
  const className = readClassName(st, nk);
  if (className) rec.className = className;
  return rec;
}

function readClassName(st: WalkState, nk: NkCell): string | null {
  if (nk.classNameLength === 0 || nk.classNameOffset === NO_CELL) return null;
  const cell = readCell(st.buf, nk.classNameOffset, st.end);
  if (typeof cell === 'string') return null;
  const len = Math.min(nk.classNameLength, cell.length) & ~1;
  return st.buf.toString('utf16le', cell.start, cell.start + len);
}

function* collectSubkeys(
  st: WalkState, listOffset: number, expected: number, path: string, out: number[], nesting: number, seenLists: Set<number>,
): Generator<WalkWarning> {
  if (expected === 0 && nesting === 0) return;
  if (listOffset === NO_CELL) {
    if (nesting === 0) yield* limitedWarn(st, `key "${path}" declares ${expected} subkeys but has no subkey list`);
    return;
  }
  if (seenLists.has(listOffset) || nesting > MAX_LIST_NESTING) {
    yield* limitedWarn(st, `subkey list cycle or nesting too deep under "${path}"`);
    return;
  }
  seenLists.add(listOffset);
  const cell = readCell(st.buf, listOffset, st.end);
  const list = typeof cell === 'string' ? cell : readSubkeyList(st.buf, cell);
  if (typeof list === 'string') {
    yield* limitedWarn(st, `subkey list of "${path}": ${list}`);
    return;
  }
  if (list.clipped) yield* limitedWarn(st, `subkey list of "${path}" declares more entries than its cell holds`);
  if (list.kind !== 'ri') {
    for (const o of list.offsets) out.push(o);
    return;
  }
  for (const sub of list.offsets) yield* collectSubkeys(st, sub, 0, path, out, nesting + 1, seenLists);
}

/** Counts a path against the per-hive total; false once the total is spent. */
function chargePath(st: WalkState, path: string): boolean {
  st.pathChars += path.length;
  return st.pathChars <= LIMITS.maxRegistryPathCharsTotal;
}

function* walkValues(st: WalkState, path: string, nk: NkCell): Generator<WalkItem> {
  if (nk.valueCount === 0) return;
  const cell = readCell(st.buf, nk.valueList, st.end);
  if (typeof cell === 'string') {
    yield* limitedWarn(st, `value list of "${path}": ${cell}`);
    return;
  }
  const { offsets, clipped } = readOffsetArray(st.buf, cell, nk.valueCount);
  if (clipped) yield* limitedWarn(st, `value list of "${path}" declares ${nk.valueCount} values, its cell holds ${offsets.length}`);
  let aliased = 0;
  for (const off of offsets) {
    if (++st.values > LIMITS.maxRegistryValues) {
      yield warn(`value limit ${LIMITS.maxRegistryValues} reached`);
      return;
    }
    // A value list naming one vk cell many times (or a vk shared by two keys) is hostile
    // aliasing: each cell is read once.
    if (off !== NO_CELL && off % 8 === 0 && !st.expanded.mark(off)) {
      aliased++;
      continue;
    }
    if (!chargePath(st, path)) {
      yield warn(`key paths exceed ${LIMITS.maxRegistryPathCharsTotal} characters in total; values of "${path.slice(0, 200)}" not read`);
      return;
    }
    const vcell = readCell(st.buf, off, st.end);
    const vk = typeof vcell === 'string' ? vcell : readVk(st.buf, vcell);
    if (typeof vk === 'string') {
      yield* limitedWarn(st, `value of "${path}": ${vk}`);
      continue;
    }
    const data = readValueData(st, vk);
    if (data.problem) yield* limitedWarn(st, `value "${vk.name}" of "${path}": ${data.problem}`);
    const value = valueRecord(path, vk, data.bytes);
    if (cellChanged(st, off) || (!vk.inline && cellChanged(st, vk.dataOffset))) value.fromTransactionLog = true;
    yield value;
  }
  if (aliased > 0) yield* limitedWarn(st, `value list of "${path}" names ${aliased} value cell(s) already read (aliased); not read again`);
}

function valueRecord(path: string, vk: VkCell, bytes: Buffer): ValueRecord {
  const rec: ValueRecord = {
    type: 'registry-value',
    key: path,
    name: vk.name,
    dataType: regTypeName(vk.dataType),
    size: vk.dataSize,
    data: decodeValue(vk.dataType, bytes),
  };
  return attachRaw(rec, bytes, vk.inline);
}

interface ValueData {
  bytes: Buffer;
  problem?: string;
}

const EMPTY = Buffer.alloc(0);

/**
 * The value's bytes, bounded: at most LIMITS.maxRegistryValueBytes per value, and once the hive
 * has materialised LIMITS.maxRegistryHiveDataBytes, only a SAMPLE_AFTER_BUDGET-byte head. A data
 * or big-data segment cell already expanded for another value is not expanded again.
 */
export function readValueData(st: DataState, vk: VkCell): ValueData {
  if (vk.inline) {
    const n = Math.min(vk.dataSize, 4);
    const bytes = st.buf.subarray(vk.inlinePos, vk.inlinePos + n);
    return vk.dataSize > 4 ? { bytes, problem: `inline data size ${vk.dataSize} > 4, kept 4 bytes` } : { bytes };
  }
  if (vk.dataSize === 0) return { bytes: EMPTY };
  const cell = readCell(st.buf, vk.dataOffset, st.end);
  if (typeof cell === 'string') return { bytes: EMPTY, problem: `data: ${cell}` };
  if (!st.expanded.mark(vk.dataOffset)) return { bytes: EMPTY, problem: `data cell 0x${vk.dataOffset.toString(16)} already read for another value (aliased); not read again` };
  const budget = valueBudget(st, vk.dataSize);
  let data: ValueData;
  if (vk.dataSize > BIG_DATA_THRESHOLD && readDb(st.buf, cell)) {
    const db = readDb(st.buf, cell)!;
    data = readBigData(st, vk.dataSize, budget, db.segmentCount, db.segmentList);
  } else if (vk.dataSize > cell.length) {
    data = { bytes: st.buf.subarray(cell.start, cell.start + Math.min(cell.length, budget)), problem: `data size ${vk.dataSize} exceeds its cell (${cell.length}), truncated` };
  } else data = { bytes: st.buf.subarray(cell.start, cell.start + Math.min(vk.dataSize, budget)) };
  st.dataBytes += data.bytes.length;
  if (!data.problem && data.bytes.length < vk.dataSize) data.problem = `kept the first ${data.bytes.length} of ${vk.dataSize} bytes (${budget < LIMITS.maxRegistryValueBytes ? 'hive data budget spent' : 'value size limit'})`;
  return data;
}

/** Bytes this value may materialise, given the per-value cap and what is left of the hive budget. */
function valueBudget(st: DataState, declared: number): number {
  const left = LIMITS.maxRegistryHiveDataBytes - st.dataBytes;
  return Math.min(declared, LIMITS.maxRegistryValueBytes, Math.max(left, SAMPLE_AFTER_BUDGET));
}

function readBigData(st: DataState, size: number, want: number, count: number, listOffset: number): ValueData {
  const listCell = readCell(st.buf, listOffset, st.end);
  if (typeof listCell === 'string') return { bytes: EMPTY, problem: `big-data segment list: ${listCell}` };
  if (!st.expanded.mark(listOffset)) return { bytes: EMPTY, problem: 'big-data segment list already read for another value (aliased); not read again' };
  const { offsets } = readOffsetArray(st.buf, listCell, count);
  const parts: Buffer[] = [];
  let got = 0;
  for (const off of offsets) {
    if (got >= want) break;
    const seg = readCell(st.buf, off, st.end);
    if (typeof seg === 'string') return { bytes: Buffer.concat(parts), problem: `big-data segment: ${seg}` };
    // A segment list repeating one cell would inflate a few KiB into the declared size.
    if (!st.expanded.mark(off)) return { bytes: Buffer.concat(parts, got), problem: `big-data segment 0x${off.toString(16)} repeated (aliased); ${got} of ${size} bytes read` };
    const take = Math.min(want - got, BIG_DATA_THRESHOLD, seg.length);
    parts.push(st.buf.subarray(seg.start, seg.start + take));
    got += take;
  }
  const bytes = Buffer.concat(parts, got);
  if (got < size && got < want) return { bytes, problem: `big data: ${got} of ${size} bytes readable` };
  return { bytes };
}

/** Root unreadable: walk from every nk cell whose parent is not a readable nk (top of a subtree). */
function* recoverOrphans(st: WalkState): Generator<WalkItem> {
  const visited = new Set<number>();
  let found = 0;
  for (const { offset, cell } of allocatedCells(st)) {
    if (st.buf.toString('latin1', cell.start, cell.start + 2) !== 'nk') continue;
    const nk = readNk(st.buf, cell);
    if (typeof nk === 'string' || visited.has(offset)) continue;
    const parent = st.buf.readUInt32LE(cell.start + 0x10); // 0x10 parent (layout.ts NK.parent)
    const isTop = (nk.flags & KEY_HIVE_ENTRY) !== 0 || typeof readKeyCell(st, parent) === 'string';
    if (!isTop) continue;
    found++;
    const prefix = (nk.flags & KEY_HIVE_ENTRY) !== 0 ? null : `?orphan-0x${offset.toString(16)}`;
    yield* walkFrom(st, [{ offset, parent: prefix, depth: 0 }], visited);
  }
  if (found === 0) yield warn('no key could be recovered');
}

function* allocatedCells(st: WalkState): Generator<{ offset: number; cell: Cell }> {
  let pos = HBINS_START;
  while (pos < st.end) {
    const hbin = readHbin(st.buf, pos);
    if (!hbin || hbin.size < 0x20 || hbin.size % 0x1000 !== 0) {
      pos += 0x1000; // skip a damaged page and resynchronise on the next 4 KiB boundary
      continue;
    }
    const binEnd = Math.min(pos + hbin.size, st.end);
    let c = pos + 0x20;
    while (c + 8 <= binEnd) {
      const raw = st.buf.readInt32LE(c);
      const size = Math.abs(raw);
      if (size < 8 || c + size > binEnd) break;
      if (raw < 0) yield { offset: c - HBINS_START, cell: { start: c + 4, length: size - 4, allocated: true } };
      c += size;
    }
    pos += hbin.size;
  }
}

function warn(message: string, damage = true): WalkWarning {
  return { type: 'warning', message, damage };
}

function* limitedWarn(st: WalkState, message: string): Generator<WalkWarning> {
  st.warnings++;
  if (st.warnings <= MAX_WARNINGS) yield warn(message);
  else if (st.warnings === MAX_WARNINGS + 1) yield warn(`more than ${MAX_WARNINGS} warnings; the rest are counted only`);
}
