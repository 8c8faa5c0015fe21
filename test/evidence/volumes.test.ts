/**
 * Partition tables against mmls: for every corpus disk with an mmls expectation, the allocated
 * slots (start, length, description) equal ours; hostile tables (EBR loops, huge GPT counts) end.
 */
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { bufferSource } from '../../src/util/byte-source.js';
import { openImage } from '../../src/evidence/image/container/index.js';
import { readVolumeLayout } from '../../src/evidence/image/volume/index.js';
import { corpusAvailable, corpusPath, describeIf, CORPUS_MISSING } from '../helpers/corpus.js';
import { cpuClock } from '../helpers/cpu.js';

const HAVE = corpusAvailable();

function mmlsFiles(): string[] {
  const out: string[] = [];
  for (const dir of ['dfvfs', 'plaso', 'gpt-rs']) for (const f of readdirSync(corpusPath('images', dir))) if (f.endsWith('.expected.mmls.txt')) out.push(path.join('images', dir, f));
  return out;
}

/** mmls rows of real partitions: slot like `000:000` or `004`, never Meta or unallocated. */
export function mmlsPartitions(text: string): Array<{ slot: string; start: number; length: number; description: string }> {
  const rows = [];
  for (const line of text.split('\n')) {
    const m = /^\d{3}:\s+(\d{3}(?::\d{3})?)\s+(\d+)\s+(\d+)\s+(\d+)\s*(.*)$/.exec(line);
    if (m) rows.push({ slot: m[1]!, start: Number(m[2]), length: Number(m[4]), description: m[5]!.trim() });
  }
  return rows;
}

describeIf(HAVE, CORPUS_MISSING)('partition tables agree with mmls', () => {
  const files = HAVE ? mmlsFiles() : [];
  test('the corpus has MBR and GPT disks', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });
  for (const f of files) {
    test(f, () => {
      const img = openImage(corpusPath(f.replace('.expected.mmls.txt', '')));
      try {
        const layout = readVolumeLayout(img.media);
        const text = readFileSync(corpusPath(f), 'utf8');
        expect(layout.scheme).toBe(text.startsWith('GUID') ? 'gpt' : 'mbr');
        const ours = layout.partitions.map((p) => ({ slot: p.slot, start: p.startSector, length: p.sectors, description: p.description }));
        expect(ours).toEqual(mmlsPartitions(text));
        expect(layout.warnings).toEqual([]);
      } finally {
        img.close();
      }
    });
  }
});

describe('hostile partition tables end with warnings', () => {
  const mbr = (entries: Array<[number, number, number]>): Buffer => {
    const s = Buffer.alloc(512);
    entries.forEach(([type, start, len], i) => {
      s[446 + 16 * i + 4] = type;
      s.writeUInt32LE(start, 446 + 16 * i + 8);
      s.writeUInt32LE(len, 446 + 16 * i + 12);
    });
    s[510] = 0x55;
    s[511] = 0xaa;
    return s;
  };
  test('an extended chain pointing back to itself', () => {
    const disk = Buffer.alloc(512 * 64);
    mbr([[0x05, 10, 50]]).copy(disk, 0);
    mbr([[0x83, 1, 5], [0x05, 0, 50]]).copy(disk, 10 * 512); // next EBR = itself
    const l = readVolumeLayout(bufferSource(disk));
    expect(l.partitions.map((p) => p.startSector)).toEqual([11]);
    expect(l.warnings.join(' ')).toMatch(/loops/);
  });
  test('a GPT claiming 4 billion entries of 128 bytes', () => {
    const disk = Buffer.alloc(512 * 40);
    mbr([[0xee, 1, 39]]).copy(disk, 0);
    const h = Buffer.alloc(92);
    h.write('EFI PART', 0, 'latin1');
    h.writeBigUInt64LE(2n, 72);
    h.writeUInt32LE(0xffffffff, 80);
    h.writeUInt32LE(128, 84);
    h.copy(disk, 512);
    const e = Buffer.alloc(128, 1);
    e.writeBigUInt64LE(34n, 32);
    e.writeBigUInt64LE(35n, 40);
    e.copy(disk, 1024);
    const started = cpuClock();
    const l = readVolumeLayout(bufferSource(disk));
    expect(started()).toBeLessThan(5000);
    expect(l.scheme).toBe('gpt');
    expect(l.partitions[0]!.startSector).toBe(34);
    expect(l.warnings.join(' ')).toMatch(/4294967295 entries claimed|outside the disk/);
  });
});
