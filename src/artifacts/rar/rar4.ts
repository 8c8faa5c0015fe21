/** RAR 4 block walk: MAIN_HEAD flags, FILE_HEADs (names, sizes, DOS times, encryption, splits). */
import { crc32 } from 'node:zlib';
import type { ByteSource } from '../../util/byte-source.js';
import { dosDateTimeToIso } from '../../util/filetime.js';
import { LIMITS } from '../../util/limits.js';
import { namedFlags, newWalk } from './common.js';
import type { RarEntry, RarWalk } from './common.js';
import { MAX_BLOCKS_FACTOR, R4, R4_FILE, R4_FILE_FLAGS, R4_MAIN_FLAGS, R4_TYPE, RAR4_SIGNATURE } from './layout.js';
import { decodeRarName, methodName } from './names.js';

const FILE_ATTRIBUTE_DIRECTORY = 0x10;
const HOST_WIN32 = 2;

interface Block {
  type: number;
  flags: number;
  header: Buffer;
  dataSize: number;
}

/** Reads one block header at `pos`; a string is the reason it could not be read. */
function readBlock(src: ByteSource, pos: number, w: RarWalk): Block | string {
  const base = src.read(pos, R4.baseSize);
  if (base.length < R4.baseSize) return `block header at ${pos} truncated`;
  const type = base[R4.headType]!;
  const flags = base.readUInt16LE(R4.headFlags);
  const size = base.readUInt16LE(R4.headSize);
  if (size < R4.baseSize) return `block at ${pos} declares header size ${size}`;
  const header = src.read(pos, size);
  if (header.length < size) return `block header at ${pos} runs past the end of the file`;
  const computed = crc32(header.subarray(R4.headType)) & 0xffff;
  const stored = header.readUInt16LE(R4.headCrc);
  if (computed !== stored) {
    w.warnings.push(`RAR block at ${pos} (type 0x${type.toString(16)}): header CRC mismatch`);
    w.corrupted = true;
  }
  let dataSize = 0;
  if (flags & R4_FILE_FLAGS.longBlock) {
    if (size < R4.addSize + 4) return `long block at ${pos} too short for its data size`;
    dataSize = header.readUInt32LE(R4.addSize);
    if ((type === R4_TYPE.file || type === R4_TYPE.newSub) && flags & R4_FILE_FLAGS.large && size >= R4_FILE.highPackSize + 8) {
      dataSize += header.readUInt32LE(R4_FILE.highPackSize) * 2 ** 32;
    }
  }
  return { type, flags, header, dataSize };
}

function fileEntry(b: Block, w: RarWalk, pos: number): RarEntry | null {
  const h = b.header;
  const large = (b.flags & R4_FILE_FLAGS.large) !== 0;
  const nameStart = large ? R4_FILE.highUnpSize + 4 : R4_FILE.fixedSize;
  if (h.length < nameStart) {
    w.warnings.push(`RAR file header at ${pos} too short (${h.length} bytes)`);
    w.corrupted = true;
    return null;
  }
  const nameSize = h.readUInt16LE(R4_FILE.nameSize);
  if (nameStart + nameSize > h.length) {
    w.warnings.push(`RAR file header at ${pos}: name runs past the header`);
    w.corrupted = true;
  }
  const rawName = h.subarray(nameStart, Math.min(h.length, nameStart + nameSize, nameStart + LIMITS.maxNameBytes));
  const highUnp = large ? h.readUInt32LE(R4_FILE.highUnpSize) * 2 ** 32 : 0;
  const attributes = h.readUInt32LE(R4_FILE.attr);
  const hostOs = h[R4_FILE.hostOs]!;
  const ftime = h.readUInt32LE(R4_FILE.ftime);
  const isDirectory =
    (b.flags & R4_FILE_FLAGS.dictMask) === R4_FILE_FLAGS.dictMask || (hostOs === HOST_WIN32 && (attributes & FILE_ATTRIBUTE_DIRECTORY) !== 0);
  return {
    type: 'archive-entry',
    // RAR 4 stores Windows separators; RAR 5 and the other archive parsers use '/'.
    name: decodeRarName(rawName, (b.flags & R4_FILE_FLAGS.unicode) !== 0).replace(/\\/g, '/'),
    size: h.readUInt32LE(R4_FILE.unpSize) + highUnp,
    compressedSize: b.dataSize,
    modified: dosDateTimeToIso(ftime >>> 16, ftime & 0xffff),
    encrypted: (b.flags & R4_FILE_FLAGS.password) !== 0,
    isDirectory,
    method: methodName(h[R4_FILE.method]! - 0x30),
    splitBefore: (b.flags & R4_FILE_FLAGS.splitBefore) !== 0,
    splitAfter: (b.flags & R4_FILE_FLAGS.splitAfter) !== 0,
    crc: h.readUInt32LE(R4_FILE.fileCrc),
    dataOffset: pos + b.header.length,
    attributes,
    hostOs,
    unpackVersion: h[R4_FILE.unpVer]!,
    solid: (b.flags & R4_FILE_FLAGS.solid) !== 0,
    // Bits 5-7: 64 KiB << n (n = 7 marks a directory).
    dictionaryBytes: isDirectory ? null : 0x10000 * 2 ** ((b.flags & R4_FILE_FLAGS.dictMask) >>> 5),
  };
}

/** Service sub-block name (CMT, RR, ACL, STM, ...) from a NEWSUB_HEAD. */
function serviceName(b: Block): string {
  const h = b.header;
  if (h.length < R4_FILE.fixedSize) return '?';
  const n = h.readUInt16LE(R4_FILE.nameSize);
  return h.toString('latin1', R4_FILE.fixedSize, Math.min(h.length, R4_FILE.fixedSize + n, R4_FILE.fixedSize + 16));
}

/** Walks a RAR 4 archive starting right after the 7-byte marker block. */
export function walkRar4(src: ByteSource): RarWalk {
  const w = newWalk(4);
  let pos = RAR4_SIGNATURE.length;
  const maxBlocks = LIMITS.maxArchiveEntries * MAX_BLOCKS_FACTOR;
  for (let n = 0; n < maxBlocks; n++) {
    if (pos >= src.size) {
      // RAR < 3.0 wrote no end block; later versions always do, so its absence hints at a cut.
      w.warnings.push('RAR 4 archive ends without an end-of-archive block');
      w.endOffset = pos;
      return w;
    }
    const b = readBlock(src, pos, w);
    if (typeof b === 'string') {
      w.warnings.push(`RAR 4: ${b}`);
      w.corrupted = true;
      w.truncated = true;
      w.endOffset = pos;
      return w;
    }
    if (b.type === R4_TYPE.main) {
      const flags = b.flags;
      w.flags = namedFlags(flags, R4_MAIN_FLAGS);
      if (flags & R4_MAIN_FLAGS.password) {
        // MHD_PASSWORD: every block after this one is encrypted, the file list included.
        w.headersEncrypted = true;
        w.endOffset = pos + b.header.length;
        return w;
      }
    } else if (b.type === R4_TYPE.file) {
      if (w.entries.length >= LIMITS.maxArchiveEntries) {
        w.warnings.push(`RAR listing stopped at ${LIMITS.maxArchiveEntries} entries`);
        w.truncated = true;
        w.endOffset = pos;
        return w;
      }
      const e = fileEntry(b, w, pos);
      if (e) w.entries.push(e);
    } else if (b.type === R4_TYPE.newSub) {
      w.services.push(serviceName(b));
    } else if (b.type === R4_TYPE.endArc) {
      w.endOffset = pos + b.header.length;
      return w;
    }
    const next = pos + b.header.length + b.dataSize;
    if (next > src.size) {
      w.warnings.push(`RAR block at ${pos} has data running past the end of the file (${next} > ${src.size})`);
      w.corrupted = true;
      w.truncated = true;
      w.endOffset = src.size;
      return w;
    }
    pos = next;
  }
  w.warnings.push(`RAR 4: more than ${maxBlocks} blocks; listing stopped`);
  w.truncated = true;
  w.endOffset = pos;
  return w;
}
