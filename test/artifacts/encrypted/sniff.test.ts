/**
 * The encrypted-container sniffs decide most heads from their bytes without making a string
 * (session 38): each must give what its string form gives (trimStart over latin1, startsWith).
 */
import { describe, expect, test } from '@jest/globals';
import { firstNonBlank } from '../../../src/util/bytes.js';
import { isPgpArmor, readPgpPackets } from '../../../src/artifacts/encrypted/openpgp.js';
import { sniffAge } from '../../../src/artifacts/encrypted/age.js';
import { prng } from '../../helpers/random.js';

const PGP_ARMOR = '-----BEGIN PGP MESSAGE-----';
const AGE_ARMOR = '-----BEGIN AGE ENCRYPTED FILE-----';
const AGE_BINARY = 'age-encryption.org/v1\n';

/** The string forms the sniffs had before: the reference. */
const armorByString = (head: Buffer): boolean => head.toString('latin1', 0, 200).trimStart().startsWith(PGP_ARMOR);
function ageByString(head: Buffer): 'binary' | 'armored' | null {
  const text = head.toString('latin1', 0, 64);
  if (text.startsWith(AGE_BINARY)) return 'binary';
  return text.trimStart().startsWith(AGE_ARMOR) ? 'armored' : null;
}

/** Heads that probe the edges: every byte value before the armor, blanks up to and across the window. */
function edgeHeads(): Buffer[] {
  const heads: Buffer[] = [];
  for (let b = 0; b < 256; b++) {
    for (const text of [PGP_ARMOR, AGE_ARMOR, AGE_BINARY, '-x']) {
      heads.push(Buffer.concat([Buffer.from([b]), Buffer.from(text, 'latin1')]));
      heads.push(Buffer.concat([Buffer.from([b, 0x20, b]), Buffer.from(text, 'latin1')]));
    }
  }
  for (const blank of [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0]) {
    for (const n of [0, 1, 30, 36, 37, 63, 64, 170, 172, 173, 199, 200, 250]) {
      for (const text of [PGP_ARMOR, AGE_ARMOR]) heads.push(Buffer.concat([Buffer.alloc(n, blank), Buffer.from(text, 'latin1'), Buffer.alloc(40, 0x41)]));
    }
  }
  heads.push(Buffer.alloc(0), Buffer.from([0x2d]), Buffer.from('age'), Buffer.alloc(300, 0x20));
  return heads;
}

function randomHeads(count: number): Buffer[] {
  const next = prng(3801);
  const heads: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const length = Math.floor(next() * 300);
    const head = Buffer.alloc(length);
    // Mostly blanks and dashes at the start, so that the armor checks get past their first test.
    for (let j = 0; j < length; j++) head[j] = j < 8 && next() < 0.5 ? [0x20, 0x2d, 0x0a, 0xa0, 0x61][Math.floor(next() * 5)]! : Math.floor(next() * 256);
    heads.push(head);
  }
  return heads;
}

describe('encrypted-container sniffs from bytes', () => {
  test('firstNonBlank skips exactly what trimStart drops from latin1 text, within its limit', () => {
    for (let b = 0; b < 256; b++) {
      const head = Buffer.from([b, b, 0x41]);
      const kept = head.toString('latin1').trimStart().length;
      expect(firstNonBlank(head, 10)).toBe(head.length - kept);
    }
    expect(firstNonBlank(Buffer.alloc(50, 0x20), 10)).toBe(10);
    expect(firstNonBlank(Buffer.alloc(5, 0x20), 10)).toBe(5);
  });

  test('isPgpArmor and sniffAge give their string forms\' answers', () => {
    const heads = [...edgeHeads(), ...randomHeads(20_000)];
    let armored = 0;
    for (const head of heads) {
      expect(isPgpArmor(head)).toBe(armorByString(head));
      expect(sniffAge(head)).toBe(ageByString(head));
      if (armorByString(head)) armored++;
    }
    expect(armored).toBeGreaterThan(50);
  });

  test('binary OpenPGP: only a session-key packet opens a message, in either header format', () => {
    // Old format: tag in bits 5-2, a one-byte length. PKESK (1) version 3, then SED (9).
    const oldFormat = Buffer.concat([Buffer.from([0x80 | (1 << 2), 4, 3, 0, 0, 0]), Buffer.from([0x80 | (9 << 2), 3, 1, 2, 3])]);
    expect(readPgpPackets(oldFormat, false)?.tags).toEqual([1, 9]);
    // New format: SKESK (3) version 4 with AES-256, then SEIPD (18).
    const newFormat = Buffer.concat([Buffer.from([0xc0 | 3, 4, 4, 9, 0, 0]), Buffer.from([0xc0 | 18, 2, 1, 0])]);
    expect(readPgpPackets(newFormat, false)).toMatchObject({ tags: [3, 18], passphrase: true, cipher: 'aes-256' });
    // Encrypted data first is an armored body's shape, not a binary file's.
    const dataFirst = Buffer.from([0xc0 | 18, 2, 1, 0]);
    expect(readPgpPackets(dataFirst, false)).toBeNull();
    expect(readPgpPackets(dataFirst, true)?.tags).toEqual([18]);
    // JPEG and PNG heads: bit 7 set, not a session key.
    expect(readPgpPackets(Buffer.from('ffd8ffe000104a464946', 'hex'), false)).toBeNull();
    expect(readPgpPackets(Buffer.from('89504e470d0a1a0a', 'hex'), false)).toBeNull();
  });
});
