/**
 * The project's own registry value decoders (regedit-rs's decoders read DWORD/QWORD signed, strip
 * one NUL, add a trailing "" to MULTI_SZ and throw on short buffers; docs/registry.md).
 * Used for offline hives and for raw bytes coming from the live adapter alike.
 */

export const REG_TYPE_NAMES: readonly string[] = [
  'REG_NONE', // 0
  'REG_SZ', // 1
  'REG_EXPAND_SZ', // 2
  'REG_BINARY', // 3
  'REG_DWORD', // 4
  'REG_DWORD_BIG_ENDIAN', // 5
  'REG_LINK', // 6
  'REG_MULTI_SZ', // 7
  'REG_RESOURCE_LIST', // 8
  'REG_FULL_RESOURCE_DESCRIPTOR', // 9
  'REG_RESOURCE_REQUIREMENTS_LIST', // 10
  'REG_QWORD', // 11
];

/** Windows name of a value type; unknown types as REG_UNKNOWN_0x<8 hex digits>. */
export function regTypeName(type: number): string {
  return REG_TYPE_NAMES[type] ?? `REG_UNKNOWN_0x${(type >>> 0).toString(16).padStart(8, '0')}`;
}

/** Inverse of regTypeName (for the live adapter and fixtures); null when not a known name. */
export function regTypeNumber(name: string): number | null {
  const i = REG_TYPE_NAMES.indexOf(name);
  if (i >= 0) return i;
  const m = /^REG_UNKNOWN_0x([0-9a-f]{8})$/i.exec(name);
  return m ? parseInt(m[1]!, 16) : null;
}

export type DecodedData = string | number | string[];

/** UTF-16LE up to the first NUL code unit (an odd trailing byte is dropped). Never expanded. */
export function decodeUtf16String(bytes: Buffer): string {
  const even = bytes.length & ~1;
  for (let i = 0; i < even; i += 2) {
    if (bytes[i] === 0 && bytes[i + 1] === 0) return bytes.toString('utf16le', 0, i);
  }
  return bytes.toString('utf16le', 0, even);
}

/** NUL-separated UTF-16LE strings; the terminating empty string(s) at the end are dropped. */
export function decodeMultiSz(bytes: Buffer): string[] {
  const parts = bytes.toString('utf16le', 0, bytes.length & ~1).split('\u0000');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Unsigned QWORD: a number when exact, else a decimal string. */
export function decodeQword(bytes: Buffer): number | string {
  const v = bytes.readBigUInt64LE(0);
  return v <= MAX_SAFE ? Number(v) : v.toString();
}

/** Decodes value bytes by type; data too short for its fixed-size type falls back to hex. */
export function decodeValue(type: number, bytes: Buffer): DecodedData {
  switch (type) {
    case 1: // REG_SZ
    case 2: // REG_EXPAND_SZ
    case 6: // REG_LINK
      return decodeUtf16String(bytes);
    case 4: // REG_DWORD
      return bytes.length >= 4 ? bytes.readUInt32LE(0) : bytes.toString('hex');
    case 5: // REG_DWORD_BIG_ENDIAN
      return bytes.length >= 4 ? bytes.readUInt32BE(0) : bytes.toString('hex');
    case 7: // REG_MULTI_SZ
      return decodeMultiSz(bytes);
    case 11: // REG_QWORD
      return bytes.length >= 8 ? decodeQword(bytes) : bytes.toString('hex');
    default: // NONE, BINARY, resource lists, unknown: raw bytes as hex
      return bytes.toString('hex');
  }
}

/**
 * Rebuilds the raw bytes of a value from its decoded record form (records from a JSON round
 * trip or the live adapter carry no raw buffer). Lossless for hex types; strings re-encoded.
 */
export function encodeDecoded(type: number, data: unknown): Buffer {
  if (typeof data === 'string') {
    if (type === 1 || type === 2 || type === 6) return Buffer.from(data + '\u0000', 'utf16le');
    if (type === 11 && /^\d+$/.test(data)) {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt(data));
      return b;
    }
    return /^(?:[0-9a-f]{2})*$/i.test(data) ? Buffer.from(data, 'hex') : Buffer.from(data, 'utf16le');
  }
  if (typeof data === 'number') {
    if (type === 11) {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt(Math.max(0, Math.floor(data))));
      return b;
    }
    const b = Buffer.alloc(4);
    if (type === 5) b.writeUInt32BE(data >>> 0);
    else b.writeUInt32LE(data >>> 0);
    return b;
  }
  if (Array.isArray(data)) return Buffer.from(data.map(String).join('\u0000') + '\u0000\u0000', 'utf16le');
  return Buffer.alloc(0);
}
