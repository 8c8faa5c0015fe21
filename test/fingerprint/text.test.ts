/**
 * The text check settled from an ASCII head's control count, made four bytes at a time (`asciiControlCount`),
 * gives the verdict of its own byte scans, on heads at the edges the counts decide: control
 * characters around the 1 % limit, DEL, NUL, UTF-16 without a BOM, bytes >= 0x80 (those take the
 * scans again), and on pseudo-random mixes of all of them, read aligned and not; the counts
 * themselves against a byte-by-byte count. Then the structure of a text head, read from the part of
 * it the checks need, against the checks as first written on the whole head.
 */
import { describe, expect, test } from '@jest/globals';
import { asciiControlCount, detectText } from '../../src/fingerprint/text.js';
import { xorshiftBytes } from '../helpers/random.js';

/** `bytes` at `offset` bytes past the start of a buffer of their own (0: aligned for a word view). */
function at(bytes: Uint8Array, offset: number): Buffer {
  const out = Buffer.from(new ArrayBuffer(bytes.length + offset), offset, bytes.length);
  out.set(bytes);
  return out;
}

/** The check's own scans, and from the counts read aligned and a byte off. */
function bothWays(head: Buffer): [unknown, unknown] {
  const scanned = detectText(head);
  const aligned = at(head, 0);
  const counted = detectText(aligned, asciiControlCount(aligned));
  const shifted = at(head, 1);
  const countedShifted = detectText(shifted, asciiControlCount(shifted));
  if (JSON.stringify(countedShifted) !== JSON.stringify(counted)) throw new Error(`unaligned ${JSON.stringify(countedShifted)} against ${JSON.stringify(counted)}`);
  return [scanned, counted];
}

const ALLOWED_CONTROLS = new Set([9, 10, 12, 13, 27]);

/** What asciiControlCount must give, a byte at a time. */
function countedByteByByte(head: Uint8Array): number | undefined {
  let controls = 0;
  for (const b of head) {
    if (b === 0 || b >= 0x80) return undefined;
    if ((b < 0x20 && !ALLOWED_CONTROLS.has(b)) || b === 0x7f) controls++;
  }
  return controls;
}

describe('asciiControlCount', () => {
  test('equals a byte-by-byte count on pseudo-random heads of every length mod 4, at every offset mod 4', () => {
    // Printable ASCII with controls, DEL and spaces; a third of the heads get one zero or high byte somewhere.
    const controls = [0x01, 0x08, 0x09, 0x0a, 0x0c, 0x0d, 0x1b, 0x1f, 0x20, 0x7e, 0x7f];
    const breakers = [0x00, 0x80, 0xff];
    let ascii = 0;
    let controlled = 0;
    for (let seed = 1; seed <= 4000; seed++) {
      const noise = xorshiftBytes(4100, seed);
      const length = seed % 7 === 0 ? 4100 - (seed % 4) : noise[0]! % 300;
      const head = Buffer.alloc(length);
      for (let i = 0; i < length; i++) head[i] = noise[i]! % 11 === 0 ? controls[noise[(i + 1) % noise.length]! % controls.length]! : 0x21 + (noise[i]! % 0x5d);
      if (length > 0 && noise[1]! % 3 === 0) head[(noise[2]! * 17) % length] = breakers[noise[3]! % breakers.length]!;
      const expected = countedByteByByte(head);
      for (let offset = 0; offset < 4; offset++) expect(asciiControlCount(at(head, offset))).toEqual(expected);
      if (expected !== undefined) ascii++;
      if (expected !== undefined && expected > 0) controlled++;
    }
    // Both answers occur, and counts above zero, so each branch was compared.
    expect(ascii).toBeGreaterThan(500);
    expect(ascii).toBeLessThan(4000);
    expect(controlled).toBeGreaterThan(300);
  });

  test('a word with every byte a control or DEL, and the words around the borrows', () => {
    for (const bytes of [[0x1f, 0x20, 0x20, 0x20], [0x20, 0x1f, 0x20, 0x21], [0x7f, 0x7f, 0x7f, 0x7f], [0x01, 0x02, 0x03, 0x04], [0x20, 0x20, 0x20, 0x1f], [0x7e, 0x7f, 0x80, 0x20], [0x21, 0x20, 0x00, 0x41]]) {
      const head = Buffer.from([...bytes, ...bytes, 0x41, 0x41, 0x41]);
      for (let offset = 0; offset < 4; offset++) expect(asciiControlCount(at(head, offset))).toEqual(countedByteByByte(head));
    }
  });
});

const prose = (n: number): Buffer => Buffer.from('Collected files were staged in C:\\Users\\Public\\tmp, 2024-03-01.\r\n'.repeat(Math.ceil(n / 66))).subarray(0, n);

function withBytes(base: Buffer, byte: number, every: number): Buffer {
  const out = Buffer.from(base);
  for (let i = every - 1; i < out.length; i += every) out[i] = byte;
  return out;
}

describe('text check from an ASCII head\'s counts', () => {
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
    const verdicts = Object.values(cases).map((head) => detectText(head, asciiControlCount(head)) !== null);
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

/**
 * The structure checks as first written, on the whole decoded head (a regular expression's split,
 * a filter, toLowerCase): the reference for detectText, which decodes only what they read.
 */
function structureAsFirstWritten(text: string): string {
  const trimmed = text.replace(/^\s+/, '');
  const lower = trimmed.slice(0, 64).toLowerCase();
  if (/^(windows registry editor version 5\.00|regedit4)/i.test(trimmed)) return 'reg';
  if (lower.startsWith('<?xml')) return 'xml';
  if (lower.startsWith('<!doctype html') || lower.startsWith('<html')) return 'html';
  if (/^[{[]\s*["{[\]}0-9tfn-]/.test(trimmed)) return 'json';
  if (trimmed.startsWith('#!')) return 'script';
  const lines = trimmed.split(/\r?\n/, 8);
  const meaningful = lines.filter((l) => l.trim() && !/^\s*[;#]/.test(l));
  const ini = meaningful.length >= 2 && /^\s*\[[^\]\r\n]+\]\s*$/.test(meaningful[0]!) && meaningful.slice(1, 6).every((l) => /^\s*\[[^\]]+\]\s*$/.test(l) || /^[^=\r\n]+=/.test(l));
  if (ini) return 'ini';
  const sample = lines.slice(0, 5);
  const csv = lines.length >= 3 && [',', ';', '\t'].some((d) => sample[0]!.split(d).length - 1 >= 2 && sample.every((l) => l.split(d).length === sample[0]!.split(d).length));
  return csv ? 'csv' : 'txt';
}

/** The head decoded whole, as the text check named its encoding. */
function decodedWhole(head: Buffer, encoding: string): string {
  if (encoding === 'utf-8') return head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? head.toString('utf8', 3) : head.toString('utf8');
  return head.toString('latin1');
}

function expectFirstWrittenStructure(head: Buffer, label: string): string | null {
  const found = detectText(head, asciiControlCount(head));
  if (!found || found.encoding.startsWith('utf-16')) return null;
  const expected = structureAsFirstWritten(decodedWhole(head, found.encoding));
  if (found.format !== expected) throw new Error(`${label}: ${found.format} against ${expected} for ${JSON.stringify(head.toString('latin1', 0, 300))}`);
  return expected;
}

describe('text structure read from the part of the head the checks need', () => {
  const edges: Record<string, string> = {
    'a JSON bracket, then blank lines past the eighth': `{${'\n'.repeat(30)}"k": 1}`,
    'a JSON bracket, then blanks to the end': `[${' \n'.repeat(3000)}`,
    'blank lines before the first character, more than eight': `${'\r\n'.repeat(20)}[General]\nA=1\nB=2\n`,
    'eight short lines, then a long one': `a,b,c\n1,2,3\n4,5,6\n7,8,9\n1,2,3\n4,5,6\n7,8,9\n1,2,3\n${'x'.repeat(3000)}`,
    'carriage returns alone and doubled before line feeds': 'a,b,c\r\r\n1,2,3\r1,2\n4,5,6\n',
    'Unicode blanks before an XML declaration': '\u00a0\u3000\ufeff <?XML version="1.0"?>',
    'a dotted capital I before a doctype': '\u0130<!doctype html>',
    'INI whose sixth pair is past the eighth line': `[s]\n\n\n; c\n# c\na=1\nb=2\nc=3\nd=4\nno pair here\n`,
    'an INI section first, then prose': '[s]\nprose without a pair\n',
  };
  for (const [label, text] of Object.entries(edges)) {
    test(label, () => {
      for (const head of [Buffer.from(text), Buffer.from(text, 'latin1').subarray(0, 4100)]) expectFirstWrittenStructure(head.subarray(0, 4100), label);
    });
  }

  test('pseudo-random texts of structured lines, blank runs and line ends of every kind', () => {
    const pieces = ['[Section]', ' [S]', '[a]b]', 'key=value', 'a,b,c', '1;2;3', 'x\ty\tz', '{', '[', '"k": 1,', '}', '#!/bin/sh', '<?XML version="1.0"?>', '<!DOCTYPE html>', '<html>', '; comment', '# c', '', ' ', '\u00a0', '\u3000', 'prose line', 'Windows Registry Editor Version 5.00', 'REGEDIT4', 'Übersicht – März', 'İ', 'x'.repeat(300)];
    const ends = ['\n', '\r\n', '\r', '\r\r\n', ' \n'];
    const seen = new Set<string>();
    for (let seed = 1; seed <= 4000; seed++) {
      const noise = xorshiftBytes(128, seed);
      const from = noise[0]! % 4 === 0 ? ['a,b,c', '1,2,3', '[s]', 'k=v', ''] : pieces;
      let text = noise[1]! % 4 === 0 ? ' \n'.repeat(noise[2]! % 24) : '';
      for (let k = 0; k < 1 + (noise[3]! % 40); k++) text += from[noise[4 + k]! % from.length]! + ends[noise[50 + k]! % 4 === 0 ? noise[90 + (k % 30)]! % ends.length : 0]!;
      if (noise[127]! % 3 === 0) text += '\n'.repeat(noise[126]! * 20);
      const head = Buffer.from(text, noise[125]! % 3 === 0 ? 'latin1' : 'utf8').subarray(0, 4100);
      const format = expectFirstWrittenStructure(head, `seed ${seed}`);
      if (format) seen.add(format);
    }
    expect([...seen].sort()).toEqual(['csv', 'html', 'ini', 'json', 'reg', 'script', 'txt', 'xml']);
  });
});
