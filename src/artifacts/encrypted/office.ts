/**
 * Password-protected Office files in a CFB container (MS-OFFCRYPTO):
 *  - ECMA-376 (OOXML saved with a password): streams "EncryptionInfo" + "EncryptedPackage";
 *    EncryptionInfo 0x00 major u16, 0x02 minor u16 (4.4 agile; 2..4 .2 standard; 3/4 .3 extensible).
 *  - legacy Excel: a FILEPASS record (0x002F) after the BOF in the "Workbook"/"Book" stream (RC4 or XOR).
 *  - legacy Word: FIB in "WordDocument": 0x00 wIdent 0xA5EC, 0x0A flags, bit 0x0100 fEncrypted.
 */
import type { Cfb } from '../cfb/cfb.js';

const BIFF_SCAN_BYTES = 4096;
const BIFF_FILEPASS = 0x002f;
const BIFF_MAX_RECORDS = 64;

export interface OfficeEncryption {
  scheme: 'ecma376-agile' | 'ecma376-standard' | 'ecma376-extensible' | 'ecma376' | 'xls-filepass' | 'doc-fib-encrypted';
  application: string;
}

export function officeEncryption(cfb: Cfb): OfficeEncryption | null {
  const names = new Set(cfb.entries.map((e) => e.name));
  if (names.has('EncryptionInfo') && names.has('EncryptedPackage')) {
    const info = cfb.streamHead('EncryptionInfo', 8);
    const major = info.length >= 4 ? info.readUInt16LE(0) : 0;
    const minor = info.length >= 4 ? info.readUInt16LE(2) : 0;
    const scheme = major === 4 && minor === 4 ? 'ecma376-agile' : minor === 2 ? 'ecma376-standard' : minor === 3 ? 'ecma376-extensible' : 'ecma376';
    return { scheme, application: 'ooxml' };
  }
  for (const stream of ['Workbook', 'Book']) {
    if (!names.has(stream)) continue;
    if (hasFilepass(cfb.streamHead(stream, BIFF_SCAN_BYTES))) return { scheme: 'xls-filepass', application: 'excel' };
  }
  if (names.has('WordDocument')) {
    const fib = cfb.streamHead('WordDocument', 16);
    if (fib.length >= 12 && fib.readUInt16LE(0) === 0xa5ec && fib.readUInt16LE(0x0a) & 0x0100) return { scheme: 'doc-fib-encrypted', application: 'word' };
  }
  return null;
}

/** BIFF records: u16 type, u16 length, data. FILEPASS comes right after BOF and a few early records. */
function hasFilepass(b: Buffer): boolean {
  let at = 0;
  for (let i = 0; i < BIFF_MAX_RECORDS && at + 4 <= b.length; i++) {
    const type = b.readUInt16LE(at);
    if (type === BIFF_FILEPASS) return true;
    at += 4 + b.readUInt16LE(at + 2);
  }
  return false;
}
