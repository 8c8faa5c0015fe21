/**
 * NTFS volume reader vs The Sleuth Kit on the corpus images: every fls -r -p -m row we model (names,
 * entries, sizes, $SI and $FN times) and the content of every file up to 16 MiB vs icat.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { openNtfs, type NtfsVolume } from '../../src/evidence/image/ntfs/index.js';
import { corpusAvailable, corpusPath, toolAvailable } from '../helpers/corpus.js';
import { diffRows, fileSource, gunzipSparse, ourBodyRows, readFlsBody, workDir, WORK, type BodyRow } from './helpers.js';

const haveCorpus = corpusAvailable();
const haveTsk = haveCorpus && toolAvailable('icat');

interface ImageCase {
  name: string;
  /** Path of the raw image once available (unpacked on demand). */
  prepare: () => Promise<string>;
  offsetSectors: number;
  body: string;
}

const SAMPLES = 'ntfs/ntfs-samples';
const cases: ImageCase[] = [
  { name: 'ntfs-rs/testfs1', prepare: async () => corpusPath('ntfs/ntfs-rs/testfs1'), offsetSectors: 0, body: 'ntfs/ntfs-rs/testfs1.expected.fls.body' },
  ...['ntfs-si-vs-fn', 'ntfs-lastaccess', 'ntfs-ramslack'].map((n) => ({
    name: `ntfs-samples/${n}`,
    prepare: () => gunzipSparse(corpusPath(`${SAMPLES}/${n}.raw.gz`), path.join(workDir(), `${n}.raw`)),
    offsetSectors: 128,
    body: `${SAMPLES}/${n}.raw.gz.expected.fls-o128.body`,
  })),
  {
    name: 'ntfs-samples/ntfs.tgz (Windows 20H1, 64 GiB sparse)',
    prepare: async () => {
      const dir = workDir();
      execFileSync('tar', ['-xzSf', corpusPath(`${SAMPLES}/ntfs.tgz`), '-C', dir]);
      return path.join(dir, 'ntfs.raw');
    },
    offsetSectors: 2048,
    body: `${SAMPLES}/ntfs.tgz.expected.fls-o2048.body`,
  },
];

afterAll(() => rmSync(WORK, { recursive: true, force: true }));

(haveCorpus ? describe : describe.skip)('NTFS corpus images vs fls / icat', () => {
  for (const c of cases) {
    describe(c.name, () => {
      let image = '';
      let v: NtfsVolume;
      let expected: BodyRow[];
      beforeAll(async () => {
        image = await c.prepare();
        v = openNtfs(fileSource(image, c.offsetSectors * 512));
        expected = readFlsBody(corpusPath(c.body));
      }, 120_000);

      test('every fls row (path, entry, size, $SI and $FN times) is ours and nothing else', () => {
        const ours = ourBodyRows(v);
        const { missing, extra } = diffRows(expected.filter((r) => !r.deleted), ours);
        expect({ missing, extra }).toEqual({ missing: [], extra: [] });
        expect(ours.length).toBeGreaterThan(20);
      });

      test('deleted records fls shows are in records() as not in use, with the same $SI times', () => {
        const byEntry = new Map([...v.records()].map((r) => [r.entry, r]));
        const flsDeleted = readFileSync(corpusPath(c.body), 'utf8').split('\n').filter((l) => l.includes(' (deleted)|'));
        for (const line of flsDeleted) {
          const f = line.split('|');
          const entry = Number(f[2].split('-')[0]);
          const r = byEntry.get(entry);
          expect(r?.inUse).toBe(false);
          const secs = (t: bigint | undefined): number => (t ? Number((t - 116444736000000000n) / 10000000n) : 0);
          expect([secs(r?.si?.accessed), secs(r?.si?.modified), secs(r?.si?.mftModified), secs(r?.si?.created)]).toEqual([7, 8, 9, 10].map((i) => Number(f[i])));
        }
      });

      (haveTsk ? test : test.skip)('file contents equal icat (every stream up to 16 MiB)', () => {
        let compared = 0;
        // $BadClus:$Bad is one sparse run as large as the volume: icat prints nothing for it, we read zeros (docs/ntfs.md).
        for (const row of expected.filter((r) => r.kind === 'data' && !r.deleted && (r.size ?? 0) <= 16 * 1024 * 1024 && r.path !== '/$BadClus:$Bad')) {
          const stream = row.path.slice(row.path.lastIndexOf('/')).includes(':') ? row.path.slice(row.path.lastIndexOf(':') + 1) : '';
          const ref = v.lookup(stream ? row.path.slice(0, row.path.lastIndexOf(':')) : row.path);
          expect(ref?.entry).toBe(row.entry);
          const st = v.stat(ref!);
          if (st?.data?.encrypted) continue;
          const src = v.open(ref!, stream)!;
          const ours = createHash('sha256');
          for (let p = 0; p < src.size; p += 4 * 1024 * 1024) ours.update(src.read(p, 4 * 1024 * 1024));
          // icat addresses a stream by entry-type-id; take the id from the fls row.
          const meta = readFileSync(corpusPath(c.body), 'utf8').split('\n').find((l) => l.split('|')[1] === row.path && l.split('|')[2].startsWith(`${row.entry}-128-`))!.split('|')[2];
          const theirs = execFileSync('icat', ['-o', String(c.offsetSectors), image, meta], { maxBuffer: 64 * 1024 * 1024 });
          expect({ path: row.path, sha: ours.digest('hex') }).toEqual({ path: row.path, sha: createHash('sha256').update(theirs).digest('hex') });
          compared++;
        }
        expect(compared).toBeGreaterThan(3);
      }, 120_000);
    });
  }
});
