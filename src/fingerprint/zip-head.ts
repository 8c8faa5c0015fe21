/**
 * file-type's verdict on a ZIP head ("PK\3\4" at offset 0), without file-type (issue 17).
 *
 * file-type 21.x answers every such head from its ZIP branch: it walks the local file headers in
 * the head, looks at each entry's name (jar, apk, xpi, OOXML folder names), reads the `mimetype`
 * entry (ODF, EPUB) or `[Content_Types].xml` (OOXML) and stops, or stops where the head stops
 * making sense (end of head, a signature it does not expect, a size it will not read): every such
 * trouble is "recoverable" there and leaves the verdict found so far, else 'zip'. Each walk costs
 * it a fresh 256 KiB buffer (@tokenizer/inflate's ZipHandler) and, for a deflated detection entry,
 * a web DecompressionStream round trip: most of a ZIP-like file's CPU in a scan.
 *
 * `zipHeadType` repeats that walk synchronously over the same bytes, step for step (the comments
 * name file-type's steps), and returns null where it cannot promise the same answer: a deflated
 * detection entry that does not inflate cleanly here (file-type's stream may fail differently).
 * test/fingerprint/zip-head.test.ts holds it to file-type on the corpus, writer-built archives,
 * damaged heads and the bench trees.
 */
import { FLAG_DATA_DESCRIPTOR, LOCAL_FIXED, SIG_LOCAL, SIG_SPANNING, readLocalFixed } from '../artifacts/zip/layout.js';
import { inflateRawWithInfo } from '../util/inflate.js';

export interface ZipHeadType {
  ext: string;
  mime: string;
}

/** A data descriptor as file-type looks for it: signature, CRC, then the compressed size at 8 (16 bytes in all). */
const DATA_DESCRIPTOR = { signature: SIG_SPANNING, length: 16, compressedSize: 8 } as const;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;

/** file-type's limits for a ZIP walk on a buffer (maximumZipEntryCount, maximumZipEntrySizeInBytes). */
const FILE_TYPE_ZIP = { maxEntries: 1024, maxEntryBytes: 1024 * 1024 } as const;

const ZIP: ZipHeadType = { ext: 'zip', mime: 'application/zip' };

/**
 * file-type's table from a detection entry's mime type (lower-cased) to its verdict; most keep the
 * mime as read, the macro-enabled ones get their registered `.12` name.
 */
const MIME_ROWS: Array<[mime: string, ext: string, verdictMime?: string]> = [
  ['application/epub+zip', 'epub'],
  ['application/vnd.oasis.opendocument.text', 'odt'],
  ['application/vnd.oasis.opendocument.text-template', 'ott'],
  ['application/vnd.oasis.opendocument.spreadsheet', 'ods'],
  ['application/vnd.oasis.opendocument.spreadsheet-template', 'ots'],
  ['application/vnd.oasis.opendocument.presentation', 'odp'],
  ['application/vnd.oasis.opendocument.presentation-template', 'otp'],
  ['application/vnd.oasis.opendocument.graphics', 'odg'],
  ['application/vnd.oasis.opendocument.graphics-template', 'otg'],
  ['application/vnd.openxmlformats-officedocument.presentationml.slideshow', 'ppsx'],
  ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'xlsx'],
  ['application/vnd.ms-excel.sheet.macroenabled', 'xlsm', 'application/vnd.ms-excel.sheet.macroenabled.12'],
  ['application/vnd.openxmlformats-officedocument.spreadsheetml.template', 'xltx'],
  ['application/vnd.ms-excel.template.macroenabled', 'xltm', 'application/vnd.ms-excel.template.macroenabled.12'],
  ['application/vnd.ms-powerpoint.slideshow.macroenabled', 'ppsm', 'application/vnd.ms-powerpoint.slideshow.macroenabled.12'],
  ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'docx'],
  ['application/vnd.ms-word.document.macroenabled', 'docm', 'application/vnd.ms-word.document.macroenabled.12'],
  ['application/vnd.openxmlformats-officedocument.wordprocessingml.template', 'dotx'],
  ['application/vnd.ms-word.template.macroenabledtemplate', 'dotm', 'application/vnd.ms-word.template.macroenabled.12'],
  ['application/vnd.openxmlformats-officedocument.presentationml.template', 'potx'],
  ['application/vnd.ms-powerpoint.template.macroenabled', 'potm', 'application/vnd.ms-powerpoint.template.macroenabled.12'],
  ['application/vnd.openxmlformats-officedocument.presentationml.presentation', 'pptx'],
  ['application/vnd.ms-powerpoint.presentation.macroenabled', 'pptm', 'application/vnd.ms-powerpoint.presentation.macroenabled.12'],
  ['application/vnd.ms-visio.drawing', 'vsdx', 'application/vnd.visio'],
  ['application/vnd.ms-package.3dmanufacturing-3dmodel+xml', '3mf', 'model/3mf'],
];
const BY_MIME = new Map<string, ZipHeadType>(MIME_ROWS.map(([mime, ext, verdictMime]) => [mime, { ext, mime: verdictMime ?? mime }]));

const THREE_D_MODEL_MIME = 'application/vnd.ms-package.3dmanufacturing-3dmodel+xml';

function typeOfMime(mime: string): ZipHeadType | undefined {
  return BY_MIME.get(mime.toLowerCase());
}

/** The main part's mime type in `[Content_Types].xml`, found as file-type finds it (a string scan, no XML parse). */
function mainMimeOfContentTypes(xml: string): string | undefined {
  const end = xml.indexOf('.main+xml"');
  if (end === -1) return xml.includes(`ContentType="${THREE_D_MODEL_MIME}"`) ? THREE_D_MODEL_MIME : undefined;
  const before = xml.slice(0, end);
  return before.slice(before.lastIndexOf('"') + 1);
}

/** What file-type has learnt of OOXML on the way (its openXmlState). */
interface OpenXmlState {
  hasContentTypes: boolean;
  parsedContentTypes: boolean;
  parsingContentTypes: boolean;
  unparseableContentTypes: boolean;
  word: boolean;
  presentation: boolean;
  spreadsheet: boolean;
  threeDModel: boolean;
}

function noteEntryName(state: OpenXmlState, name: string): void {
  if (name.startsWith('word/')) state.word = true;
  if (name.startsWith('ppt/')) state.presentation = true;
  if (name.startsWith('xl/')) state.spreadsheet = true;
  if (name.startsWith('3D/') && name.endsWith('.model')) state.threeDModel = true;
}

/** The folder-name guess, only when `[Content_Types].xml` was seen but neither read nor failed. */
function openXmlFromEntries(state: OpenXmlState): ZipHeadType | undefined {
  if (!state.hasContentTypes || state.unparseableContentTypes || state.parsingContentTypes || state.parsedContentTypes) return undefined;
  if (state.word) return typeOfMime('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
  if (state.presentation) return typeOfMime('application/vnd.openxmlformats-officedocument.presentationml.presentation');
  if (state.spreadsheet) return typeOfMime('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  if (state.threeDModel) return typeOfMime(THREE_D_MODEL_MIME);
  return undefined;
}

const utf8 = new TextDecoder('utf-8');

/** An entry name as file-type decodes it (UTF-8, replacement characters, a leading BOM dropped). */
function entryName(head: Buffer, start: number, length: number): string {
  for (let i = start; i < start + length; i++) {
    if (head[i]! >= 0x80) return utf8.decode(head.subarray(start, start + length));
  }
  return head.toString('latin1', start, start + length);
}

/** The detection entry file-type reads, if any. */
type Reader = 'mimetype' | 'content-types' | null;

interface EntryHeader {
  name: string;
  method: number;
  dataDescriptor: boolean;
  compressedSize: number;
  uncompressedSize: number;
}

/** What file-type's per-entry callback decides: a verdict, whether to stop, which entry to read. */
function visitEntry(entry: EntryHeader, state: OpenXmlState): { stop: boolean; found?: ZipHeadType | undefined; read: Reader } {
  noteEntryName(state, entry.name);
  const fromNames = openXmlFromEntries(state);
  if (entry.name !== '[Content_Types].xml' && fromNames) return { stop: true, found: fromNames, read: null };
  const readable = entry.compressedSize <= FILE_TYPE_ZIP.maxEntryBytes && entry.uncompressedSize <= FILE_TYPE_ZIP.maxEntryBytes;
  switch (entry.name) {
    case 'META-INF/mozilla.rsa':
      return { stop: true, found: { ext: 'xpi', mime: 'application/x-xpinstall' }, read: null };
    case 'META-INF/MANIFEST.MF':
      return { stop: true, found: { ext: 'jar', mime: 'application/java-archive' }, read: null };
    case 'mimetype':
      return readable ? { stop: true, read: 'mimetype' } : { stop: false, read: null };
    case '[Content_Types].xml':
      state.hasContentTypes = true;
      if (!readable) {
        state.unparseableContentTypes = true;
        return { stop: false, read: null };
      }
      state.parsingContentTypes = true;
      return { stop: true, read: 'content-types' };
    default:
      if (/classes\d*\.dex/.test(entry.name)) return { stop: true, found: { ext: 'apk', mime: 'application/vnd.android.package-archive' }, read: null };
      return { stop: false, read: null };
  }
}

/**
 * The first offset at or after `from` where file-type's descriptor scan stops: a descriptor
 * signature whose compressed-size field equals the bytes before it; -1 when there is none.
 */
function findDataDescriptor(head: Buffer, from: number): number {
  for (let at = from; at + DATA_DESCRIPTOR.length <= head.length; at++) {
    if (head[at] === 0x50 && head.readUInt32LE(at) === DATA_DESCRIPTOR.signature && head.readUInt32LE(at + DATA_DESCRIPTOR.compressedSize) === at - from) return at;
  }
  return -1;
}

/** A detection entry's bytes as file-type's handler sees them, or null when only file-type can tell. */
function entryContent(method: number, data: Buffer): Buffer | 'unsupported' | null {
  if (method === METHOD_STORED) return data;
  if (method !== METHOD_DEFLATE) return 'unsupported';
  try {
    const inflated = inflateRawWithInfo(data, FILE_TYPE_ZIP.maxEntryBytes);
    // Trailing bytes, a cut stream or a bomb: file-type's DecompressionStream decides those its own way.
    return inflated && inflated.bytesRead === data.length ? inflated.buffer : null;
  } catch {
    return null;
  }
}

type EntryVerdict = { found: ZipHeadType | undefined } | 'unsupported' | 'ask-file-type';

/**
 * Verdicts of deflated `[Content_Types].xml` entries by their compressed bytes: Office documents of
 * one producer share them, and a hit skips the inflate, most of a .docx head's cost here. The
 * verdict depends on those bytes alone (the handler sees what they inflate to).
 */
const CONTENT_TYPES_VERDICTS = { maxEntries: 256, maxKeyBytes: 4096 } as const;
const contentTypesVerdicts = new Map<string, EntryVerdict>();

/** What file-type's handler for a detection entry concludes from the entry's data. */
function readDetectionEntry(reader: 'mimetype' | 'content-types', method: number, data: Buffer): EntryVerdict {
  const remembered = reader === 'content-types' && method === METHOD_DEFLATE && data.length <= CONTENT_TYPES_VERDICTS.maxKeyBytes;
  const key = remembered ? data.toString('latin1') : '';
  const known = remembered ? contentTypesVerdicts.get(key) : undefined;
  if (known !== undefined) return known;
  const verdict = judgeDetectionEntry(reader, method, data);
  if (remembered && contentTypesVerdicts.size < CONTENT_TYPES_VERDICTS.maxEntries) contentTypesVerdicts.set(key, verdict);
  return verdict;
}

function judgeDetectionEntry(reader: 'mimetype' | 'content-types', method: number, data: Buffer): EntryVerdict {
  const content = entryContent(method, data);
  if (content === null) return 'ask-file-type';
  if (content === 'unsupported') return 'unsupported';
  const text = utf8.decode(content);
  if (reader === 'mimetype') return { found: typeOfMime(text.trim()) };
  const main = mainMimeOfContentTypes(text);
  return { found: main === undefined ? undefined : typeOfMime(main) };
}

/**
 * file-type's verdict on a head that starts with a local file header, or null when the head does
 * not start with one or only file-type can tell (see the file comment).
 */
export function zipHeadType(head: Buffer): ZipHeadType | null {
  if (head.length < 4 || head.readUInt32LE(0) !== SIG_LOCAL) return null;
  const state: OpenXmlState = {
    hasContentTypes: false, parsedContentTypes: false, parsingContentTypes: false, unparseableContentTypes: false,
    word: false, presentation: false, spreadsheet: false, threeDModel: false,
  };
  let found: ZipHeadType | undefined;
  let pos = 0;
  let entries = 0;
  let descriptorScanned = 0;
  const size = head.length;
  // Each `break` is where file-type's walk ends: a central directory header or any other
  // signature, or trouble it recovers from (end of head, a size it will not read).
  for (;;) {
    // Another signature or a header cut by the end of the head ends the walk (readLocalFixed: null).
    const local = readLocalFixed(head.subarray(pos), pos);
    if (!local) break;
    const { entry: fixed, nameLen: nameLength, extraLen: extraLength } = local;
    if (size - pos - LOCAL_FIXED < nameLength) break;
    const entry: EntryHeader = {
      name: entryName(head, pos + LOCAL_FIXED, nameLength),
      method: fixed.method,
      dataDescriptor: (fixed.flags & FLAG_DATA_DESCRIPTOR) !== 0,
      compressedSize: fixed.compressedSize,
      uncompressedSize: fixed.uncompressedSize,
    };
    pos += LOCAL_FIXED + nameLength;
    if (++entries > FILE_TYPE_ZIP.maxEntries) break;
    const next = visitEntry(entry, state);
    if (next.found) found = next.found;
    pos = Math.min(size, pos + extraLength); // the tokenizer's ignore stops at the end
    let data: Buffer | null = null;
    if (entry.dataDescriptor && entry.compressedSize === 0) {
      // Size unknown: the data runs to the first matching descriptor, else to the end of the head.
      const at = findDataDescriptor(head, pos);
      const length = (at >= 0 ? at : size) - pos;
      if (length > FILE_TYPE_ZIP.maxEntryBytes - descriptorScanned) break;
      descriptorScanned += length;
      data = head.subarray(pos, pos + length);
      pos += length;
    } else if (next.read === null) {
      if (entry.compressedSize > size) break; // more than the whole input: a hard limit there
      pos = Math.min(size, pos + entry.compressedSize);
    } else {
      if (entry.compressedSize > size - pos) break; // the entry's data is cut by the end of the head
      data = head.subarray(pos, pos + entry.compressedSize);
      pos += entry.compressedSize;
    }
    if (next.read !== null && data !== null) {
      const read = readDetectionEntry(next.read, entry.method, data);
      if (read === 'ask-file-type') return null;
      if (read === 'unsupported') break;
      found = read.found;
      if (next.read === 'content-types') {
        state.parsedContentTypes = true;
        state.parsingContentTypes = false;
      }
    }
    if (entry.dataDescriptor) {
      if (size - pos < DATA_DESCRIPTOR.length || head.readUInt32LE(pos) !== DATA_DESCRIPTOR.signature) break;
      pos += DATA_DESCRIPTOR.length;
    }
    if (next.stop) break;
  }
  // A walk that ended while reading `[Content_Types].xml` marks it unparseable.
  if (state.parsingContentTypes) {
    state.parsingContentTypes = false;
    state.unparseableContentTypes = true;
  }
  return found ?? openXmlFromEntries(state) ?? ZIP;
}
