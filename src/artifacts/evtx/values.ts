/**
 * Binary XML substitution values to text, in libevtx's (evtxexport's) rendering: decimal integers,
 * 0x-prefixed zero-padded hex for HexInt32/64 and size_t, upper-case GUIDs in braces, FILETIME as
 * ISO-8601 with all 7 fraction digits, SIDs as S-1-..., binary as upper-case hex.
 * Every read is bounded by the value's own size inside the chunk buffer.
 */
import { filetimeToIso } from '../../util/filetime.js';
import { FIXED_SIZE, VALUE } from './layout.js';
import { trimEndOf } from '../../util/trim.js';

/** UTF-16LE text without trailing NULs (strings are NUL-terminated when the writer chose so). */
export function utf16(buf: Buffer, start: number, end: number): string {
  const s = buf.toString('utf16le', start, start + ((end - start) & ~1));
  let cut = s.length;
  while (cut > 0 && s.charCodeAt(cut - 1) === 0) cut--;
  return cut === s.length ? s : s.slice(0, cut);
}

function hex(n: bigint | number, digits: number): string {
  return `0x${n.toString(16).padStart(digits, '0')}`;
}

export function renderGuid(b: Buffer, o: number): string {
  const h = (start: number, len: number) => b.subarray(o + start, o + start + len).toString('hex');
  const d1 = b.readUInt32LE(o).toString(16).padStart(8, '0');
  const d2 = b.readUInt16LE(o + 4).toString(16).padStart(4, '0');
  const d3 = b.readUInt16LE(o + 6).toString(16).padStart(4, '0');
  return `{${d1}-${d2}-${d3}-${h(8, 2)}-${h(10, 6)}}`.toUpperCase();
}

export function renderSid(b: Buffer, o: number, end: number): string | null {
  if (o + 8 > end) return null;
  const revision = b[o]!;
  const count = b[o + 1]!;
  if (o + 8 + count * 4 > end) return null;
  const authority = b.readUIntBE(o + 2, 6);
  const parts = [`S-${revision}-${authority}`];
  for (let i = 0; i < count; i++) parts.push(String(b.readUInt32LE(o + 8 + i * 4)));
  return parts.join('-');
}

function renderSystemtime(b: Buffer, o: number): string {
  const [y, mo, , d, h, mi, s, ms] = [0, 2, 4, 6, 8, 10, 12, 14].map((k) => b.readUInt16LE(o + k));
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(y!, 4)}-${p(mo!)}-${p(d!)}T${p(h!)}:${p(mi!)}:${p(s!)}.${p(ms!, 3)}Z`;
}

/** One fixed-size or variable value of `type` (without the array bit) in b[o, o+size). */
function renderScalar(b: Buffer, o: number, size: number, type: number): string {
  const end = o + size;
  const need = FIXED_SIZE[type];
  if (need !== undefined && size < need) return '';
  switch (type) {
    case VALUE.null: return '';
    case VALUE.string: return utf16(b, o, end);
    case VALUE.ansiString: return trimEndOf(b.toString('latin1', o, end), '\0');
    case VALUE.int8: return String(b.readInt8(o));
    case VALUE.uint8: return String(b[o]);
    case VALUE.int16: return String(b.readInt16LE(o));
    case VALUE.uint16: return String(b.readUInt16LE(o));
    case VALUE.int32: return String(b.readInt32LE(o));
    case VALUE.uint32: return String(b.readUInt32LE(o));
    case VALUE.int64: return String(b.readBigInt64LE(o));
    case VALUE.uint64: return String(b.readBigUInt64LE(o));
    case VALUE.real32: return String(b.readFloatLE(o));
    case VALUE.real64: return String(b.readDoubleLE(o));
    case VALUE.bool: return b.readUInt32LE(o) !== 0 ? 'true' : 'false';
    case VALUE.binary: return b.toString('hex', o, end).toUpperCase();
    case VALUE.guid: return renderGuid(b, o);
    case VALUE.sizeT: return size >= 8 ? hex(b.readBigUInt64LE(o), 16) : size >= 4 ? hex(b.readUInt32LE(o), 8) : '';
    case VALUE.filetime: return filetimeToIso(b.readBigUInt64LE(o)) ?? '';
    case VALUE.systemtime: return renderSystemtime(b, o);
    case VALUE.sid: return renderSid(b, o, end) ?? '';
    case VALUE.hexInt32: return hex(b.readUInt32LE(o), 8);
    case VALUE.hexInt64: return hex(b.readBigUInt64LE(o), 16);
    case VALUE.evtHandle: return b.toString('hex', o, end).toUpperCase();
    case VALUE.evtXml: return utf16(b, o, end);
    default: return b.toString('hex', o, end).toUpperCase();
  }
}

/** Longest array a value may hold before it is cut (an array is bounded by its size anyway). */
const MAX_ARRAY_ITEMS = 4096;

/** Text of one substitution value; arrays are joined with ', ' (where no element repeats them). */
export function renderValue(b: Buffer, o: number, size: number, type: number): string {
  if (o < 0 || size <= 0 || o + size > b.length) return '';
  if ((type & VALUE.arrayBit) === 0) return renderScalar(b, o, size, type);
  return arrayItems(b, o, size, type).join(', ');
}

/**
 * The items of an array value (type has the 0x80 bit): strings are NUL-separated, fixed-size types
 * consecutive, SIDs self-sized. libevtx renders an element whose content is an array once per item.
 */
export function arrayItems(b: Buffer, o: number, size: number, type: number): string[] {
  if (o < 0 || size <= 0 || o + size > b.length) return [];
  const base = type & ~VALUE.arrayBit;
  const end = o + size;
  if (base === VALUE.string || base === VALUE.ansiString) {
    const text = base === VALUE.string ? b.toString('utf16le', o, o + (size & ~1)) : b.toString('latin1', o, end);
    const items = text.split('\0', MAX_ARRAY_ITEMS + 1);
    if (items.length > 0 && items[items.length - 1] === '') items.pop();
    return items.slice(0, MAX_ARRAY_ITEMS);
  }
  const items: string[] = [];
  if (base === VALUE.sid) {
    for (let p = o; p + 8 <= end && items.length < MAX_ARRAY_ITEMS; ) {
      const sid = renderSid(b, p, end);
      if (sid === null) break;
      items.push(sid);
      p += 8 + b[p + 1]! * 4;
    }
    return items;
  }
  const item = FIXED_SIZE[base] ?? 1;
  for (let p = o; p + item <= end && items.length < MAX_ARRAY_ITEMS; p += item) items.push(renderScalar(b, p, item, base));
  return items;
}
