import { describe, expect, test } from '@jest/globals';
import { detectLateMagic, detectOwnMagic, looksLikePgpEncrypted } from '../../src/fingerprint/detectors.js';

function head(parts: Array<[number, Buffer | number[] | string]>, size = 64): Buffer {
  const b = Buffer.alloc(size);
  for (const [at, v] of parts) {
    const bytes = typeof v === 'string' ? Buffer.from(v, 'latin1') : Buffer.from(v);
    bytes.copy(b, at);
  }
  return b;
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
}

describe('own magic detectors', () => {
  test('regf primary hive, dirty flag, and transaction log by file type', () => {
    const hive = head([[0, 'regf'], [4, u32(7)], [8, u32(6)], [0x14, u32(1)], [0x18, u32(5)], [0x1c, u32(0)]]);
    expect(detectOwnMagic(hive, 'SYSTEM')).toMatchObject({ format: 'regf', confidence: 'certain', hints: ['regf-dirty'] });
    const log = head([[0, 'regf'], [0x14, u32(1)], [0x18, u32(5)], [0x1c, u32(6)]]);
    expect(detectOwnMagic(log, 'NTUSER.DAT.LOG1')?.format).toBe('regf-log');
    const wrongMajor = head([[0, 'regf'], [0x14, u32(2)]]);
    expect(detectOwnMagic(wrongMajor, 'x')).toBeNull();
  });

  test('ESE database (ntds.dit) by signature at offset 4', () => {
    const ese = head([[4, [0xef, 0xcd, 0xab, 0x89]], [8, u32(0x620)]]);
    const m = detectOwnMagic(ese, 'ntds.dit');
    expect(m).toMatchObject({ format: 'ese', confidence: 'certain' });
    expect(m?.description).toMatch(/ntds\.dit/);
  });

  test('minidump needs the MINIDUMP_VERSION and a sane stream count', () => {
    expect(detectOwnMagic(head([[0, 'MDMP'], [4, [0x93, 0xa7]], [8, u32(12)]]), 'lsass.dmp')).toMatchObject({ format: 'mdmp', confidence: 'certain' });
    expect(detectOwnMagic(head([[0, 'MDMP'], [4, [0x00, 0x00]], [8, u32(12)]]), 'x')?.confidence).toBe('low');
  });

  test('encrypted containers: OpenSSL, age binary and armored', () => {
    expect(detectOwnMagic(head([[0, 'Salted__'], [8, [1, 2, 3, 4, 5, 6, 7, 8]]]), 'x')?.format).toBe('openssl-enc');
    expect(detectOwnMagic(head([[0, 'age-encryption.org/v1\n-> X25519 abc\n']]), 'x')?.format).toBe('age');
    expect(detectOwnMagic(head([[0, '-----BEGIN AGE ENCRYPTED FILE-----\n']]), 'x')?.hints).toContain('armored');
  });

  test('OpenPGP binary packets: PKESK v3 with a public-key algorithm, SKESK v4', () => {
    // old-format tag 1, one length octet (0x84 = 1000 0100), length 12, v3, key id, RSA (1)
    const pkesk = Buffer.from([0x84, 12, 3, 1, 2, 3, 4, 5, 6, 7, 8, 1, 0, 0, 0, 0]);
    expect(looksLikePgpEncrypted(pkesk)).toBe(true);
    expect(detectLateMagic(pkesk, 'msg.gpg')).toMatchObject({ format: 'pgp', hints: ['pgp-encrypted'] });
    // new-format tag 3 (0xC3), length 13, v4, AES-256 (9), S2K iterated (3)
    expect(looksLikePgpEncrypted(Buffer.from([0xc3, 13, 4, 9, 3, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBe(true);
    // wrong version byte or algorithm: not PGP
    expect(looksLikePgpEncrypted(Buffer.from([0x84, 12, 9, 1, 2, 3, 4, 5, 6, 7, 8, 1]))).toBe(false);
    expect(looksLikePgpEncrypted(Buffer.from([0x84, 12, 3, 1, 2, 3, 4, 5, 6, 7, 8, 99]))).toBe(false);
  });

  test('ASCII-armored PGP: encrypted message told apart from a signed one', () => {
    const body = Buffer.from([0x84, 12, 3, 1, 2, 3, 4, 5, 6, 7, 8, 1, 0, 0, 0]).toString('base64');
    const armored = Buffer.from(`-----BEGIN PGP MESSAGE-----\nVersion: x\n\n${body}\n-----END PGP MESSAGE-----\n`);
    expect(detectLateMagic(armored, 'x.asc')).toMatchObject({ format: 'pgp', confidence: 'certain', hints: ['armored', 'pgp-encrypted'] });
    const signed = Buffer.from(`-----BEGIN PGP MESSAGE-----\n\n${Buffer.from([0x90, 13, 3, 0, 2]).toString('base64')}\n`);
    expect(detectLateMagic(signed, 'x.asc')?.hints).not.toContain('pgp-encrypted');
  });

  test('RAR5 with an archive encryption header (type 4) and RAR4 with MHD_PASSWORD', () => {
    const rar5Enc = head([[0, Buffer.from('526172211a070100', 'hex')], [8, [0, 0, 0, 0]], [12, [0x21, 0x04, 0x00]]]);
    expect(detectOwnMagic(rar5Enc, 'a.rar')?.hints).toEqual(['rar5', 'rar-headers-encrypted']);
    const rar5 = head([[0, Buffer.from('526172211a070100', 'hex')], [12, [0x0b, 0x01, 0x00]]]);
    expect(detectOwnMagic(rar5, 'a.rar')?.hints).toEqual(['rar5']);
    const rar4Enc = head([[0, Buffer.from('526172211a0700', 'hex')], [7, [0xce, 0x99, 0x73, 0x80, 0x00]]]);
    expect(detectOwnMagic(rar4Enc, 'a.rar')?.hints).toContain('rar-headers-encrypted');
  });

  test('CAB, PST/OST, KeePass, EVTX, SQLite, LNK', () => {
    expect(detectOwnMagic(head([[0, 'MSCF'], [0x18, [3, 1]]]), 'x')).toMatchObject({ format: 'cab', confidence: 'certain' });
    expect(detectOwnMagic(head([[0, '!BDN'], [8, 'SM'], [10, [23, 0]]]), 'x')?.format).toBe('pst');
    expect(detectOwnMagic(head([[0, '!BDN'], [8, 'SO'], [10, [23, 0]]]), 'x')?.format).toBe('ost');
    expect(detectOwnMagic(head([[0, [0x03, 0xd9, 0xa2, 0x9a, 0x67, 0xfb, 0x4b, 0xb5]]]), 'x')?.format).toBe('kdbx');
    expect(detectOwnMagic(head([[0, [0x03, 0xd9, 0xa2, 0x9a, 0x65, 0xfb, 0x4b, 0xb5]]]), 'x')?.format).toBe('kdb');
    expect(detectOwnMagic(head([[0, 'ElfFile\0']]), 'x')?.format).toBe('evtx');
    expect(detectOwnMagic(head([[0, 'SQLite format 3\0']]), 'x')?.format).toBe('sqlite');
    expect(detectOwnMagic(head([[0, Buffer.from('4c0000000114020000000000c000000000000046', 'hex')]]), 'x')?.format).toBe('lnk');
  });

  test('$I v2 needs plausible fields and a path or the $I name', () => {
    const i2 = head([[0, [2]], [8, [0, 0x10]], [0x10, Buffer.from('00d0a4bd5a0bd701', 'hex')], [0x18, u32(8)], [0x1c, Buffer.from('C:\\x.txt', 'utf16le')]]);
    expect(detectOwnMagic(i2, '$IABC123.txt')).toMatchObject({ format: 'recyclebin-i', confidence: 'certain' });
    expect(detectOwnMagic(i2, 'renamed')).toMatchObject({ format: 'recyclebin-i', confidence: 'high' });
    const noPath = head([[0, [2]], [0x10, Buffer.from('00d0a4bd5a0bd701', 'hex')], [0x18, u32(8)]]);
    expect(detectOwnMagic(noPath, 'renamed')).toBeNull();
    // The version is a 64-bit field: 2 in its low half and anything in its high half is not version 2.
    const highVersion = Buffer.from(i2);
    highVersion[4] = 1;
    expect(detectOwnMagic(highVersion, '$IABC123.txt')).toBeNull();
    highVersion[4] = 0;
    highVersion[7] = 0x80;
    expect(detectOwnMagic(highVersion, '$IABC123.txt')).toBeNull();
  });

  test('INFO2 needs its name or a whole number of records', () => {
    const info2 = head([[0, u32(5)], [0x0c, u32(800)]], 20);
    expect(detectOwnMagic(info2, 'INFO2', 20 + 800 * 3)).toMatchObject({ format: 'info2', confidence: 'certain' });
    const ansi = head([[0, u32(4)], [0x0c, u32(280)]], 20);
    expect(detectOwnMagic(ansi, 'other', 20 + 280 * 2)?.format).toBe('info2');
    expect(detectOwnMagic(ansi, 'other', 20 + 281)).toBeNull();
  });

  test('CFB with an EncryptedPackage stream name in the head', () => {
    const cfb = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(100), Buffer.from('EncryptedPackage', 'utf16le')]);
    expect(detectOwnMagic(cfb, 'x.docx')?.hints).toEqual(['cfb-encrypted-package']);
  });

  test('LZMA-alone only with the 0x5D properties byte and a real dictionary size', () => {
    const lzma = head([[0, [0x5d, 0x00, 0x00, 0x80, 0x00]], [5, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]]]);
    expect(detectLateMagic(lzma, 'x.tlz')?.format).toBe('lzma');
    expect(detectLateMagic(head([[0, [0x5d, 0x01, 0x23, 0x45, 0x00]]]), 'x')).toBeNull();
  });

  test('truncated heads and every single-byte prefix never throw', () => {
    const samples = [
      'regf', 'MDMP', 'Salted__', 'MSCF', '!BDN', 'ElfFile', 'Rar!\x1a\x07\x01\x00', 'Rar!\x1a\x07\x00',
      '\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1', '-----BEGIN PGP MESSAGE-----\n\n!!!!',
    ].map((s) => Buffer.from(s, 'latin1'));
    for (const s of samples) {
      for (let n = 0; n <= s.length; n++) {
        expect(() => detectOwnMagic(s.subarray(0, n), '$Ix', n)).not.toThrow();
        expect(() => detectLateMagic(s.subarray(0, n), 'x', n)).not.toThrow();
      }
    }
  });
});
