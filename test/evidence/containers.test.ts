/**
 * Container conformance: the logical media of every corpus container (EWF, split raw, raw, VHD,
 * VMDK, QCOW2) hashes to the sha256/md5 the reference tools produced (images/*.expected.media.json,
 * from ewfexport / qemu-img convert / libyal). Large media are hashed streamed.
 */
import { expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { openImage } from '../../src/evidence/image/container/index.js';
import { LIMITS } from '../../src/util/limits.js';
import { corpusAvailable, corpusPath, describeIf, CORPUS_MISSING } from '../helpers/corpus.js';

const HAVE = corpusAvailable();
interface Row {
  file: string;
  container: string;
  size: number;
  sha256: string;
  md5: string;
}
function rows(): Row[] {
  const lines = readFileSync(corpusPath('images', 'IMAGES_SUMMARY.expected.tsv'), 'utf8').trim().split('\n').slice(1);
  return lines
    .map((l) => l.split('\t'))
    .filter((c) => c[0]!.startsWith('images/'))
    .map((c) => ({ file: c[0]!, container: c[1]!, size: Number(c[4]), sha256: c[5]!, md5: c[6]! }));
}

export function mediaHashes(file: string): { format: string; size: number; sha256: string; md5: string; warnings: string[] } {
  const img = openImage(file);
  try {
    const sha = createHash('sha256');
    const md5 = createHash('md5');
    for (let p = 0; p < img.media.size; p += 4 << 20) {
      const b = img.media.read(p, 4 << 20);
      sha.update(b);
      md5.update(b);
    }
    return { format: img.format, size: img.media.size, sha256: sha.digest('hex'), md5: md5.digest('hex'), warnings: img.warnings };
  } finally {
    img.close();
  }
}

const FORMAT: Record<string, string> = { E01: 'ewf', vhd: 'vhd', vmdk: 'vmdk', qcow2: 'qcow2', '000': 'split-raw', raw: 'raw', img: 'raw', ext4: 'raw' };

describeIf(HAVE, CORPUS_MISSING)('corpus containers decode to the reference media', () => {
  const list = HAVE ? rows() : [];
  test('the summary lists the corpus containers', () => {
    expect(list.length).toBeGreaterThanOrEqual(20);
  });
  for (const r of list) {
    test(`${r.file}: ${r.container} media sha256/md5 and size`, () => {
      const got = mediaHashes(corpusPath(r.file));
      expect(got.format).toBe(FORMAT[r.container]);
      expect(got.size).toBe(r.size);
      expect(got.sha256).toBe(r.sha256);
      expect(got.md5).toBe(r.md5);
    }, 120_000);
  }
});

describeIf(HAVE, CORPUS_MISSING)('EWF chunks read in any order', () => {
  const list = HAVE ? rows().filter((r) => r.container === 'E01') : [];
  test('the corpus has EWF images, one of them in several segments', () => {
    expect(list.length).toBeGreaterThanOrEqual(3);
    expect(list.some((r) => r.file.includes('split'))).toBe(true);
  });
  for (const r of list) {
    test(`${r.file}: every chunk read in a shuffled order, with room for one table's entries, hashes to the reference`, () => {
      const limits = LIMITS as { ewfTableEntriesKept: number }; // read-only to the code, not at run time
      const kept = limits.ewfTableEntriesKept;
      limits.ewfTableEntriesKept = 8; // fewer than a table holds: every table read again after another
      const img = openImage(corpusPath(r.file));
      try {
        const chunk = 32 * 1024;
        const count = Math.ceil(img.media.size / chunk);
        const order = Array.from({ length: count }, (_, i) => (i * 7919) % count);
        expect(new Set(order).size).toBe(count);
        const parts = new Array<Buffer>(count);
        for (const c of order) parts[c] = Buffer.from(img.media.read(c * chunk, chunk));
        expect(createHash('sha256').update(Buffer.concat(parts)).digest('hex')).toBe(r.sha256);
        expect(img.warnings).toEqual([]);
      } finally {
        img.close();
        limits.ewfTableEntriesKept = kept;
      }
    });
  }
});
