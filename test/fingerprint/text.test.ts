/**
 * The text check settled from the head's byte histogram (made anyway for its statistics) gives
 * the verdict of its own byte scans, on heads at the edges the counts decide: control characters
 * around the 1 % limit, DEL, NUL, UTF-16 without a BOM, bytes >= 0x80 (those take the
 * scans again), and on pseudo-random mixes of all of them.
 */
import { describe, expect, test } from '@jest/globals';
import { histogramOf } from '../../src/fingerprint/entropy.js';
import { detectText } from '../../src/fingerprint/text.js';
import { xorshiftBytes } from '../helpers/random.js';

function bothWays(head: Buffer): [unknown, unknown] {
  return [detectText(head), detectText(head, histogramOf(head).counts)];
}

const prose = (n: number): Buffer => Buffer.from('Collected files were staged in C:\\Users\\Public\\tmp, 2024-03-01.\r\n'.repeat(Math.ceil(n / 66))).subarray(0, n);

function withBytes(base: Buffer, byte: number, every: number): Buffer {
  const out = Buffer.from(base);
  for (let i = every - 1; i < out.length; i += every) out[i] = byte;
  return out;
}

describe('text check from the head byte counts', () => {
  const cases: Record<string, Buffer> = {
    'plain ASCII prose': prose(4100),
    'INI text': Buffer.from('[General]\r\nName=x\r\nPath=C:\\\\Temp\r\n[More]\r\nA=1\r\n'),
    'CSV text': Buffer.from('a,b,c\n1,2,3\n4,5,6\n7,8,9\n'),
    'controls just under 1 %': withBytes(prose(4100), 0x01, 101),
    'controls just over 1 %': withBytes(prose(4100), 0x01, 99),
    'DEL just over 1 %': withBytes(prose(4100), 0x7f, 99),
    'allowed controls (tab, FF, ESC) only': withBytes(withBytes(prose(4100), 0x09, 7), 0x1b, 13),
    'one NUL': withBytes(prose(4100), 0x00, 4000),
    'UTF-16LE without BOM': Buffer.from('staged archive list\r\n'.repeat(100), 'utf16le'),
    'UTF-16BE without BOM': Buffer.from('staged archive list\r\n'.repeat(100), 'utf16le').swap16(),
    'UTF-8 prose': Buffer.from('Übersicht der gesammelten Dateien – März\n'.repeat(60)),
    '8-bit Latin-1 prose': Buffer.from('Résumé des fichiers collectés\n'.repeat(60), 'latin1'),
    'UTF-8 with BOM': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), prose(1000)]),
    'short head': Buffer.from('ok'),
    // Structure at the edges of what structureOf reads: blanks, brackets, the eighth line, 64 bytes.
    'JSON after a bracket and many blank lines': Buffer.from(`{${'\r\n'.repeat(40)}   "staged": true}`),
    'a bracket and only blanks after it': Buffer.from(`[${' \n'.repeat(200)}`),
    'long leading blanks, then INI': Buffer.from(`${' \t\r\n'.repeat(300)}[General]\nA=1\nB=2\n`),
    // Blank and comment lines are skipped, so the eighth raw line is the fifth pair checked.
    'INI whose eighth line decides': Buffer.from('[section]\n\n; a comment line\nalpha=1111111111\nbeta=2222222222\ngamma=3333333333\ndelta=4444444444\nnot a pair\n' + 'x'.repeat(3000)),
    'CSV over exactly eight CRLF lines, then prose': Buffer.from('a,b,c\r\n1,2,3\r\n4,5,6\r\n7,8,9\r\n1,2,3\r\n4,5,6\r\n7,8,9\r\n1,2,3\r\n' + 'prose, prose\n'.repeat(100)),
    'fewer than eight lines, one very long': Buffer.from(`key=value\n${'y'.repeat(3900)}\nz=1`),
    'XML declaration past 64 blanks': Buffer.from(`${' '.repeat(100)}<?xml version="1.0"?><a/>`),
    'shebang after blank lines': Buffer.from('\n\n\n#!/bin/sh\ntar czf /tmp/x.tgz /home\n'),
  };
  for (const [label, head] of Object.entries(cases)) {
    test(label, () => {
      const [scanned, counted] = bothWays(head);
      expect(counted).toEqual(scanned);
    });
  }

  test('the edge cases above include text and not text', () => {
    const verdicts = Object.values(cases).map((head) => detectText(head, histogramOf(head).counts) !== null);
    expect(verdicts).toContain(true);
    expect(verdicts).toContain(false);
  });

  test('pseudo-random ASCII texts built from structured lines, blanks and brackets', () => {
    const pieces = ['[Section]', 'key=value', 'a,b,c', '1;2;3', '{', '[', '"k": 1,', '}', '#!/bin/sh', '<?xml version="1.0"?>', '<html>', '; comment', '', ' ', '\t', 'plain prose line', 'Windows Registry Editor Version 5.00'];
    const seen = new Set<string>();
    for (let seed = 1; seed <= 3000; seed++) {
      const noise = xorshiftBytes(64, seed);
      const lines: string[] = [];
      // A quarter of them tables (every line three fields), the rest any mix.
      const from = noise[62]! % 4 === 0 ? ['a,b,c', '1,2,3', 'x,y,z', ''] : pieces;
      for (let k = 0; k < 2 + (noise[0]! % 14); k++) lines.push((noise[k + 1]! % 5 === 0 ? ' '.repeat(noise[k + 20]! % 90) : '') + from[noise[k + 40]! % from.length]!);
      const head = Buffer.from(lines.join(noise[63]! % 2 ? '\r\n' : '\n')).subarray(0, 4100);
      const [scanned, counted] = bothWays(head);
      if (JSON.stringify(counted) !== JSON.stringify(scanned)) throw new Error(`seed ${seed}: ${JSON.stringify(counted)} against ${JSON.stringify(scanned)}`);
      if (scanned) seen.add((scanned as { format: string }).format);
    }
    // The mixes reach every structure the check names, so each branch was compared.
    expect([...seen].sort()).toEqual(['csv', 'html', 'ini', 'json', 'reg', 'script', 'txt', 'xml']);
  });

  test('pseudo-random mixes of prose, controls, NUL and high bytes', () => {
    let text = 0;
    for (let seed = 1; seed <= 3000; seed++) {
      const noise = xorshiftBytes(4100, seed);
      const head = prose(4100);
      // A few hundred changed bytes at most, drawn from the bytes the counts look at.
      const changes = noise[0]! % 64;
      const pool = [0x00, 0x01, 0x08, 0x09, 0x0c, 0x1b, 0x1f, 0x7f, 0x80, 0xc3, 0xa9, 0xff];
      for (let k = 0; k < changes; k++) head[((noise[2 * k + 1]! << 8) | noise[2 * k + 2]!) % head.length] = pool[noise[200 + k]! % pool.length]!;
      const [scanned, counted] = bothWays(head);
      if (JSON.stringify(counted) !== JSON.stringify(scanned)) throw new Error(`seed ${seed}: ${JSON.stringify(counted)} against ${JSON.stringify(scanned)}`);
      if (scanned) text++;
    }
    // Both verdicts occur, so the comparison covered each side.
    expect(text).toBeGreaterThan(100);
    expect(text).toBeLessThan(3000);
  });
});
