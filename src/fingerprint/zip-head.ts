/**
 * A speed path for Office Open XML detection, same answers as file-type.
 *
 * file-type names docx/xlsx/pptx by inflating `[Content_Types].xml` through a web
 * DecompressionStream: a thread-pool round trip and stream machinery per file, ~0.7 ms each,
 * the largest single cost of a scan (docs/performance.md). When that entry is the first one in
 * the head and its deflate data lies wholly inside the head, we inflate it here synchronously
 * and hand file-type an equivalent head in which the entry is stored (method 0). file-type
 * stops after that entry either way, so it reaches the same verdict through the same code;
 * anything unusual (data descriptor, truncated or trailing-junk deflate, large entry) returns
 * null and the caller passes the original head.
 */
import { inflateRawWithInfo } from '../util/inflate.js';

/** Local file header (APPNOTE 4.3.7). */
const LOCAL = {
  signature: 0x04034b50, // 0x00 signature "PK\3\4"
  flags: 0x06, // 0x06 general purpose flags (u16); bit 3 = sizes in a data descriptor
  method: 0x08, // 0x08 compression method (u16): 0 stored, 8 deflate
  crc: 0x0e, // 0x0E crc-32 (u32)
  compressedSize: 0x12, // 0x12 compressed size (u32)
  uncompressedSize: 0x16, // 0x16 uncompressed size (u32)
  nameLength: 0x1a, // 0x1A file name length (u16)
  extraLength: 0x1c, // 0x1C extra field length (u16)
  fixedSize: 0x1e, // 0x1E name starts here
} as const;

const CONTENT_TYPES = '[Content_Types].xml';
const DATA_DESCRIPTOR_FLAG = 0x0008;
const METHOD_DEFLATE = 8;
/** file-type's own ceiling for an inflated detection entry (maximumZipEntrySizeInBytes). */
const MAX_INFLATED = 1024 * 1024;

/** The head with a deflated leading `[Content_Types].xml` rewritten as stored, or null to use the head as is. */
export function storedContentTypesHead(head: Buffer): Buffer | null {
  const entry = deflatedContentTypes(head);
  return entry ? storedContentTypes(head, entry) : null;
}

/** A leading `[Content_Types].xml` whose deflate data lies wholly inside the head. */
export interface DeflatedEntry {
  /** Where the entry's data starts in the head. */
  dataStart: number;
  /** The deflate data (a view into the head). */
  data: Buffer;
}

/** The deflated leading `[Content_Types].xml` of a ZIP head, or null when the head is anything else. */
export function deflatedContentTypes(head: Buffer): DeflatedEntry | null {
  if (head.length < LOCAL.fixedSize || head.readUInt32LE(0) !== LOCAL.signature) return null;
  if (head.readUInt16LE(LOCAL.method) !== METHOD_DEFLATE) return null;
  if (head.readUInt16LE(LOCAL.flags) & DATA_DESCRIPTOR_FLAG) return null;
  const nameLength = head.readUInt16LE(LOCAL.nameLength);
  const extraLength = head.readUInt16LE(LOCAL.extraLength);
  const dataStart = LOCAL.fixedSize + nameLength + extraLength;
  const compressedSize = head.readUInt32LE(LOCAL.compressedSize);
  const dataEnd = dataStart + compressedSize;
  if (nameLength !== CONTENT_TYPES.length || compressedSize === 0 || dataEnd > head.length) return null;
  if (head.toString('latin1', LOCAL.fixedSize, LOCAL.fixedSize + nameLength) !== CONTENT_TYPES) return null;
  return { dataStart, data: head.subarray(dataStart, dataEnd) };
}

/**
 * The head with that entry inflated and stored, or null (bad or trailing-junk deflate). file-type's
 * verdict on the rewritten head depends on the entry's deflate data alone: the XML is what that
 * data inflates to, the entry's name, method (stored) and sizes (the XML's length) are fixed by the
 * rewrite, no signature check before file-type's ZIP branch matches "PK\3\4", and it stops after
 * this entry. So a verdict can be remembered by the deflate data (fingerprint/index.ts).
 */
export function storedContentTypes(head: Buffer, entry: DeflatedEntry): Buffer | null {
  let xml: Buffer;
  try {
    const inflated = inflateRawWithInfo(entry.data, MAX_INFLATED);
    // Trailing bytes after the deflate end would make the stream path fail: leave those to file-type.
    if (!inflated || inflated.bytesRead !== entry.data.length) return null;
    xml = inflated.buffer;
  } catch {
    return null;
  }
  const header = Buffer.from(head.subarray(0, entry.dataStart));
  header.writeUInt16LE(0, LOCAL.method);
  header.writeUInt32LE(xml.length, LOCAL.compressedSize);
  header.writeUInt32LE(xml.length, LOCAL.uncompressedSize);
  return Buffer.concat([header, xml, head.subarray(entry.dataStart + entry.data.length)]);
}
