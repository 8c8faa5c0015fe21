/**
 * Registry transaction logs replayed over a dirty hive, as Windows does when it loads one (and as
 * RECmd, Registry Explorer, regipy and yarp do): since Windows 8.1 a hive's recent changes are
 * written to NTUSER.DAT.LOG1/.LOG2 first and to the hive itself only later, so a hive collected from
 * a running or crashed system lacks them, often the most recent hours: the staging an analyst looks for.
 *
 * After msuhanov's "Windows registry file format specification" ("Format of transaction log files",
 * "Dirty state of a hive", "Multiple transaction log files"):
 *   - new format (file type 6): log entries ("HvLE") from byte 512, each with its sequence number,
 *     the hive bins size it leaves, and dirty pages (offset, size, bytes); two Marvin32 hashes tell a
 *     whole entry from a torn or stale one. Entries from the hive's secondary sequence number on are
 *     applied in sequence order across both logs; a damaged entry, or a gap in the sequence, stops it.
 *   - old format (file type 1 or 2, up to Windows 8): a dirty vector ("DIRT", one bit per 512-byte
 *     page of the hive bins) and the dirty pages, applied when the log's last-written time is the hive's.
 *
 * Pure: the logs come in as ByteSources (the caller opens them through src/evidence and closes them);
 * the pages applied are copied (bounded by LIMITS.maxHiveReplayBytes), so the result is a ByteSource
 * over the primary file's bytes with the logged pages laid over them and a completed base block.
 */
import { checkLength, type ByteSource } from '../../util/byte-source.js';
import { LIMITS } from '../../util/limits.js';
import { completedBaseBlock, firstBinTimestamp, HBINS_START, readBaseBlock, type BaseBlock } from './layout.js';
import { Marvin32 } from './marvin32.js';
import { MAX_HIVE_BYTES } from './pages.js';
import type { ChangedBytes } from './walk.js';

/** A log as the replay reads it. */
export interface HiveLog {
  name: string;
  src: ByteSource;
}

/** What one log held, as the replay read it (shown by `explain` and `parse --format json`). */
export interface LogReading {
  name: string;
  format: 'new' | 'old' | null;
  /** New format: whole entries read (both hashes hold), and their sequence numbers. */
  entries: number;
  firstSequence: number | null;
  lastSequence: number | null;
  /** Entries (or, old format, the log) applied to the hive. */
  applied: number;
  /** Why the reading stopped before the end of the file, or why the log was not used. */
  note?: string;
}

export interface ReplayFacts {
  format: 'new' | 'old';
  /** Entries applied (an old-format log counts as one), and the dirty pages they wrote. */
  entries: number;
  pages: number;
  /** The sequence numbers of the first and last entry applied (old format: the log's). */
  firstSequence: number;
  lastSequence: number;
  /** The primary file's base block as found. */
  found: { sequence1: number; sequence2: number; checksumValid: boolean };
  logs: LogReading[];
}

export type ReplayOutcome =
  /** Not a dirty primary hive: nothing to apply. */
  | { kind: 'clean' }
  /** Dirty, but no log held anything to apply (`logs` says why). */
  | { kind: 'none'; logs: LogReading[]; warnings: string[] }
  /** `changed`: whether file bytes of the replayed hive differ from the file as found (what only the logs held). */
  | { kind: 'replayed'; source: ByteSource; changed: ChangedBytes; facts: ReplayFacts; warnings: string[] };

const SECTOR = 512;
const LOG_ENTRY = { sequence: 12, hbinsSize: 16, pageCount: 20, hash1: 24, hash2: 32, pages: 40 } as const;
const HIVE_BIN_ALIGN = 4096;
/** Bytes hashed per read of a large entry. */
const HASH_CHUNK = 4 * 1024 * 1024;
/** Old-format dirty-vector signature, at byte 512 of the log. */
const DIRT = 'DIRT';

interface DirtyPage {
  /** Offset in the hive bins data, and length. */
  offset: number;
  size: number;
  /** Where its bytes are in the log. */
  at: number;
}

interface LogEntry {
  log: HiveLog;
  /** Bytes the entry takes in the log. */
  size: number;
  sequence: number;
  hbinsSize: number;
  pages: DirtyPage[];
}

/** The primary file's base block: dirty when its sequence numbers differ or its checksum fails. */
function primaryState(primary: ByteSource): { base: BaseBlock; block: Buffer; dirty: boolean } | null {
  const block = primary.read(0, HBINS_START + 32);
  const base = readBaseBlock(block);
  if (!base || base.fileType !== 0) return null;
  const checksumValid = base.checksumStored === base.checksumComputed;
  return { base, block, dirty: base.sequence1 !== base.sequence2 || !checksumValid };
}

/** Whether `src` is a primary hive whose base block says a write was not completed (or is torn): the state its logs complete. */
export function isDirtyHive(src: ByteSource): boolean {
  return primaryState(src)?.dirty ?? false;
}

/** A log's own base block (its first sector): valid when signed, checksummed and complete (both sequence numbers equal). */
function logBase(log: HiveLog): BaseBlock | string {
  if (log.src.size < SECTOR * 2) return 'too short for a log';
  const base = readBaseBlock(log.src.read(0, SECTOR));
  if (!base) return 'no regf base block';
  if (base.fileType !== 6 && base.fileType !== 1 && base.fileType !== 2) return `file type ${base.fileType} is not a transaction log`;
  if (base.checksumStored !== base.checksumComputed) return 'base block checksum mismatch';
  if (base.sequence1 !== base.sequence2) return `log not complete (sequence ${base.sequence1} != ${base.sequence2})`;
  return base;
}

function sameHash(h: { low: number; high: number }, stored: Buffer, at: number): boolean {
  return stored.readUInt32LE(at) === h.low && stored.readUInt32LE(at + 4) === h.high;
}

/** Whether Hash-1 (Marvin32 of the entry after its 40-byte header) holds, read a chunk at a time. */
function bodyHashHolds(src: ByteSource, at: number, size: number, header: Buffer): boolean {
  const hash = new Marvin32();
  for (let p = at + LOG_ENTRY.pages; p < at + size; ) {
    const piece = src.read(p, Math.min(HASH_CHUNK, at + size - p));
    if (piece.length === 0) return false;
    hash.update(piece);
    p += piece.length;
  }
  return sameHash(hash.digest(), header, LOG_ENTRY.hash1);
}

/** The entry at `at` of a new-format log, or why it is not a whole entry (the reading stops there). */
function readEntry(log: HiveLog, at: number, end: number): LogEntry | string | null {
  const header = log.src.read(at, LOG_ENTRY.pages);
  if (header.length < LOG_ENTRY.pages || header.toString('latin1', 0, 4) !== 'HvLE') return null;
  const size = header.readUInt32LE(4);
  const sequence = header.readUInt32LE(LOG_ENTRY.sequence);
  const hbinsSize = header.readUInt32LE(LOG_ENTRY.hbinsSize);
  const count = header.readUInt32LE(LOG_ENTRY.pageCount);
  if (size < SECTOR || size % SECTOR !== 0 || at + size > end) return `size ${size} does not fit the log`;
  if (!sameHash(new Marvin32().update(header.subarray(0, 32)).digest(), header, LOG_ENTRY.hash2)) return 'header hash (Hash-2) does not match';
  if (!bodyHashHolds(log.src, at, size, header)) return 'body hash (Hash-1) does not match';
  if (hbinsSize === 0 || hbinsSize % HIVE_BIN_ALIGN !== 0 || HBINS_START + hbinsSize > MAX_HIVE_BYTES) return `hive bins size ${hbinsSize} is not valid`;
  const refsBytes = count * 8;
  if (LOG_ENTRY.pages + refsBytes > size) return `${count} dirty pages do not fit the entry`;
  const refs = log.src.read(at + LOG_ENTRY.pages, refsBytes);
  const pages: DirtyPage[] = [];
  let data = at + LOG_ENTRY.pages + refsBytes;
  for (let i = 0; i < count; i++) {
    const offset = refs.readUInt32LE(i * 8);
    const pageSize = refs.readUInt32LE(i * 8 + 4);
    if (pageSize === 0 || pageSize % SECTOR !== 0 || offset % SECTOR !== 0 || offset + pageSize > hbinsSize || pageSize > LIMITS.maxReadBytes) {
      return `dirty page ${i} (offset ${offset}, ${pageSize} bytes) is not valid`;
    }
    if (data + pageSize > at + size) return `dirty page ${i} runs past the entry`;
    pages.push({ offset, size: pageSize, at: data });
    data += pageSize;
  }
  return { log, size, sequence, hbinsSize, pages };
}

/** The whole entries of a new-format log, in file order, up to the first that is not. */
function readEntries(log: HiveLog, reading: LogReading): LogEntry[] {
  const entries: LogEntry[] = [];
  const end = Math.min(log.src.size, MAX_HIVE_BYTES);
  for (let at = SECTOR; at + LOG_ENTRY.pages <= end; ) {
    const entry = readEntry(log, at, end);
    if (entry === null) break;
    if (typeof entry === 'string') {
      reading.note = `entry at byte ${at}: ${entry}; not read further`;
      break;
    }
    entries.push(entry);
    if (entries.length >= LIMITS.maxHiveLogEntries) {
      reading.note = `${LIMITS.maxHiveLogEntries} entries read; not read further`;
      break;
    }
    at += entry.size;
  }
  reading.entries = entries.length;
  reading.firstSequence = entries[0]?.sequence ?? null;
  reading.lastSequence = entries.at(-1)?.sequence ?? null;
  return entries;
}

/** The hive's bytes with pages laid over them: one slot of 512 bytes per dirty sector, in slabs. */
class Overlay {
  private readonly slots = new Map<number, number>();
  private readonly slabs: Buffer[] = [];
  private static readonly SLOTS_PER_SLAB = 2048;

  /** Lays `data` at hive-file offset `at` (a sector boundary); false when the bound on held bytes is reached. */
  write(at: number, data: Buffer): boolean {
    for (let i = 0; i < data.length; i += SECTOR) {
      const sector = (at + i) / SECTOR;
      let slot = this.slots.get(sector);
      if (slot === undefined) {
        if ((this.slots.size + 1) * SECTOR > LIMITS.maxHiveReplayBytes) return false;
        slot = this.slots.size;
        this.slots.set(sector, slot);
        if (slot % Overlay.SLOTS_PER_SLAB === 0) this.slabs.push(Buffer.alloc(Overlay.SLOTS_PER_SLAB * SECTOR));
      }
      const slab = this.slabs[Math.floor(slot / Overlay.SLOTS_PER_SLAB)]!;
      const into = (slot % Overlay.SLOTS_PER_SLAB) * SECTOR;
      slab.fill(0, into, into + SECTOR);
      data.copy(slab, into, i, Math.min(data.length, i + SECTOR));
    }
    return true;
  }

  /** The sector's bytes when it was laid over, else undefined. */
  sector(index: number): Buffer | undefined {
    const slot = this.slots.get(index);
    if (slot === undefined) return undefined;
    const into = (slot % Overlay.SLOTS_PER_SLAB) * SECTOR;
    return this.slabs[Math.floor(slot / Overlay.SLOTS_PER_SLAB)]!.subarray(into, into + SECTOR);
  }
}

/** The replayed hive: the completed base block, then each sector from the overlay or the primary file (zeros past its end). */
function replayedSource(primary: ByteSource, baseBlock: Buffer, overlay: Overlay, size: number): ByteSource {
  return {
    size,
    name: primary.name,
    read(position: number, length: number): Buffer {
      const n = checkLength(length);
      if (position < 0 || position >= size || n === 0) return Buffer.alloc(0);
      const end = Math.min(size, position + n);
      const out = Buffer.alloc(end - position);
      let p = position;
      while (p < end) {
        if (p < HBINS_START) {
          const upTo = Math.min(end, HBINS_START);
          baseBlock.copy(out, p - position, p, upTo);
          p = upTo;
          continue;
        }
        const sector = Math.floor(p / SECTOR);
        const laid = overlay.sector(sector);
        let upTo = Math.min(end, (sector + 1) * SECTOR);
        if (laid) {
          laid.copy(out, p - position, p - sector * SECTOR, upTo - sector * SECTOR);
          p = upTo;
          continue;
        }
        // A run of sectors the logs did not touch: one read of the primary file.
        while (upTo < end && overlay.sector(upTo / SECTOR) === undefined) upTo = Math.min(end, upTo + SECTOR);
        primary.read(p, upTo - p).copy(out, p - position);
        p = upTo;
      }
      return out;
    },
  };
}

/** Whether bytes [start, end) of the replayed hive differ from the primary file's (or lie past its end): only the sectors laid over are compared. */
function changedBytes(primary: ByteSource, overlay: Overlay): ChangedBytes {
  return (start, end) => {
    for (let sector = Math.floor(start / SECTOR); sector * SECTOR < end; sector++) {
      const laid = overlay.sector(sector);
      if (!laid) continue;
      const from = Math.max(start, sector * SECTOR);
      const to = Math.min(end, (sector + 1) * SECTOR);
      const found = primary.read(from, to - from);
      if (found.length < to - from || !found.equals(laid.subarray(from - sector * SECTOR, to - sector * SECTOR))) return true;
    }
    return false;
  };
}

/** The order new-format entries apply in: from the hive's secondary sequence number on, the log holding the earliest first, consecutive. */
function entriesToApply(perLog: LogEntry[][], start: number): { apply: LogEntry[]; gap: string | null } {
  const pending = perLog
    .map((entries) => entries.filter((e) => e.sequence >= start))
    .filter((entries) => entries.length > 0)
    .sort((a, b) => a[0]!.sequence - b[0]!.sequence);
  const apply: LogEntry[] = [];
  let expected: number | null = null;
  for (const entries of pending) {
    for (const e of entries) {
      if (expected !== null && e.sequence < expected) continue; // already applied from the other log, or stale
      if (expected !== null && e.sequence > expected) {
        return { apply, gap: `sequence gap in ${e.log.name}: entry ${expected} expected, ${e.sequence} found; later entries not applied` };
      }
      apply.push(e);
      expected = e.sequence + 1;
    }
  }
  return { apply, gap: null };
}

function replayNew(primary: ByteSource, state: { base: BaseBlock; block: Buffer }, logs: HiveLog[], readings: LogReading[], warnings: string[]): ReplayOutcome {
  const perLog = logs.map((log, i) => (readings[i]!.format === 'new' ? readEntries(log, readings[i]!) : []));
  // A base block torn mid-write is taken from the first log whose own is whole (the specification's recovery).
  let block = state.block;
  let start = state.base.sequence2;
  if (state.base.checksumStored !== state.base.checksumComputed) {
    const i = readings.findIndex((r) => r.format === 'new');
    if (i < 0) return { kind: 'none', logs: readings, warnings };
    block = Buffer.concat([logs[i]!.src.read(0, SECTOR), state.block.subarray(SECTOR, HBINS_START)]);
    start = readBaseBlock(block)!.sequence2;
    warnings.push(`base block checksum mismatch: base block taken from ${logs[i]!.name}`);
  }
  const { apply, gap } = entriesToApply(perLog, start);
  if (gap) warnings.push(gap);
  if (apply.length === 0) return { kind: 'none', logs: readings, warnings };
  const overlay = new Overlay();
  let applied = 0;
  let pages = 0;
  for (const e of apply) {
    let held = true;
    for (const page of e.pages) {
      if (!(held = overlay.write(HBINS_START + page.offset, e.log.src.read(page.at, page.size)))) break;
      pages++;
    }
    if (!held) {
      warnings.push(`replay stopped at entry ${e.sequence}: more than ${LIMITS.maxHiveReplayBytes} bytes of dirty pages`);
      break;
    }
    applied++;
    readings[logs.indexOf(e.log)]!.applied++;
  }
  if (applied === 0) return { kind: 'none', logs: readings, warnings };
  const last = apply[applied - 1]!;
  const size = Math.max(Math.min(primary.size, MAX_HIVE_BYTES), HBINS_START + last.hbinsSize);
  return {
    kind: 'replayed',
    source: replayedSource(primary, completedBaseBlock(block, last.sequence, last.hbinsSize), overlay, size),
    changed: changedBytes(primary, overlay),
    facts: { format: 'new', entries: applied, pages, firstSequence: apply[0]!.sequence, lastSequence: last.sequence, found: foundOf(state.base), logs: readings },
    warnings,
  };
}

/** Old format: the applicable log (its last-written time the hive's), its dirty vector's pages laid over the hive bins. */
function replayOld(primary: ByteSource, state: { base: BaseBlock; block: Buffer }, logs: HiveLog[], bases: Array<BaseBlock | string>, readings: LogReading[], warnings: string[]): ReplayOutcome {
  const checksumValid = state.base.checksumStored === state.base.checksumComputed;
  const hiveTime = checksumValid ? state.base.lastWritten : firstBinTimestamp(state.block);
  let chosen = -1;
  for (let i = 0; i < logs.length; i++) {
    const base = bases[i]!;
    if (readings[i]!.format !== 'old' || typeof base === 'string') continue;
    if (base.lastWritten !== hiveTime) {
      readings[i]!.note = 'last-written time differs from the hive: not this hive state';
      continue;
    }
    if (chosen < 0 || base.sequence1 > (bases[chosen] as BaseBlock).sequence1) chosen = i;
  }
  if (chosen < 0) return { kind: 'none', logs: readings, warnings };
  const log = logs[chosen]!;
  const base = bases[chosen] as BaseBlock;
  const reading = readings[chosen]!;
  if (base.hbinsSize === 0 || base.hbinsSize % HIVE_BIN_ALIGN !== 0 || HBINS_START + base.hbinsSize > MAX_HIVE_BYTES) {
    reading.note = `hive bins size ${base.hbinsSize} is not valid`;
    return { kind: 'none', logs: readings, warnings };
  }
  const vectorBytes = Math.ceil(base.hbinsSize / SECTOR / 8);
  const vector = log.src.read(SECTOR, 4 + vectorBytes);
  if (vector.length < 4 + vectorBytes || vector.toString('latin1', 0, 4) !== DIRT) {
    reading.note = 'no dirty vector (DIRT) at byte 512';
    return { kind: 'none', logs: readings, warnings };
  }
  const overlay = new Overlay();
  let at = Math.ceil((SECTOR + 4 + vectorBytes) / SECTOR) * SECTOR;
  let pages = 0;
  for (let byte = 0; byte < vectorBytes; byte++) {
    const bits = vector[4 + byte]!;
    if (bits === 0) continue;
    for (let bit = 0; bit < 8; bit++) {
      if ((bits & (1 << bit)) === 0) continue;
      const page = log.src.read(at, SECTOR);
      if (page.length < SECTOR) {
        warnings.push(`${log.name}: the log ends before dirty page ${pages}; the pages before it applied`);
        return finishOld(primary, state, base, overlay, pages, log, readings, warnings);
      }
      if (!overlay.write(HBINS_START + (byte * 8 + bit) * SECTOR, page)) {
        warnings.push(`replay stopped: more than ${LIMITS.maxHiveReplayBytes} bytes of dirty pages`);
        return finishOld(primary, state, base, overlay, pages, log, readings, warnings);
      }
      at += SECTOR;
      pages++;
    }
  }
  return finishOld(primary, state, base, overlay, pages, log, readings, warnings);
}

function finishOld(primary: ByteSource, state: { base: BaseBlock; block: Buffer }, base: BaseBlock, overlay: Overlay, pages: number, log: HiveLog, readings: LogReading[], warnings: string[]): ReplayOutcome {
  if (pages === 0) return { kind: 'none', logs: readings, warnings };
  readings.find((r) => r.name === log.name)!.applied = 1;
  // The write the log completes is the one the hive's primary sequence number began.
  const sequence = Math.max(state.base.sequence1, base.sequence1);
  const block = Buffer.concat([log.src.read(0, SECTOR), state.block.subarray(SECTOR, HBINS_START)]);
  const size = Math.max(Math.min(primary.size, MAX_HIVE_BYTES), HBINS_START + base.hbinsSize);
  return {
    kind: 'replayed',
    source: replayedSource(primary, completedBaseBlock(block, sequence, base.hbinsSize), overlay, size),
    changed: changedBytes(primary, overlay),
    facts: { format: 'old', entries: 1, pages, firstSequence: base.sequence1, lastSequence: base.sequence1, found: foundOf(state.base), logs: readings },
    warnings,
  };
}

function foundOf(base: BaseBlock): ReplayFacts['found'] {
  return { sequence1: base.sequence1, sequence2: base.sequence2, checksumValid: base.checksumStored === base.checksumComputed };
}

/**
 * Applies `logs` (in the order .LOG1, .LOG2, .LOG) to the dirty hive `primary`. Never throws for
 * bad input: a log that cannot be read is noted in `logs` and left out.
 */
export function replayHiveLogs(primary: ByteSource, logs: HiveLog[]): ReplayOutcome {
  const state = primaryState(primary);
  if (!state?.dirty) return { kind: 'clean' };
  const warnings: string[] = [];
  const bases = logs.map((log) => logBase(log));
  const readings: LogReading[] = logs.map((log, i) => {
    const base = bases[i]!;
    const reading: LogReading = { name: log.name, format: null, entries: 0, firstSequence: null, lastSequence: null, applied: 0 };
    if (typeof base === 'string') reading.note = base;
    else reading.format = base.fileType === 6 ? 'new' : 'old';
    return reading;
  });
  // A hive is logged in one format; the new one wins where both are found (a .LOG left from before an upgrade).
  if (readings.some((r) => r.format === 'new')) return replayNew(primary, state, logs, readings, warnings);
  if (readings.some((r) => r.format === 'old')) return replayOld(primary, state, logs, bases, readings, warnings);
  return { kind: 'none', logs: readings, warnings };
}
