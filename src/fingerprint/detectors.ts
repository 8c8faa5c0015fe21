/**
 * Own magic detectors for what file-type 21 lacks or names too vaguely (regf is "dat" there,
 * ESE, minidumps, age, OpenSSL, binary OpenPGP, KeePass, $I, INFO2, EVTX are absent).
 * They run on the head buffer before file-type, synchronously, and never read past it.
 * Layouts live in layout.ts.
 */
import { hasBytesAt } from '../util/bytes.js';
import {
  AGE, CAB, CFB, ESE, EVTX, INFO2, KEEPASS, LNK, LZMA_ALONE, MDMP, OPENPGP, OPENSSL_SALTED, PAGEDUMP, PST, RAR,
  RECYCLE_I, REGF, SQLITE, ZIP,
} from './layout.js';

export type MagicConfidence = 'certain' | 'high' | 'low';

export interface MagicMatch {
  format: string;
  mime: string | null;
  description: string;
  confidence: MagicConfidence;
  /** Extra facts seen in the header, e.g. 'rar5-headers-encrypted', 'regf-dirty'. */
  hints: string[];
}

type Detector = (head: Buffer, name: string, size: number) => MagicMatch | null;

function u32(head: Buffer, offset: number): number | null {
  return head.length >= offset + 4 ? head.readUInt32LE(offset) : null;
}

function match(format: string, description: string, confidence: MagicConfidence, hints: string[] = [], mime: string | null = null): MagicMatch {
  return { format, mime, description, confidence, hints };
}

const detectRegf: Detector = (head) => {
  if (!hasBytesAt(head, REGF.magic) || head.length < REGF.headerBytes) return null;
  if (head.readUInt32LE(REGF.majorVersion) !== 1) return null;
  const minor = head.readUInt32LE(REGF.minorVersion);
  const type = head.readUInt32LE(REGF.fileType);
  const hints = head.readUInt32LE(REGF.seq1) !== head.readUInt32LE(REGF.seq2) ? ['regf-dirty'] : [];
  if (type === 0) return match('regf', `Windows registry hive, regf 1.${minor}`, 'certain', hints);
  if (type === 1 || type === 2 || type === 6) {
    return match('regf-log', `Windows registry transaction log (file type ${type}), regf 1.${minor}`, 'certain', hints);
  }
  return match('regf', `Windows registry file, unknown file type ${type}`, 'high', ['regf-unknown-type']);
};

const detectEse: Detector = (head, name) => {
  if (u32(head, ESE.signatureOffset) !== ESE.signature || head.length < ESE.headerBytes) return null;
  const version = head.readUInt32LE(ESE.formatVersion);
  const type = head.readUInt32LE(ESE.fileType);
  const known = version === ESE.knownFormatVersion;
  const what = /^ntds\.dit$/i.test(name) ? 'Active Directory database (ntds.dit), ESE' : 'ESE (JET Blue) database';
  return match('ese', `${what}, format 0x${version.toString(16)}${type === 1 ? ', streaming file' : ''}`, known ? 'certain' : 'low');
};

const detectMinidump: Detector = (head) => {
  if (hasBytesAt(head, PAGEDUMP.magic32) || hasBytesAt(head, PAGEDUMP.magic64)) {
    return match('crashdump', 'Windows kernel crash dump', 'certain');
  }
  if (!hasBytesAt(head, MDMP.magic) || head.length < MDMP.headerBytes) return null;
  const version = head.readUInt16LE(MDMP.version);
  const streams = head.readUInt32LE(MDMP.streamCount);
  const sane = version === MDMP.knownVersion && streams > 0 && streams <= MDMP.maxStreams;
  return match('mdmp', `Windows minidump, ${streams} streams`, sane ? 'certain' : 'low', [], 'application/x-dmp');
};

const detectOpenSsl: Detector = (head) =>
  hasBytesAt(head, OPENSSL_SALTED.magic) && head.length >= OPENSSL_SALTED.headerBytes
    ? match('openssl-enc', 'OpenSSL enc salted encrypted data', 'certain')
    : null;

const detectAge: Detector = (head) => {
  if (hasBytesAt(head, AGE.binary)) return match('age', 'age encrypted file, version 1', 'certain');
  if (hasBytesAt(head, AGE.armored)) return match('age', 'age encrypted file, ASCII armored', 'certain', ['armored']);
  return null;
};

/** Parses one OpenPGP packet header; returns tag and body start/length or null when malformed. */
export function readPgpPacketHeader(buf: Buffer, pos = 0): { tag: number; bodyStart: number; length: number | null } | null {
  if (buf.length < pos + 2) return null;
  const b = buf[pos];
  if ((b & 0x80) === 0) return null;
  if (b & 0x40) {
    // New format: tag in low 6 bits, then 1, 2 or 5 length octets (partial lengths leave length null).
    const tag = b & 0x3f;
    const l0 = buf[pos + 1];
    if (l0 < 192) return { tag, bodyStart: pos + 2, length: l0 };
    if (l0 < 224) return buf.length < pos + 3 ? null : { tag, bodyStart: pos + 3, length: ((l0 - 192) << 8) + buf[pos + 2] + 192 };
    if (l0 === 255) return buf.length < pos + 6 ? null : { tag, bodyStart: pos + 6, length: buf.readUInt32BE(pos + 2) };
    return { tag, bodyStart: pos + 2, length: null };
  }
  // Old format: tag in bits 5..2, length type in bits 1..0.
  const tag = (b >> 2) & 0x0f;
  const lengthType = b & 0x03;
  if (lengthType === 0) return { tag, bodyStart: pos + 2, length: buf[pos + 1] };
  if (lengthType === 1) return buf.length < pos + 3 ? null : { tag, bodyStart: pos + 3, length: buf.readUInt16BE(pos + 1) };
  if (lengthType === 2) return buf.length < pos + 5 ? null : { tag, bodyStart: pos + 5, length: buf.readUInt32BE(pos + 1) };
  return { tag, bodyStart: pos + 1, length: null }; // indeterminate length
}

/** True when `buf` starts with a plausible first packet of an encrypted OpenPGP message. */
export function looksLikePgpEncrypted(buf: Buffer): boolean {
  const packet = readPgpPacketHeader(buf);
  if (!packet || packet.bodyStart >= buf.length) return false;
  if (packet.length !== null && (packet.length < 2 || packet.length > OPENPGP.maxFirstPacketLength)) return false;
  const body = packet.bodyStart;
  const version = buf[body];
  switch (packet.tag) {
    case OPENPGP.tagPkesk:
      // v3: version, 8-byte key id, public-key algorithm (RFC 4880 5.1)
      if (version === 3) return body + 9 < buf.length && (OPENPGP.publicKeyAlgorithms as readonly number[]).includes(buf[body + 9]);
      return (OPENPGP.pkeskVersions as readonly number[]).includes(version);
    case OPENPGP.tagSkesk:
      // v4: version, symmetric algorithm, S2K specifier type (RFC 4880 5.3)
      if (version === 4) return body + 2 < buf.length && buf[body + 1] >= 1 && buf[body + 1] <= 13 && [0, 1, 3].includes(buf[body + 2]);
      return (OPENPGP.skeskVersions as readonly number[]).includes(version);
    case OPENPGP.tagSeipd: return (OPENPGP.seipdVersions as readonly number[]).includes(version);
    case OPENPGP.tagAead: return version === 1;
    default: return false;
  }
}

/** Decodes the first base64 line(s) after the armor headers, enough for one packet header. */
function firstArmoredBytes(head: Buffer): Buffer | null {
  const text = head.toString('latin1');
  const blank = text.search(/\r?\n\r?\n/);
  if (blank < 0) return null;
  const body = text.slice(blank).replace(/\s+/g, '').slice(0, 64).replace(/[^A-Za-z0-9+/=]/g, '');
  const usable = body.slice(0, body.length - (body.length % 4));
  return usable ? Buffer.from(usable, 'base64') : null;
}

const detectPgp: Detector = (head) => {
  if (hasBytesAt(head, OPENPGP.armorMessage)) {
    const first = firstArmoredBytes(head);
    const encrypted = first !== null && looksLikePgpEncrypted(first);
    return encrypted
      ? match('pgp', 'OpenPGP encrypted message, ASCII armored', 'certain', ['armored', 'pgp-encrypted'], 'application/pgp-encrypted')
      : match('pgp', 'OpenPGP message, ASCII armored', 'high', ['armored'], 'application/pgp-encrypted');
  }
  // Binary packets: byte patterns this loose are only trusted with a sane version byte.
  return looksLikePgpEncrypted(head)
    ? match('pgp', 'OpenPGP encrypted message, binary', 'high', ['pgp-encrypted'], 'application/pgp-encrypted')
    : null;
};

/** Reads a RAR5 vint; returns value and the position after it, or null when truncated/too long. */
function readVint(buf: Buffer, pos: number): { value: number; next: number } | null {
  let value = 0;
  for (let i = 0; i < RAR.maxVintBytes && pos + i < buf.length; i++) {
    const byte = buf[pos + i];
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return { value, next: pos + i + 1 };
  }
  return null;
}

const detectRar: Detector = (head) => {
  if (hasBytesAt(head, RAR.sig5)) {
    const size = readVint(head, RAR.rar5FirstHeader);
    const type = size ? readVint(head, size.next) : null;
    if (type?.value === RAR.rar5TypeEncryption) {
      return match('rar', 'RAR archive data, v5, headers encrypted', 'certain', ['rar5', 'rar-headers-encrypted'], 'application/x-rar-compressed');
    }
    return match('rar', 'RAR archive data, v5', 'certain', ['rar5'], 'application/x-rar-compressed');
  }
  if (hasBytesAt(head, RAR.sig4)) {
    const isMain = head.length > RAR.rar4MainFlags + 1 && head[RAR.rar4MainType] === RAR.rar4MainHeadType;
    const encrypted = isMain && (head.readUInt16LE(RAR.rar4MainFlags) & RAR.rar4FlagPassword) !== 0;
    return encrypted
      ? match('rar', 'RAR archive data, v4, headers encrypted', 'certain', ['rar4', 'rar-headers-encrypted'], 'application/x-rar-compressed')
      : match('rar', 'RAR archive data, v4', 'certain', ['rar4'], 'application/x-rar-compressed');
  }
  return null;
};

const detectCab: Detector = (head) => {
  if (!hasBytesAt(head, CAB.magic) || head.length < CAB.headerBytes) return null;
  const sane = head.readUInt32LE(CAB.reserved1) === 0 && head[CAB.versionMajor] === 1 && head[CAB.versionMinor] === 3;
  return match('cab', 'Microsoft Cabinet archive data', sane ? 'certain' : 'low', [], 'application/vnd.ms-cab-compressed');
};

const detectPst: Detector = (head) => {
  if (!hasBytesAt(head, PST.magic) || head.length < PST.headerBytes) return null;
  const client = head.toString('latin1', PST.client, PST.client + 2);
  const version = head.readUInt16LE(PST.version);
  const unicode = version >= 23 ? 'Unicode' : 'ANSI';
  if (client === 'SO') return match('ost', `Outlook offline storage (OST), ${unicode}`, 'certain', [], 'application/vnd.ms-outlook');
  if (client === 'SM') return match('pst', `Outlook personal storage (PST), ${unicode}`, 'certain', [], 'application/vnd.ms-outlook');
  return match('pst', 'Outlook PST/OST, unknown client magic', 'low', [], 'application/vnd.ms-outlook');
};

const detectKeepass: Detector = (head) => {
  if (u32(head, 0) !== KEEPASS.sig1 || head.length < KEEPASS.headerBytes) return null;
  const sig2 = head.readUInt32LE(4);
  if (sig2 === KEEPASS.sig2Kdbx || sig2 === KEEPASS.sig2KdbxPre) return match('kdbx', 'KeePass 2.x password database', 'certain');
  if (sig2 === KEEPASS.sig2Kdb) return match('kdb', 'KeePass 1.x password database', 'certain');
  return null;
};

/** FILETIME bounds for a plausible deletion time: 1980-01-01 .. 2100-01-01 (wrong clocks happen). */
const FILETIME_MIN = 119_600_064_000_000_000n;
const FILETIME_MAX = 157_766_016_000_000_000n;
/** Largest original size we call plausible (1 PiB). */
const MAX_ORIGINAL_SIZE = 2n ** 50n;

function plausibleDeletionTime(head: Buffer): boolean {
  const t = head.readBigUInt64LE(RECYCLE_I.deletedAt);
  return t >= FILETIME_MIN && t <= FILETIME_MAX;
}

/** First UTF-16 chars of a Windows path: "X:\" or "\\" (UNC). */
function looksLikeUtf16Path(head: Buffer, at: number): boolean {
  if (head.length < at + 6) return false;
  const c0 = head.readUInt16LE(at), c1 = head.readUInt16LE(at + 2), c2 = head.readUInt16LE(at + 4);
  const letter = (c0 | 0x20) >= 0x61 && (c0 | 0x20) <= 0x7a;
  return (letter && c1 === 0x3a && c2 === 0x5c) || (c0 === 0x5c && c1 === 0x5c);
}

const detectRecycleI: Detector = (head, name) => {
  if (head.length < RECYCLE_I.v1Path + 2) return null;
  // The version read as two 32-bit halves: most heads fail here, and a BigInt per file was garbage.
  const version = head.readUInt32LE(RECYCLE_I.version);
  if ((version !== 1 && version !== 2) || head.readUInt32LE(RECYCLE_I.version + 4) !== 0) return null;
  const named = /^\$I/i.test(name);
  const fieldsOk = head.readBigUInt64LE(RECYCLE_I.originalSize) <= MAX_ORIGINAL_SIZE && plausibleDeletionTime(head);
  // A $I-named file keeps its format with damaged fields (rifiuti2 still reads it, size "???").
  if (!fieldsOk) {
    return named ? match('recyclebin-i', `Windows Recycle Bin $I index, version ${version}, damaged fields`, 'low', ['recyclebin-i-damaged']) : null;
  }
  let pathAt: number = RECYCLE_I.v1Path;
  if (version === 2) {
    if (head.length < RECYCLE_I.v2Path) return null;
    const chars = head.readUInt32LE(RECYCLE_I.v2PathChars);
    if (chars === 0 || chars > RECYCLE_I.maxPathChars) return null;
    pathAt = RECYCLE_I.v2Path;
  } else if (head.length > RECYCLE_I.v1FileBytes) {
    return null;
  }
  const pathOk = looksLikeUtf16Path(head, pathAt);
  // Structure alone is 24 bytes of loose checks: trust it only with a path or the $I name.
  if (!pathOk && !named) return null;
  const confidence: MagicConfidence = pathOk && named ? 'certain' : 'high';
  return match('recyclebin-i', `Windows Recycle Bin $I index, version ${version}`, confidence);
};

const detectInfo2: Detector = (head, name, size) => {
  if (head.length < INFO2.headerBytes) return null;
  const version = head.readUInt32LE(INFO2.version);
  const recordSize = head.readUInt32LE(INFO2.recordSize);
  if (!(INFO2.versions as readonly number[]).includes(version) || !(INFO2.recordSizes as readonly number[]).includes(recordSize)) return null;
  const named = /^info2?$/i.test(name);
  const wholeRecords = size >= INFO2.headerBytes && (size - INFO2.headerBytes) % recordSize === 0;
  const what = `Windows Recycle Bin INFO2 index, version ${version}, record size ${recordSize}`;
  // Two small integers are a loose magic: the name or a whole number of records must back them.
  if (!named && !wholeRecords) {
    return version === 5 && recordSize === 800 ? match('info2', `${what}, partial record`, 'low', ['info2-partial-record']) : null;
  }
  return match('info2', what, named && wholeRecords ? 'certain' : 'high', wholeRecords ? [] : ['info2-partial-record']);
};

/** Encoders write 2^n or 2^n + 2^(n-1) = 3 * 2^(n-1). */
function isLzmaDictionarySize(d: number): boolean {
  const isPow2 = (x: number) => x > 0 && (x & (x - 1)) === 0;
  return d >= LZMA_ALONE.minDictionary && (isPow2(d) || (d % 3 === 0 && isPow2(d / 3)));
}

/** Raw LZMA ("LZMA-alone", .lzma/.tlz): properties byte, dictionary size, u64 size or -1. */
const detectLzmaAlone: Detector = (head) => {
  if (head.length < LZMA_ALONE.headerBytes) return null;
  const dict = head.readUInt32LE(LZMA_ALONE.dictionarySize);
  const unpacked = head.readBigUInt64LE(LZMA_ALONE.unpackedSize);
  const sizeOk = unpacked === 0xffffffffffffffffn || unpacked < LZMA_ALONE.maxUnpacked;
  // 0x5D (lc=3, lp=0, pb=2) is what every common encoder writes; other property bytes are not trusted.
  if (head[0] !== LZMA_ALONE.defaultProperties || !isLzmaDictionarySize(dict) || !sizeOk) return null;
  return match('lzma', 'LZMA compressed data', 'high', [], 'application/x-lzma');
};

const detectEvtx: Detector = (head) =>
  hasBytesAt(head, EVTX.magic) ? match('evtx', 'MS Windows Vista+ event log (EVTX)', 'certain', [], 'application/x-ms-evtx') : null;

const detectSqlite: Detector = (head) =>
  hasBytesAt(head, SQLITE.magic) ? match('sqlite', 'SQLite 3.x database', 'certain', [], 'application/vnd.sqlite3') : null;

const detectLnk: Detector = (head) =>
  hasBytesAt(head, LNK.headerSize) && hasBytesAt(head, LNK.clsid, 4)
    ? match('lnk', 'MS Windows shortcut', 'certain', [], 'application/x.ms.shortcut')
    : null;

const detectCfb: Detector = (head) => {
  if (!hasBytesAt(head, CFB.magic)) return null;
  // The directory sector is often inside the head for small files; a visible EncryptedPackage
  // stream name means an encrypted OOXML document (MS-OFFCRYPTO).
  const encrypted = head.includes(CFB.encryptedPackage);
  return encrypted
    ? match('cfb', 'Composite Document File V2, encrypted OOXML package (EncryptedPackage)', 'certain', ['cfb-encrypted-package'], 'application/x-cfb')
    : match('cfb', 'Composite Document File V2 (OLE2)', 'certain', [], 'application/x-cfb');
};

/**
 * The commonest binary formats by their fixed magic, so most files skip file-type's async
 * parser (issue 7: per-file cost). Results equal file-type's ext and mime, except that a gzip
 * holding a tar stays 'gz' (file-type inflates it to say 'tar.gz').
 */
const FAST_MAGIC: ReadonlyArray<[Buffer, string, string, string]> = [
  [Buffer.from('89504e470d0a1a0a', 'hex'), 'png', 'image/png', 'PNG image data'],
  [Buffer.from('ffd8ff', 'hex'), 'jpg', 'image/jpeg', 'JPEG image data'],
  [Buffer.from('GIF87a', 'latin1'), 'gif', 'image/gif', 'GIF image data'],
  [Buffer.from('GIF89a', 'latin1'), 'gif', 'image/gif', 'GIF image data'],
  [Buffer.from('%PDF-', 'latin1'), 'pdf', 'application/pdf', 'PDF document'],
  [Buffer.from('7f454c46', 'hex'), 'elf', 'application/x-elf', 'ELF executable'],
  [Buffer.from('1f8b08', 'hex'), 'gz', 'application/gzip', 'gzip compressed data'],
  [Buffer.from('fd377a585a00', 'hex'), 'xz', 'application/x-xz', 'XZ compressed data'],
  [Buffer.from('28b52ffd', 'hex'), 'zst', 'application/zstd', 'Zstandard compressed data'],
  [Buffer.from('377abcaf271c', 'hex'), '7z', 'application/x-7z-compressed', '7-zip archive data'],
];

const detectFastMagic: Detector = (head) => {
  for (const [magic, format, mime, description] of FAST_MAGIC) {
    if (hasBytesAt(head, magic)) return match(format, description, 'high', [], mime);
  }
  // "BZh" + block size digit 1..9
  if (head.length >= 4 && head.toString('latin1', 0, 3) === 'BZh' && head[3] >= 0x31 && head[3] <= 0x39) {
    return match('bz2', 'bzip2 compressed data', 'high', [], 'application/x-bzip2');
  }
  return null;
};

/**
 * Formats file-type lacks or names too vaguely. Ordered: specific multi-byte magics first, loose
 * structural checks ($I, INFO2) last.
 */
const OWN_DETECTORS: readonly Detector[] = [
  detectRegf, detectEse, detectMinidump, detectOpenSsl, detectAge, detectRar, detectCab, detectPst,
  detectKeepass, detectEvtx, detectSqlite, detectLnk, detectCfb, detectRecycleI, detectInfo2,
];
/** A ZIP file file-type could not place (e.g. an OOXML head whose parts it cannot read). */
const detectZipSignature: Detector = (head) =>
  hasBytesAt(head, ZIP.localHeader) || hasBytesAt(head, ZIP.endOfCentralDirectory)
    ? match('zip', 'Zip archive data', 'high', [], 'application/zip')
    : null;

/** Loose byte patterns tried only after file-type found nothing (armored PGP is exact, so first). */
const LATE_DETECTORS: readonly Detector[] = [detectPgp, detectZipSignature, detectLzmaAlone];

function firstMatch(detectors: readonly Detector[], head: Buffer, name: string, size: number): MagicMatch | null {
  for (const detect of detectors) {
    const found = detect(head, name, size);
    if (found) return found;
  }
  return null;
}

/** The fast table, then the own detectors: what goes before file-type; the first match wins. */
const DETECTORS: readonly Detector[] = [detectFastMagic, ...OWN_DETECTORS];

/**
 * Runs the detectors that go before file-type; the first match wins. `fastTable: false` leaves out
 * the table of common formats that stands in for file-type (the reference path of the fast-path
 * equivalence test, test/fingerprint/fast-path.test.ts).
 */
export function detectOwnMagic(head: Buffer, name: string, size: number = head.length, fastTable = true): MagicMatch | null {
  return firstMatch(fastTable ? DETECTORS : OWN_DETECTORS, head, name, size);
}

/** Runs the loose own detectors meant for heads file-type did not recognise. */
export function detectLateMagic(head: Buffer, name: string, size: number = head.length): MagicMatch | null {
  return firstMatch(LATE_DETECTORS, head, name, size);
}
