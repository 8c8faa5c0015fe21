/**
 * One cabinet folder's uncompressed stream, in memory: its CFDATA blocks read in order, each checked
 * against its checksum (when the cabinet gives one), and decoded as the folder says: stored, MSZIP
 * (each block a deflate stream of up to 32 KiB whose history is the 32 KiB before it: zlib with that
 * as its dictionary) or LZX (lzx.ts, one stream over the folder's blocks). Quantum is not decoded
 * (no maintained decoder, and makecab has not offered it since Windows 2000's). The files of the
 * folder are slices of it (archive/members.ts). Bounded by `max` bytes of output: the blocks'
 * uncompressed sizes are added before anything is decoded.
 */
import { inflateRawSync } from 'node:zlib';
import type { ByteSource } from '../../util/byte-source.js';
import type { CabFolder, CabLayout } from './layout.js';
import { decodeLzx } from './lzx.js';

// CFDATA: 0x00 csum, 0x04 cbData, 0x06 cbUncomp (+ cbCFData reserve bytes), then the data
const DATA_FIXED = 8;
/** MSZIP's history: the window a block's matches reach back into. */
const MSZIP_HISTORY = 32_768;
/** An MSZIP block decodes to at most 32 KiB; a little more is asked of zlib to tell a lying size. */
const MSZIP_BLOCK_MAX = 32_768 + 1;

/** `cut`: the folder decodes to more than `max`; `data` is its start, the blocks that fit. */
export type FolderBytes = { ok: true; data: Buffer; damaged?: string; cut?: true } | { ok: false; why: 'method' | 'damaged'; detail: string };

/**
 * The CFDATA checksum (MS-CAB): the 32-bit little-endian words XORed into `seed`, the last one to
 * three bytes taken most significant first. A block's checksum is over its data, then over its
 * cbData and cbUncomp.
 */
export function cabChecksum(data: Buffer, seed: number): number {
  let sum = seed >>> 0;
  const words = data.length >>> 2;
  for (let i = 0; i < words; i++) sum = (sum ^ data.readUInt32LE(i * 4)) >>> 0;
  let p = words * 4;
  let tail = 0;
  const rest = data.length & 3;
  if (rest === 3) tail |= data[p++]! << 16;
  if (rest >= 2) tail |= data[p++]! << 8;
  if (rest >= 1) tail |= data[p]!;
  return (sum ^ tail) >>> 0;
}

interface DataBlock {
  data: Buffer;
  uncompressed: number;
}

/** The folder's CFDATA blocks, those whose output fits in `max`; `damaged` says what was wrong with the ones read. */
function readBlocks(src: ByteSource, layout: CabLayout, folder: CabFolder, max: number): { blocks: DataBlock[]; total: number; damaged: string[]; cut: boolean } {
  const blocks: DataBlock[] = [];
  const damaged: string[] = [];
  let total = 0;
  let cut = false;
  let pos = folder.dataStart;
  for (let b = 0; b < folder.blocks; b++) {
    const header = src.read(pos, DATA_FIXED + layout.dataReserve);
    if (header.length < DATA_FIXED + layout.dataReserve) {
      damaged.push(`the cabinet ends at CFDATA block ${b + 1} of ${folder.blocks}`);
      break;
    }
    const size = header.readUInt16LE(4);
    const uncompressed = header.readUInt16LE(6);
    if (uncompressed === 0) {
      damaged.push('the folder continues in the next cabinet');
      break;
    }
    if (total + uncompressed > max) {
      cut = true;
      break;
    }
    const data = src.read(pos + DATA_FIXED + layout.dataReserve, size);
    if (data.length < size) {
      damaged.push(`the cabinet ends inside CFDATA block ${b + 1} of ${folder.blocks}`);
      break;
    }
    // Counted once its data is read: the decoders are asked for what the blocks read hold, no more.
    total += uncompressed;
    // A checksum of 0 is none; with reserve bytes what it covers is not settled between readers: not checked.
    const csum = header.readUInt32LE(0);
    if (csum !== 0 && layout.dataReserve === 0 && cabChecksum(header.subarray(4, 8), cabChecksum(data, 0)) !== csum) damaged.push(`CFDATA block ${b + 1}'s checksum does not match`);
    blocks.push({ data, uncompressed });
    pos += DATA_FIXED + layout.dataReserve + size;
  }
  return { blocks, total, damaged, cut };
}

/** MSZIP: each block 'CK' and a deflate stream, inflated with the output before it as its history. */
function inflateMszip(blocks: readonly DataBlock[], total: number): { data: Buffer; error?: string } {
  const out = Buffer.alloc(total);
  let at = 0;
  for (let b = 0; b < blocks.length; b++) {
    const { data, uncompressed } = blocks[b]!;
    if (data.length < 2 || data[0] !== 0x43 || data[1] !== 0x4b) return { data: out.subarray(0, at), error: `MSZIP block ${b + 1} does not start with "CK"` };
    let part: Buffer;
    try {
      part = inflateRawSync(data.subarray(2), { maxOutputLength: MSZIP_BLOCK_MAX, ...(at > 0 ? { dictionary: out.subarray(Math.max(0, at - MSZIP_HISTORY), at) } : {}) });
    } catch (err) {
      return { data: out.subarray(0, at), error: `MSZIP block ${b + 1}: ${(err as Error).message}` };
    }
    if (part.length !== uncompressed) return { data: out.subarray(0, at), error: `MSZIP block ${b + 1} inflates to ${part.length} bytes where its header says ${uncompressed}` };
    part.copy(out, at);
    at += part.length;
  }
  return { data: out };
}

/**
 * Folder `index` of the cabinet, decoded to at most `max` bytes: a folder that holds more gives the
 * blocks that fit (`cut`), so that the files at its start are given (makecab puts every file in one
 * folder).
 */
export function decodeCabFolder(src: ByteSource, layout: CabLayout, index: number, max: number): FolderBytes {
  const folder = layout.folders[index];
  if (!folder) return { ok: false, why: 'damaged', detail: `its folder ${index} is not in the folder table` };
  if (folder.method !== 'none' && folder.method !== 'mszip' && folder.method !== 'lzx') return { ok: false, why: 'method', detail: `CAB compression "${folder.method}" is not decompressed here` };
  const { blocks, total, damaged, cut } = readBlocks(src, layout, folder, max);
  let decoded: { data: Buffer; error?: string };
  if (folder.method === 'none') decoded = { data: Buffer.concat(blocks.map((b) => b.data)) };
  else if (folder.method === 'mszip') decoded = inflateMszip(blocks, total);
  else decoded = decodeLzx(Buffer.concat(blocks.map((b) => b.data)), folder.windowBits, total);
  if (decoded.error) damaged.push(decoded.error);
  return { ok: true, data: decoded.data, ...(damaged.length > 0 ? { damaged: damaged.join('; ') } : {}), ...(cut ? { cut: true as const } : {}) };
}
