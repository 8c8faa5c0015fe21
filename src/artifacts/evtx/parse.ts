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
 */
import { crc32 } from 'node:zlib';
import type { ByteSource } from '../../util/byte-source.js';
import { filetimeToIso } from '../../util/filetime.js';
import { LIMITS } from '../../util/limits.js';
import { BinXmlError, ChunkXml } from './binxml.js';
import { CHUNK, FILE_HEADER, RECORD } from './layout.js';
import { toEvent, type EvtxEvent } from './record.js';

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
}

export function newReadState(): EvtxReadState {
  return { header: null, warnings: [], corrupted: false, chunks: 0, badChunks: 0, records: 0, damagedRecords: 0 };
}

function warn(state: EvtxReadState, message: string): void {
  state.corrupted = true;
  if (state.warnings.length < LIMITS.maxEvtxWarnings) state.warnings.push(message);
  else if (state.warnings.length === LIMITS.maxEvtxWarnings) state.warnings.push('further warnings suppressed');
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
export function* readEvtx(src: ByteSource, state: EvtxReadState = newReadState()): Generator<EvtxEvent> {
  const head = readHeader(src, state);
  if (!head) return;
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
    if (!chunk.subarray(0, 8).equals(CHUNK.magic)) {
      if (chunk.subarray(0, CHUNK.recordsStart).some((b) => b !== 0)) {
        state.badChunks++;
        if (bad && bad.last === index - 1) bad.last = index;
        else {
          flushBad();
          bad = { first: index, last: index };
        }
      }
      continue;
    }
    flushBad();
    state.chunks++;
    if (chunk.length < CHUNK.size) warn(state, `chunk ${index} truncated at ${chunk.length} bytes: reading what is there`);
    yield* readChunk(chunk, index, state);
    if (state.records >= LIMITS.maxEvtxRecords) {
      warn(state, `stopped after ${LIMITS.maxEvtxRecords} records (limit)`);
      return;
    }
  }
  flushBad();
}

function* readChunk(chunk: Buffer, index: number, state: EvtxReadState): Generator<EvtxEvent> {
  const headerCrc = crc32(chunk.subarray(CHUNK.headerChecksum + 4, CHUNK.recordsStart), crc32(chunk.subarray(0, CHUNK.flags)));
  if (headerCrc !== chunk.readUInt32LE(CHUNK.headerChecksum)) warn(state, `chunk ${index}: header checksum mismatch`);
  let free = chunk.readUInt32LE(CHUNK.freeSpaceOffset);
  if (free < CHUNK.recordsStart || free > chunk.length) {
    warn(state, `chunk ${index}: free-space offset ${free} out of range, reading records until the first bad one`);
    free = chunk.length;
  } else if (crc32(chunk.subarray(CHUNK.recordsStart, free)) !== chunk.readUInt32LE(CHUNK.recordsChecksum)) {
    warn(state, `chunk ${index}: record data checksum mismatch`);
  }
  const xml = new ChunkXml(chunk);
  let p: number = CHUNK.recordsStart;
  while (p + RECORD.binxml <= free) {
    if (chunk.readUInt32LE(p) !== RECORD.magic) {
      if (p < free && free !== chunk.length) warn(state, `chunk ${index}: no record signature at offset ${p}, rest of the chunk skipped`);
      return;
    }
    const size = chunk.readUInt32LE(p + RECORD.size);
    if (size < RECORD.minSize || p + size > chunk.length || chunk.readUInt32LE(p + size - 4) !== size) {
      warn(state, `chunk ${index}: record at offset ${p} has a bad size (${size}), rest of the chunk skipped`);
      return;
    }
    const recordId = safeNumber(chunk.readBigUInt64LE(p + RECORD.id));
    const written = filetimeToIso(chunk.readBigUInt64LE(p + RECORD.written));
    state.records++;
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
}
