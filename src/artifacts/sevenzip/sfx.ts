/**
 * Self-extracting archives: a PE stub (7z.sfx, WinRAR's Default.SFX) with the archive appended
 * right after the last section (the PE "overlay"). Finding the overlay needs only the PE headers,
 * so probing an .exe costs one small read, never a scan of the whole file.
 * Shared by the 7z and RAR parsers.
 *
 * PE layout used (all little-endian):
 *   DOS header 0x3C e_lfanew 4        -> 'PE\0\0' signature at e_lfanew
 *   COFF header (e_lfanew + 4):  +0x02 NumberOfSections 2, +0x10 SizeOfOptionalHeader 2
 *   optional header (e_lfanew + 24): +0x00 Magic 2 (0x10B PE32, 0x20B PE32+); data directories at
 *     +0x60 (PE32) / +0x70 (PE32+), 8 bytes each; entry 4 (security) holds the *file offset* and size
 *     of the Authenticode certificate table, which signed files append after the last section
 *   section table at e_lfanew + 24 + SizeOfOptionalHeader, 40 bytes per section:
 *     +0x10 SizeOfRawData 4, +0x14 PointerToRawData 4
 */
import type { ByteSource } from '../../util/byte-source.js';
import { peHeaderOffset } from '../../util/pe.js';
const COFF_NUMBER_OF_SECTIONS = 0x02;
const COFF_SIZE_OF_OPTIONAL_HEADER = 0x10;
const COFF_HEADER_SIZE = 20;
const SECTION_SIZE = 40;
const SECTION_RAW_SIZE = 0x10;
const SECTION_RAW_POINTER = 0x14;
/** The PE format allows 96 sections; headers must sit in the first 64 KiB to be probed. */
const MAX_SECTIONS = 96;
const MAX_PE_HEADER_BYTES = 64 * 1024;
const FIRST_READ_BYTES = 4096;
const OPT_MAGIC_PE32 = 0x10b;
const OPT_MAGIC_PE32_PLUS = 0x20b;
const SECURITY_DIR_PE32 = 0x60 + 4 * 8;
const SECURITY_DIR_PE32_PLUS = 0x70 + 4 * 8;

/** Offset where the PE image ends (start of appended data), or null when not a PE / no overlay. */
export function peOverlayOffset(src: ByteSource): number | null {
  const first = overlayFromHead(src.read(0, FIRST_READ_BYTES), src.size);
  return first ?? overlayFromHead(src.read(0, MAX_PE_HEADER_BYTES), src.size);
}

/**
 * The same from the bytes already read (the pipeline's 4,100-byte head usually holds the PE
 * headers), for cheap `matches` checks; null when the headers are not all in `head`.
 */
export function overlayFromHead(head: Buffer, fileSize: number): number | null {
  const pe = peHeaderOffset(head);
  if (pe === null || pe + 4 + COFF_HEADER_SIZE > head.length) return null;
  const coff = pe + 4;
  const sections = head.readUInt16LE(coff + COFF_NUMBER_OF_SECTIONS);
  const table = coff + COFF_HEADER_SIZE + head.readUInt16LE(coff + COFF_SIZE_OF_OPTIONAL_HEADER);
  if (sections === 0 || sections > MAX_SECTIONS || table + sections * SECTION_SIZE > head.length) return null;
  let end = 0;
  for (let i = 0; i < sections; i++) {
    const s = table + i * SECTION_SIZE;
    const size = head.readUInt32LE(s + SECTION_RAW_SIZE);
    if (size > 0) end = Math.max(end, head.readUInt32LE(s + SECTION_RAW_POINTER) + size);
  }
  end = skipCertificate(head, coff + COFF_HEADER_SIZE, table, end);
  return end > 0 && end < fileSize ? end : null;
}

/** A signed PE's overlay starts with its certificate table: anything appended lies after it. */
function skipCertificate(head: Buffer, optional: number, table: number, end: number): number {
  const magic = head.readUInt16LE(optional);
  const dir = magic === OPT_MAGIC_PE32 ? SECURITY_DIR_PE32 : magic === OPT_MAGIC_PE32_PLUS ? SECURITY_DIR_PE32_PLUS : -1;
  if (dir < 0 || optional + dir + 8 > table) return end;
  const certOffset = head.readUInt32LE(optional + dir);
  const certSize = head.readUInt32LE(optional + dir + 4);
  return certSize > 0 && certOffset === end ? end + certSize : end;
}

/** A view of `src` starting at `base`: the appended archive as if it were its own file. */
export function offsetSource(src: ByteSource, base: number): ByteSource {
  return {
    size: Math.max(0, src.size - base),
    name: src.name,
    read(position: number, length: number): Buffer {
      if (position < 0) return Buffer.alloc(0);
      return src.read(base + position, length);
    },
  };
}
