/**
 * EVTX file reader: the file header, then every 64 KiB chunk from the header block size to the
 * end of the file (the header's chunk count is stale in dirty files, so it is not trusted), then
 * the records of each chunk up to its free-space offset. One chunk is in memory at a time, so
 * memory stays flat in the file size; records are yielded as they are read.
 *
 * Damage: a bad file-header or chunk CRC is a warning (the records are still read, as libevtx
 * does); a chunk without its signature is skipped with a warning (an all-zero one silently: unused);
 * a record with a bad signature or size ends its chunk; a record whose binary XML cannot be read is
 * yielded with its header fields and `error`, plus a warning.
 *
 * Slack: after a chunk's records, the bytes from its free-space offset to its end are searched for
 * whole records (signature, size and its trailing copy, 8-byte aligned), as libevtx's recovery does:
 * older records a clear or a wrap left behind, or newer ones a dirty log did not commit; so are the
 * chunk's bytes after a record whose signature or size is damaged, and a chunk without its signature
 * from its first record on. One is yielded, `recovered: true`, only when its binary XML rebuilds with
 * every name holding its hash and every template being the one it names (binxml.ts `checked`) and it
 * has an EventID; the others are counted, with their ids and written times, in a note (a cleared
 * log's older records keep their headers after their templates are overwritten). A slack record whose
 * template is overwritten in its own chunk is rebuilt with the same template (by id, fitting its values
 * slot by slot) from elsewhere in the log (template-index.ts). Slack records are yielded after
 * the last chunk, when every chunk's templates and current record ids are known: a slack copy of one of
 * the log's current records (same record id: ids go on across a clear) is counted, not yielded twice.
 */
import { crc32 } from 'node:zlib';
import type { ByteSource } from '../../util/byte-source.js';
import { filetimeToIso } from '../../util/filetime.js';
import { LIMITS } from '../../util/limits.js';
import { BinXmlError, ChunkXml, type TemplateLibrary, type TemplateSink } from './binxml.js';
import { TemplateIndex } from './template-index.js';
import { CHUNK, FILE_HEADER, RECORD } from './layout.js';
import { toEvent, type EvtxEvent, type SlackUnreadable } from './record.js';

export interface EvtxHeader {
  version: string;
  chunkCount: number;
  nextRecordId: number;
  dirty: boolean;
  full: boolean;
}

/** What the reader learnt besides the records; filled while the generator runs. */
export interface EvtxReadState {
  header: EvtxHeader | null;
  warnings: string[];
  corrupted: boolean;
  chunks: number;
  badChunks: number;
  records: number;
  /** Records whose binary XML could not be read. */
  damagedRecords: number;
  /** Records recovered from chunk slack (not in `records`). */
  recoveredRecords: number;
  /** Records in chunk slack that could not be rebuilt (null: none). */
  slackUnreadable: SlackUnreadable | null;
  /** Of the recovered records, those rebuilt with a template defined elsewhere in the log (theirs was overwritten). */
  recoveredWithLogTemplate: number;
  /** Slack records that are copies of current records (same record id): rebuilt, not yielded. */
  slackCopies: number;
}

export function newReadState(): EvtxReadState {
  return { header: null, warnings: [], corrupted: false, chunks: 0, badChunks: 0, records: 0, damagedRecords: 0, recoveredRecords: 0, slackUnreadable: null, recoveredWithLogTemplate: 0, slackCopies: 0 };
}

function warn(state: EvtxReadState, message: string): void {
  state.corrupted = true;
  if (state.warnings.length < LIMITS.maxEvtxWarnings) state.warnings.push(message);
  else if (state.warnings.length === LIMITS.maxEvtxWarnings) state.warnings.push('further warnings suppressed');
}

/** A note that is not damage (recovered records): kept under the same cap as the warnings. */
function note(state: EvtxReadState, message: string): void {
  if (state.warnings.length < LIMITS.maxEvtxWarnings) state.warnings.push(message);
}

function safeNumber(v: bigint): number {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : -1;
}

/** Reads the file header; false when the file is not EVTX at all. */
function readHeader(src: ByteSource, state: EvtxReadState): { chunkStart: number } | null {
  const h = src.read(0, FILE_HEADER.size);
  if (h.length < 8 || !h.subarray(0, 8).equals(FILE_HEADER.magic)) return null;
  if (h.length < 128) {
    warn(state, `file header truncated (${h.length} bytes)`);
    return { chunkStart: FILE_HEADER.size };
  }
  const flags = h.readUInt32LE(FILE_HEADER.flags);
  state.header = {
    version: `${h.readUInt16LE(FILE_HEADER.majorVersion)}.${h.readUInt16LE(FILE_HEADER.minorVersion)}`,
    chunkCount: h.readUInt16LE(FILE_HEADER.chunkCount),
    nextRecordId: safeNumber(h.readBigUInt64LE(FILE_HEADER.nextRecordId)),
    dirty: (flags & FILE_HEADER.flagDirty) !== 0,
    full: (flags & FILE_HEADER.flagFull) !== 0,
  };
  if (crc32(h.subarray(0, FILE_HEADER.checksummed)) !== h.readUInt32LE(FILE_HEADER.checksum)) warn(state, 'file header checksum mismatch');
  // The chunks start at the header block size (4096 in every known file); an odd value is not trusted.
  const block = h.readUInt16LE(FILE_HEADER.blockSize);
  if (block !== FILE_HEADER.size) warn(state, `header block size ${block}, assuming ${FILE_HEADER.size}`);
  return { chunkStart: FILE_HEADER.size };
}

/** Yields every record of the file, in file order. Returns without yielding when the file is not EVTX. */
export function* readEvtx(src: ByteSource, state: EvtxReadState = newReadState(), options: ReadOptions = {}): Generator<EvtxEvent> {
  const head = readHeader(src, state);
  if (!head) return;
  const log: LogSlack = { index: new TemplateIndex(), lendFrom: options.lendFrom ?? null, collectInto: options.collectInto ?? null, deferred: [], currentIds: [], keepCopies: options.keepSlackCopies ?? false };
  const chunkCount = Math.ceil(Math.max(0, src.size - head.chunkStart) / CHUNK.size);
  // Consecutive slots without a chunk signature are one warning: a dirty log's unused space after its
  // last chunk holds old bytes, often several slots of it, which are not several faults.
  let bad: { first: number; last: number } | null = null;
  const flushBad = (): void => {
    if (!bad) return;
    const at = (i: number): number => head.chunkStart + i * CHUNK.size;
    warn(state, bad.first === bad.last ? `chunk ${bad.first} at offset ${at(bad.first)}: bad signature, skipped` : `chunks ${bad.first}-${bad.last} at offsets ${at(bad.first)}-${at(bad.last)}: bad signature, skipped (${bad.last - bad.first + 1} chunks)`);
    bad = null;
  };
  for (let index = 0; index < chunkCount; index++) {
    const offset = head.chunkStart + index * CHUNK.size;
    const chunk = src.read(offset, CHUNK.size);
    if (chunk.length < CHUNK.recordsStart) {
      flushBad();
      if (chunk.some((b) => b !== 0)) warn(state, `chunk ${index} truncated at ${chunk.length} bytes`);
      break;
    }
    if (chunk.subarray(0, 8).equals(CHUNK.magic)) {
      flushBad();
      state.chunks++;
      if (chunk.length < CHUNK.size) warn(state, `chunk ${index} truncated at ${chunk.length} bytes: reading what is there`);
      yield* readChunk(chunk, index, state, log);
    } else if (chunk.subarray(0, CHUNK.recordsStart).some((b) => b !== 0)) {
      state.badChunks++;
      if (bad && bad.last === index - 1) bad.last = index;
      else {
        flushBad();
        bad = { first: index, last: index };
      }
      // Its records are not the log's (no chunk header to trust), but whole ones may still be in it, as in slack.
      yield* recoverSlack(chunk, index, state, CHUNK.recordsStart, log);
    }
    if (state.records + state.recoveredRecords >= LIMITS.maxEvtxRecords) {
      flushBad();
      warn(state, `stopped after ${LIMITS.maxEvtxRecords} records (limit)`);
      log.deferred = [];
      break;
    }
  }
  flushBad();
  yield* slackAtEnd(src, head.chunkStart, state, log);
  noteSlack(state, options.lendFrom !== undefined);
}

/** What the slack pass needs of the whole log: its templates, the slack records found, the ids of its current records. */
interface LogSlack {
  /** Where the log's templates are defined, for lending after the last chunk. */
  index: TemplateIndex;
  /** Another log's templates to lend where the log never defined an id (`parse --templates`). */
  lendFrom: TemplateLibrary | null;
  /** Where this log's templates are kept whole (reading a `--templates` log). */
  collectInto: TemplateLibrary | null;
  /** Slack records to rebuild after the last chunk (their chunk and offset; the header's id and time). */
  deferred: Array<{ index: number; at: number; recordId: number; written: string | null }>;
  /** The lowest and highest record id read among each chunk's current records. */
  currentIds: Array<[number, number]>;
  /** Yield slack copies of current records too (ReadOptions). */
  keepCopies: boolean;
}

export interface ReadOptions {
  /** Yield the slack copies of current records as recovered records too, instead of counting them (a full account of the slack: the tests compare them with the current records). */
  keepSlackCopies?: boolean;
  /** Templates to lend besides the log's own: another log's (`parse --templates`), read first. */
  lendFrom?: TemplateLibrary;
  /** Keep this log's templates whole in it (to lend them to another log: `parse --templates`). */
  collectInto?: TemplateLibrary;
}

/** Whether `recordId` lies in a chunk's range of current ids; `ranges` sorted by their low end and merged. */
function isCurrentId(ranges: ReadonlyArray<[number, number]>, recordId: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const [a, b] = ranges[mid]!;
    if (recordId < a) hi = mid - 1;
    else if (recordId > b) lo = mid + 1;
    else return true;
  }
  return false;
}

/** The chunks' ranges of current ids, sorted and merged where they overlap. */
function mergedRanges(ranges: ReadonlyArray<[number, number]>): Array<[number, number]> {
  const sorted = [...ranges].sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = out.at(-1);
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/**
 * The slack records, rebuilt after the last chunk with every chunk's templates; each chunk is read
 * again from the source (one at a time), so memory stays flat. A copy of a current record is counted,
 * one that still cannot be rebuilt is counted unreadable, the others are yielded.
 */
function* slackAtEnd(src: ByteSource, chunkStart: number, state: EvtxReadState, log: LogSlack): Generator<EvtxEvent> {
  if (log.deferred.length === 0) return;
  const current = mergedRanges(log.currentIds);
  const lend = log.index.lender(src, chunkStart, log.lendFrom);
  let chunkIndex = -1;
  let xml: ChunkXml | null = null;
  let chunk: Buffer = Buffer.alloc(0);
  for (const d of log.deferred) {
    if (d.index !== chunkIndex) {
      chunkIndex = d.index;
      chunk = src.read(chunkStart + d.index * CHUNK.size, CHUNK.size);
      xml = new ChunkXml(chunk, { checked: true, lend });
    }
    const size = chunk.length >= d.at + RECORD.minSize ? chunk.readUInt32LE(d.at + RECORD.size) : 0;
    const event = size >= RECORD.minSize && d.at + size <= chunk.length ? rebuild(xml!, chunk, d.at, size, d.recordId, d.written, d.index) : null;
    if (!event) countUnreadable(state, d.recordId, d.written);
    else if (!log.keepCopies && isCurrentId(current, event.recordId)) state.slackCopies++;
    else if (state.records + state.recoveredRecords >= LIMITS.maxEvtxRecords) {
      warn(state, `stopped after ${LIMITS.maxEvtxRecords} records (limit)`);
      break;
    } else yield counted(state, event);
  }
  log.deferred = [];
}

/**
 * A slack record rebuilt (checked) and marked recovered; null when it cannot be (its names or
 * templates overwritten, its binary XML damaged) or has no EventID.
 */
function rebuild(xml: ChunkXml, chunk: Buffer, p: number, size: number, recordId: number, written: string | null, index: number): EvtxEvent | null {
  let rebuilt: EvtxEvent;
  try {
    rebuilt = toEvent(xml.parseRecord(p + RECORD.binxml, p + size - 4), recordId, written, index);
  } catch (err) {
    if (!(err instanceof BinXmlError) && !(err instanceof RangeError)) throw err;
    return null;
  }
  if (rebuilt.eventId === null) return null;
  return xml.usedLentTemplate ? { ...rebuilt, recovered: true, templateFromLog: true } : { ...rebuilt, recovered: true };
}

/** A recovered record about to be yielded, counted. */
function counted(state: EvtxReadState, event: EvtxEvent): EvtxEvent {
  state.recoveredRecords++;
  if (event.templateFromLog) state.recoveredWithLogTemplate++;
  return event;
}

/** What the chunks' slack gave, in one note at the end of the file. */
function noteSlack(state: EvtxReadState, otherLogs: boolean): void {
  const u = state.slackUnreadable;
  const records = (n: number): string => `${n} record${n === 1 ? '' : 's'}`;
  if (state.recoveredRecords > 0) {
    const lent = state.recoveredWithLogTemplate > 0 ? `; ${state.recoveredWithLogTemplate} of them with the same template defined elsewhere in the log${otherLogs ? ' or in a --templates log' : ''}, their own being overwritten` : '';
    note(state, `${records(state.recoveredRecords)} recovered from chunk slack or from after a damaged record (not among the log's current records as read; marked recovered${lent})`);
  }
  if (state.slackCopies > 0) note(state, `${records(state.slackCopies)} in chunk slack ${state.slackCopies === 1 ? 'is a copy' : 'are copies'} of current records (the same record ids): not given twice`);
  if (u) {
    const ids = u.firstRecordId === u.lastRecordId ? `record id ${u.firstRecordId}` : `record ids ${u.firstRecordId} to ${u.lastRecordId}`;
    const times = u.firstWritten ? `, written ${u.firstWritten === u.lastWritten ? u.firstWritten : `${u.firstWritten} to ${u.lastWritten}`}` : '';
    note(state, `${records(u.records)} in chunk slack could not be rebuilt (names or templates they use are overwritten): ${ids}${times}`);
  }
}

function* readChunk(chunk: Buffer, index: number, state: EvtxReadState, log: LogSlack): Generator<EvtxEvent> {
  const headerCrc = crc32(chunk.subarray(CHUNK.headerChecksum + 4, CHUNK.recordsStart), crc32(chunk.subarray(0, CHUNK.flags)));
  if (headerCrc !== chunk.readUInt32LE(CHUNK.headerChecksum)) warn(state, `chunk ${index}: header checksum mismatch`);
  let free = chunk.readUInt32LE(CHUNK.freeSpaceOffset);
  if (free < CHUNK.recordsStart || free > chunk.length) {
    warn(state, `chunk ${index}: free-space offset ${free} out of range, reading records until the first bad one`);
    free = chunk.length;
  } else if (crc32(chunk.subarray(CHUNK.recordsStart, free)) !== chunk.readUInt32LE(CHUNK.recordsChecksum)) {
    warn(state, `chunk ${index}: record data checksum mismatch`);
  }
  const stoppedAt = yield* readRecords(chunk, index, state, free, log);
  // The slack; and where damage ended the records early, the rest of them too (libevtx recovers those as well).
  yield* recoverSlack(chunk, index, state, Math.min(stoppedAt, free), log);
}

/**
 * The chunk's records, from its first to its free-space offset; returns where they stopped: the
 * free-space offset, or the first position that holds no whole record (damage).
 */
function* readRecords(chunk: Buffer, index: number, state: EvtxReadState, free: number, log: LogSlack): Generator<EvtxEvent, number> {
  const sink: TemplateSink = {
    seen: (id, buf, offset, body) => {
      log.index.note(id, index, buf, offset);
      log.collectInto?.seen(id, buf, offset, body);
    },
  };
  const xml = new ChunkXml(chunk, { templates: sink });
  let ids: [number, number] | null = null;
  let p: number = CHUNK.recordsStart;
  while (p + RECORD.binxml <= free) {
    if (chunk.readUInt32LE(p) !== RECORD.magic) {
      if (p < free && free !== chunk.length) warn(state, `chunk ${index}: no record signature at offset ${p}, rest of the chunk skipped`);
      return p;
    }
    const size = chunk.readUInt32LE(p + RECORD.size);
    if (size < RECORD.minSize || p + size > chunk.length || chunk.readUInt32LE(p + size - 4) !== size) {
      warn(state, `chunk ${index}: record at offset ${p} has a bad size (${size}), rest of the chunk skipped`);
      return p;
    }
    const recordId = safeNumber(chunk.readBigUInt64LE(p + RECORD.id));
    const written = filetimeToIso(chunk.readBigUInt64LE(p + RECORD.written));
    state.records++;
    if (!ids) log.currentIds.push((ids = [recordId, recordId]));
    else {
      ids[0] = Math.min(ids[0], recordId);
      ids[1] = Math.max(ids[1], recordId);
    }
    // Built outside the yield, so an error thrown by the consumer is never taken for damage.
    let event: EvtxEvent;
    try {
      event = toEvent(xml.parseRecord(p + RECORD.binxml, p + size - 4), recordId, written, index);
    } catch (err) {
      if (!(err instanceof BinXmlError) && !(err instanceof RangeError)) throw err;
      state.damagedRecords++;
      warn(state, `record ${recordId} (chunk ${index}): ${err.message}`);
      event = {
        type: 'evtx-record', recordId, time: written, written, channel: null, provider: null, eventId: null, version: null, level: null,
        task: null, opcode: null, keywords: null, computer: null, userSid: null, processId: null, threadId: null, data: {}, chunk: index, error: err.message,
      };
    }
    yield event;
    p += size;
  }
  return Math.max(p, free);
}

function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/**
 * Whole records in the chunk from `from` to its end (its slack from the free-space offset, or from
 * where damage ended its records): each rebuilt with the chunk's names and templates checked
 * (binxml.ts `checked`), yielded `recovered`; one that cannot be rebuilt, or has no EventID, is
 * counted in `slackUnreadable`. Linear in the chunk: every position is looked at once, and a record
 * found is stepped over whole.
 */
function* recoverSlack(chunk: Buffer, index: number, state: EvtxReadState, from: number, log: LogSlack): Generator<EvtxEvent> {
  let xml: ChunkXml | null = null;
  let p = alignUp(Math.max(from, CHUNK.recordsStart), RECORD.alignment);
  while (p + RECORD.minSize <= chunk.length) {
    const size = chunk.readUInt32LE(p) === RECORD.magic ? chunk.readUInt32LE(p + RECORD.size) : 0;
    if (size < RECORD.minSize || p + size > chunk.length || chunk.readUInt32LE(p + size - 4) !== size) {
      p += RECORD.alignment;
      continue;
    }
    const recordId = safeNumber(chunk.readBigUInt64LE(p + RECORD.id));
    const written = filetimeToIso(chunk.readBigUInt64LE(p + RECORD.written));
    const plausible = plausibleHeader(recordId, written);
    const room = log.deferred.length < LIMITS.maxEvtxDeferredSlack;
    if (plausible && room) {
      // Rebuilt once, after the last chunk: with every chunk's templates, and its copies of current records known.
      log.deferred.push({ index, at: p, recordId, written });
    } else {
      // Read now: an odd header (its record, if it rebuilds, waits like the others), or the list is full.
      xml ??= new ChunkXml(chunk, { checked: true });
      const event = rebuild(xml, chunk, p, size, recordId, written, index);
      if (event && room) log.deferred.push({ index, at: p, recordId, written });
      else if (event) {
        yield counted(state, event);
        if (state.records + state.recoveredRecords >= LIMITS.maxEvtxRecords) return;
      } else if (plausible) countUnreadable(state, recordId, written);
      else {
        // Not a record's header: its size is not trusted to step over what follows (a forged one could hide records).
        p += RECORD.alignment;
        continue;
      }
    }
    p = alignUp(p + size, RECORD.alignment);
  }
}

/** Highest record id counted from slack: a real log numbers its records from 1, far below this. */
const MAX_PLAUSIBLE_RECORD_ID = 2 ** 32;

/**
 * A slack record that cannot be rebuilt is counted only when its header looks like a record's: an id
 * from 1 and a written time after 1980 and before 2200. Bytes of other structures can pass the
 * signature and size checks (one corpus log has four such, with ids like 30064771072 and times in 1601).
 */
function plausibleHeader(recordId: number, written: string | null): boolean {
  return recordId >= 1 && recordId < MAX_PLAUSIBLE_RECORD_ID && written !== null && written >= '1980' && written < '2200';
}

function countUnreadable(state: EvtxReadState, recordId: number, written: string | null): void {
  const u = state.slackUnreadable;
  if (!u) {
    state.slackUnreadable = { records: 1, firstRecordId: recordId, lastRecordId: recordId, firstWritten: written, lastWritten: written };
    return;
  }
  u.records++;
  u.firstRecordId = Math.min(u.firstRecordId, recordId);
  u.lastRecordId = Math.max(u.lastRecordId, recordId);
  if (written !== null) {
    if (u.firstWritten === null || written < u.firstWritten) u.firstWritten = written;
    if (u.lastWritten === null || written > u.lastWritten) u.lastWritten = written;
  }
}
