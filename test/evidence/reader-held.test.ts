/**
 * An evidence file's source serves reads inside bytes it has already read (its head, its last read,
 * a small read's page) from memory (src/evidence/reader.ts fdSource). Observed through the file
 * changing under the open descriptor: a read served from memory still gives the bytes first read,
 * a read that reaches the file gives the new ones.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fdSource } from '../../src/evidence/reader.js';

const SIZE = 64 * 1024;
const ORIGINAL = Buffer.alloc(SIZE, 0x41);
let dir: string;
let file: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sh-reader-held-'));
  file = path.join(dir, 'evidence.bin');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An open source over a fresh copy of ORIGINAL, and a way to overwrite `length` bytes at `at` with a letter ('B' unless told). */
function opened(): { src: ReturnType<typeof fdSource>; overwrite: (at: number, length: number, letter?: string) => void; close: () => void } {
  writeFileSync(file, ORIGINAL);
  const fd = openSync(file, 'r');
  const writer = openSync(file, 'r+');
  return {
    src: fdSource(fd, SIZE, 'evidence.bin'),
    overwrite: (at, length, letter = 'B') => writeSync(writer, Buffer.alloc(length, letter), 0, length, at),
    close: () => {
      closeSync(fd);
      closeSync(writer);
    },
  };
}

const letters = (b: Buffer): string => [...new Set(b.toString('latin1'))].join('');

describe('fdSource serves reads inside what it has read from memory', () => {
  test('inside the head: the bytes first read; past it: the file', () => {
    const f = opened();
    try {
      expect(f.src.read(0, 4100)).toHaveLength(4100);
      f.overwrite(0, 8192);
      expect(letters(f.src.read(100, 64))).toBe('A');
      expect(letters(f.src.read(0, 4100))).toBe('A');
      expect(letters(f.src.read(4100, 10))).toBe('B'); // not read before
    } finally {
      f.close();
    }
  });

  test('inside the last read, and a small read takes the rest of its page', () => {
    const f = opened();
    try {
      f.src.read(20000, 14); // a record header: reads 4,096 bytes
      f.src.read(30000, 5000); // a larger read, held as the last one
      f.overwrite(20000, 20000);
      expect(letters(f.src.read(31000, 1000))).toBe('A');
      expect(letters(f.src.read(34999, 1))).toBe('A');
      expect(letters(f.src.read(35000, 1))).toBe('B'); // past the held read
      expect(letters(f.src.read(20000, 14))).toBe('B'); // held no more (the last read moved on): the file
      f.overwrite(20000, 4096, 'C');
      expect(letters(f.src.read(20014, 4082))).toBe('B'); // the page that read took
    } finally {
      f.close();
    }
  });

  test('a small read returns only what was asked, never past the size, and a changed result does not change later reads', () => {
    const f = opened();
    try {
      const tail = f.src.read(SIZE - 10, 14);
      expect(tail).toHaveLength(10);
      const head = f.src.read(0, 16);
      expect(head).toHaveLength(16);
      head.fill(0x5a); // the caller's own buffer
      expect(letters(f.src.read(0, 16))).toBe('A');
      const again = f.src.read(SIZE - 10, 4);
      again.fill(0x5a);
      expect(letters(f.src.read(SIZE - 10, 10))).toBe('A');
    } finally {
      f.close();
    }
  });

  test('a head read by another thread is served too', () => {
    writeFileSync(file, ORIGINAL);
    const fd = openSync(file, 'r');
    try {
      const src = fdSource(fd, SIZE, 'evidence.bin', Buffer.alloc(100, 0x43)); // stands for the head the main thread read
      expect(letters(src.read(10, 50))).toBe('C');
      expect(letters(src.read(50, 100))).toBe('A');
    } finally {
      closeSync(fd);
    }
  });
});
