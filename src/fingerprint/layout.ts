/**
 * Byte layouts of the headers the own detectors read (src/fingerprint/detectors.ts).
 * One place for every offset and magic; sources are the public format specifications
 * named next to each block.
 */

/** Windows registry base block ("regf"), libregf "Windows NT Registry File (REGF) format". */
export const REGF = {
  magic: Buffer.from('regf', 'latin1'), // 0x00 signature
  seq1: 0x04, // 0x04 primary sequence number (u32)
  seq2: 0x08, // 0x08 secondary sequence number (u32); differs from seq1 when dirty
  majorVersion: 0x14, // 0x14 major version (u32), always 1
  minorVersion: 0x18, // 0x18 minor version (u32), 2..6
  fileType: 0x1c, // 0x1C file type (u32): 0 primary, 1/2 old-format log, 6 new-format log
  headerBytes: 0x20,
} as const;

/** ESE (JET Blue) database header, libesedb "Extensible Storage Engine (ESE) Database File format". */
export const ESE = {
  signatureOffset: 0x04, // 0x04 signature (u32 LE) 0x89ABCDEF, bytes EF CD AB 89
  signature: 0x89abcdef,
  formatVersion: 0x08, // 0x08 file format version (u32), 0x620 for every ESE since Exchange 2000
  fileType: 0x0c, // 0x0C file type (u32): 0 database, 1 streaming file
  knownFormatVersion: 0x620,
  headerBytes: 0x10,
} as const;

/** Minidump header (MINIDUMP_HEADER, minidumpapiset.h). */
export const MDMP = {
  magic: Buffer.from('MDMP', 'latin1'), // 0x00 Signature
  version: 0x04, // 0x04 Version low word (u16) = MINIDUMP_VERSION 0xA793
  knownVersion: 0xa793,
  streamCount: 0x08, // 0x08 NumberOfStreams (u32)
  headerBytes: 0x0c,
  /** A real minidump has a handful to a few dozen streams. */
  maxStreams: 1024,
} as const;

/** Windows kernel crash dump ("PAGEDUMP" / "PAGEDU64"). */
export const PAGEDUMP = {
  magic32: Buffer.from('PAGEDUMP', 'latin1'), // 0x00 Signature "PAGE" + ValidDump "DUMP"
  magic64: Buffer.from('PAGEDU64', 'latin1'),
} as const;

/** `openssl enc` salted output: "Salted__" then an 8-byte salt. */
export const OPENSSL_SALTED = {
  magic: Buffer.from('Salted__', 'latin1'), // 0x00 magic
  headerBytes: 16, // 0x08 salt (8 bytes)
} as const;

/** age, https://age-encryption.org/v1 */
export const AGE = {
  binary: Buffer.from('age-encryption.org/v1\n', 'latin1'), // 0x00 version line
  armored: Buffer.from('-----BEGIN AGE ENCRYPTED FILE-----', 'latin1'),
} as const;

/** OpenPGP packets, RFC 4880 section 4.2 / RFC 9580. */
export const OPENPGP = {
  armorMessage: Buffer.from('-----BEGIN PGP MESSAGE-----', 'latin1'),
  /** Packet tags that start an encrypted message. */
  tagPkesk: 1, // Public-Key Encrypted Session Key
  tagSkesk: 3, // Symmetric-Key Encrypted Session Key
  tagSeipd: 18, // Sym. Encrypted Integrity Protected Data
  tagAead: 20, // AEAD Encrypted Data (draft / RFC 9580 reserved)
  pkeskVersions: [3, 6],
  skeskVersions: [4, 5, 6],
  seipdVersions: [1, 2],
  /** Public-key algorithm ids a PKESK may name (RSA, Elgamal, ECDH, X25519, X448). */
  publicKeyAlgorithms: [1, 2, 3, 16, 18, 20, 25, 26],
  /** Largest packet body we accept as "sane" in the first packet of a file header. */
  maxFirstPacketLength: 1 << 30,
} as const;

/** RAR, https://www.rarlab.com/technote.htm */
export const RAR = {
  sig4: Buffer.from('526172211a0700', 'hex'), // 0x00 RAR 1.5-4.x marker block (7 bytes)
  sig5: Buffer.from('526172211a070100', 'hex'), // 0x00 RAR 5.0 signature (8 bytes)
  // RAR4 main archive header follows the 7-byte marker:
  rar4MainType: 0x07 + 2, // +0x02 HEAD_TYPE (u8), 0x73 = MAIN_HEAD
  rar4MainFlags: 0x07 + 3, // +0x03 HEAD_FLAGS (u16); 0x0080 = MHD_PASSWORD (block headers encrypted)
  rar4MainHeadType: 0x73,
  rar4FlagPassword: 0x0080,
  // RAR5: after the signature, a header = CRC32 (u32), size (vint), type (vint)
  rar5FirstHeader: 0x08 + 4, // +0x04 header size vint, then header type vint
  rar5TypeEncryption: 4, // archive encryption header: every following header is encrypted
  maxVintBytes: 10,
} as const;

/** Microsoft Cabinet, [MS-CAB] CFHEADER. */
export const CAB = {
  magic: Buffer.from('MSCF', 'latin1'), // 0x00 signature
  reserved1: 0x04, // 0x04 reserved (u32) 0
  cbCabinet: 0x08, // 0x08 cabinet size (u32)
  versionMinor: 0x18, // 0x18 versionMinor (u8) 3
  versionMajor: 0x19, // 0x19 versionMajor (u8) 1
  headerBytes: 0x24,
} as const;

/** Outlook PST/OST, [MS-PST] 2.2.2.6 HEADER. */
export const PST = {
  magic: Buffer.from('!BDN', 'latin1'), // 0x00 dwMagic
  client: 0x08, // 0x08 wMagicClient "SM" (PST) / "SO" (OST)
  version: 0x0a, // 0x0A wVer (u16): 14/15 ANSI, 23 Unicode, 36 Unicode 4K pages
  headerBytes: 0x0c,
} as const;

/** KeePass databases: two LE u32 signatures. */
export const KEEPASS = {
  sig1: 0x9aa2d903, // 0x00 signature 1
  sig2Kdbx: 0xb54bfb67, // 0x04 signature 2: KeePass 2.x (.kdbx)
  sig2KdbxPre: 0xb54bfb66, // 0x04 signature 2: KeePass 2.x pre-release
  sig2Kdb: 0xb54bfb65, // 0x04 signature 2: KeePass 1.x (.kdb)
  headerBytes: 8,
} as const;

/** Recycle Bin $I files (Vista+), as read by rifiuti-vista and dissect recyclebin.py. */
export const RECYCLE_I = {
  version: 0x00, // 0x00 version (u64): 1 (Vista-8.1), 2 (Windows 10+)
  originalSize: 0x08, // 0x08 original file size (u64)
  deletedAt: 0x10, // 0x10 deletion time (FILETIME)
  v1Path: 0x18, // 0x18 v1: fixed 260 UTF-16 chars (520 bytes) -> 544-byte file
  v1FileBytes: 544,
  v2PathChars: 0x18, // 0x18 v2: path length in UTF-16 chars incl. NUL (u32)
  v2Path: 0x1c, // 0x1C v2: path
  maxPathChars: 32768,
} as const;

/** XP-era Recycle Bin INFO2 index (rifiuti2 docs). */
export const INFO2 = {
  version: 0x00, // 0x00 version (u32): 0 Win95, 2 NT4, 4 Win98, 5 ME/2000/XP
  recordSize: 0x0c, // 0x0C record size (u32): 280 (ANSI only) or 800 (ANSI + UTF-16)
  headerBytes: 20,
  versions: [0, 2, 4, 5],
  recordSizes: [280, 800],
} as const;

/** Windows Event Log (EVTX) file header, libevtx. */
export const EVTX = {
  magic: Buffer.from('ElfFile\0', 'latin1'), // 0x00 signature
} as const;

/** SQLite database header. */
export const SQLITE = {
  magic: Buffer.from('SQLite format 3\0', 'latin1'), // 0x00 header string
} as const;

/** Windows shell link, [MS-SHLLINK] 2.1 ShellLinkHeader. */
export const LNK = {
  headerSize: Buffer.from('4c000000', 'hex'), // 0x00 HeaderSize 0x4C
  clsid: Buffer.from('0114020000000000c000000000000046', 'hex'), // 0x04 LinkCLSID
} as const;

/** OLE2 Compound File Binary, [MS-CFB] 2.2. */
export const CFB = {
  magic: Buffer.from('d0cf11e0a1b11ae1', 'hex'), // 0x00 header signature
  /** Directory entry name of an ECMA-376 encrypted OOXML package (MS-OFFCRYPTO 2.3.4). */
  encryptedPackage: Buffer.from('EncryptedPackage', 'utf16le'),
} as const;

/** LZMA-alone stream header (LZMA SDK lzma-file-format.txt). */
export const LZMA_ALONE = {
  properties: 0x00, // 0x00 properties byte (lc + lp*9 + pb*45), < 225
  dictionarySize: 0x01, // 0x01 dictionary size (u32): 2^n or 2^n + 2^(n-1)
  unpackedSize: 0x05, // 0x05 uncompressed size (u64), all ones = unknown (streamed)
  headerBytes: 13,
  defaultProperties: 0x5d,
  minDictionary: 4096,
  maxUnpacked: 2n ** 48n,
} as const;

/** ZIP, APPNOTE.TXT 4.3.7 / 4.3.16. */
export const ZIP = {
  localHeader: Buffer.from('504b0304', 'hex'), // 0x00 local file header signature
  endOfCentralDirectory: Buffer.from('504b0506', 'hex'), // 0x00 end of central directory (empty archive)
} as const;
