/**
 * NTFS volume reader vs The Sleuth Kit on the corpus images: every fls -r -p -m row we model (names,
 * entries, sizes, $SI and $FN times) and the content of every file up to 16 MiB vs icat.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { openNtfs, type NtfsRef, type NtfsVolume } from '../../src/evidence/image/ntfs/index.js';
import { walkUsnJournal } from '../../src/artifacts/ntfs/usn.js';
import { CORPUS_MISSING, corpusAvailable, corpusPath, describeIf, testIf, toolAvailable, toolMissing } from '../helpers/corpus.js';
import { gunzipSync } from 'node:zlib';
import { diffRows, fileSource, fsntfsTime, gunzipSparse, ourBodyRows, parseFsntfsinfoEntries, readFlsBody, workDir, WORK, type BodyRow } from './helpers.js';

const haveCorpus = corpusAvailable();
const haveTsk = haveCorpus && toolAvailable('icat');

interface ImageCase {
  name: string;
  /** Path of the raw image once available (unpacked on demand). */
  prepare: () => Promise<string>;
  offsetSectors: number;
  /** fls -r -p -m output; absent where TSK cannot open the volume. */
  body?: string;
  /** fsntfsinfo -E all output (gzip). */
  entries: string;
}

const SAMPLES = 'ntfs/ntfs-samples';
const cases: ImageCase[] = [
  { name: 'ntfs-rs/testfs1', prepare: async () => corpusPath('ntfs/ntfs-rs/testfs1'), offsetSectors: 0, body: 'ntfs/ntfs-rs/testfs1.expected.fls.body', entries: 'ntfs/ntfs-rs/testfs1.expected.fsntfsinfo-E-all.txt.gz' },
  ...['ntfs-si-vs-fn', 'ntfs-lastaccess', 'ntfs-ramslack', 'ntfs-2m'].map((n) => ({
    name: `ntfs-samples/${n}`,
    prepare: () => gunzipSparse(corpusPath(`${SAMPLES}/${n}.raw.gz`), path.join(workDir(), `${n}.raw`)),
    offsetSectors: 128,
    // TSK 4.11 cannot open the 2 MiB-cluster volume: only libfsntfs expectations exist for it.
    body: n === 'ntfs-2m' ? undefined : `${SAMPLES}/${n}.raw.gz.expected.fls-o128.body`,
    entries: `${SAMPLES}/${n}.raw.gz.expected.fsntfsinfo-E-all-o128.txt.gz`,
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
    entries: `${SAMPLES}/ntfs.tgz.expected.fsntfsinfo-E-all-o2048.txt.gz`,
  },
];

afterAll(() => rmSync(WORK, { recursive: true, force: true }));

describeIf(haveCorpus, CORPUS_MISSING)('NTFS corpus images vs fls / icat', () => {
  for (const c of cases) {
    describe(c.name, () => {
      let image = '';
      let v: NtfsVolume;
      let expected: BodyRow[];
      beforeAll(async () => {
        image = await c.prepare();
        v = openNtfs(fileSource(image, c.offsetSectors * 512));
        expected = c.body ? readFlsBody(corpusPath(c.body)) : [];
      }, 120_000);

      test('every MFT entry, in use or not, agrees with fsntfsinfo -E all (allocation, references, $SI, every $FN, streams)', () => {
        const theirs = parseFsntfsinfoEntries(gunzipSync(readFileSync(corpusPath(c.entries))).toString('utf8'));
        const ours = new Map([...v.records()].map((r) => [r.entry, r]));
        const differ: string[] = [];
        const t = (x: { created: bigint; modified: bigint; accessed: bigint; mftModified: bigint }) => [x.created, x.modified, x.accessed, x.mftModified].join(' ');
        for (const e of theirs) {
          const r = ours.get(e.index);
          if (e.empty) {
            if (r && (r.si || r.fileNames.length > 0)) differ.push(`${e.index}: empty for libfsntfs`);
            continue;
          }
          if (!r) {
            differ.push(`${e.index}: missing`);
            continue;
          }
          const mine = {
            allocated: r.inUse,
            ref: `${r.entry}-${r.sequence}`,
            base: r.base ? `${r.base.entry}-${r.base.sequence}` : 'Not set (0)',
            si: r.si ? t(r.si) : null,
            fn: r.fileNames.map((f) => `${f.parent.entry}-${f.parent.sequence} ${t(f)} ${f.namespace} ${f.name}`).sort(),
            data: r.streams.map((x) => `${x.name}=${x.size}`).sort(),
          };
          const si = e.attrs.find((a) => a.Type.startsWith('$STANDARD_INFORMATION'));
          const ft = (a: Record<string, string>) => [a['Creation time'], a['Modification time'], a['Access time'], a['Entry modification time']].map(fsntfsTime).join(' ');
          const their = {
            allocated: e.allocated,
            ref: e.ref,
            base: e.base,
            si: si ? ft(si) : null,
            fn: e.attrs.filter((a) => a.Type.startsWith('$FILE_NAME')).map((a) => `${a['Parent file reference']} ${ft(a)} ${/\((\d+)\)/.exec(a['Name space'])?.[1]} ${a.Name}`).sort(),
            // One line per $DATA attribute: sizes come from the first segment (VCN 0) or the resident value.
            data: e.attrs.filter((a) => a.Type.startsWith('$DATA') && (!a['Data VCN range'] || a['Data VCN range'].startsWith('0 ')) && (!a['Data VCN'] || a['Data VCN'] === '0')).map((a) => `${a.Name ?? ''}=${a['Data size'].replace(' bytes', '')}`).sort(),
          };
          if (JSON.stringify(mine) !== JSON.stringify(their)) differ.push(`${e.index}: ours ${JSON.stringify(mine)} theirs ${JSON.stringify(their)}`);
        }
        expect(differ).toEqual([]);
        expect(theirs.length).toBeGreaterThanOrEqual(256);
      });

      test('the hierarchy (paths and named streams) of fsntfsinfo -H is ours', () => {
        const hierarchyFile = c.entries.replace('-E-all', '-H').replace('.txt.gz', '.txt');
        const lines = readFileSync(corpusPath(hierarchyFile), 'utf8').split('\n').filter((l) => l.startsWith('\\'));
        // Named index streams of metafiles ($Secure:$SDH, $ObjId:$O, ...) are indexes, not $DATA: we do not list them.
        const theirs = lines.filter((l) => !/:\$(O|Q|R|SDH|SII)$/.test(l)).sort();
        const ours: string[] = [];
        const visit = (dir: NtfsRef, prefix: string): void => {
          for (const e of v.list(dir)) {
            const p = `${prefix}\\${e.name}`;
            ours.push(p);
            const st = v.stat(e.ref)!;
            for (const s of st.streams) ours.push(`${p}:${s.name}`);
            if (e.isDirectory) visit(e.ref, p);
          }
        };
        visit(v.root(), '');
        // Every line of -H is ours. We list more: files that -H shows only by their named streams ($Extend\$Quota),
        // and the children of directories whose index needs $INDEX_ALLOCATION (fsntfsinfo 20200921 stops at them;
        // fls lists them, and agrees with us above).
        const mine = new Set(ours);
        expect(theirs.filter((l) => !mine.has(l))).toEqual([]);
        expect(theirs.length).toBeGreaterThan(10);
      });

      const onlyWhere = (cond: boolean) => (cond ? test : () => undefined);
      onlyWhere(c.name.startsWith('ntfs-samples/ntfs.tgz'))('$MFT and $UsnJrnl:$J read from the volume equal the corpus extractions (icat), and the $J walks to the same 188 records', () => {
        const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
        const mft = v.open(v.lookup('/$MFT')!)!;
        expect(sha(mft.read(0, mft.size))).toBe(sha(readFileSync(corpusPath('ntfs/ntfs-samples/extracted/ntfs.raw.$MFT'))));
        const j = v.open(v.lookup('/$Extend/$UsnJrnl')!, '$J')!;
        expect(sha(j.read(0, j.size))).toBe(sha(readFileSync(corpusPath('usnjrnl/ntfs-samples/extracted/ntfs.raw.$UsnJrnl.$J'))));
        const warnings: string[] = [];
        expect([...walkUsnJournal(j, warnings)]).toHaveLength(188);
        expect(warnings).toEqual([]);
      });

      onlyWhere(c.body !== undefined)('every fls row (path, entry, size, $SI and $FN times) is ours and nothing else', () => {
        const ours = ourBodyRows(v);
        const { missing, extra } = diffRows(expected.filter((r) => !r.deleted), ours);
        expect({ missing, extra }).toEqual({ missing: [], extra: [] });
        expect(ours.length).toBeGreaterThan(20);
      });

      onlyWhere(c.body !== undefined)('deleted records fls shows are in records() as not in use, with the same $SI times', () => {
        const byEntry = new Map([...v.records()].map((r) => [r.entry, r]));
        const flsDeleted = readFileSync(corpusPath(c.body!), 'utf8').split('\n').filter((l) => l.includes(' (deleted)|'));
        for (const line of flsDeleted) {
          const f = line.split('|');
          const entry = Number(f[2].split('-')[0]);
          const r = byEntry.get(entry);
          expect(r?.inUse).toBe(false);
          const secs = (t: bigint | undefined): number => (t ? Number((t - 116444736000000000n) / 10000000n) : 0);
          expect([secs(r?.si?.accessed), secs(r?.si?.modified), secs(r?.si?.mftModified), secs(r?.si?.created)]).toEqual([7, 8, 9, 10].map((i) => Number(f[i])));
        }
      });

      if (c.body !== undefined) testIf(haveTsk, toolMissing('icat'))('file contents equal icat (every stream up to 16 MiB)', () => {
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
          const meta = readFileSync(corpusPath(c.body!), 'utf8').split('\n').find((l) => l.split('|')[1] === row.path && l.split('|')[2].startsWith(`${row.entry}-128-`))!.split('|')[2];
          const theirs = execFileSync('icat', ['-o', String(c.offsetSectors), image, meta], { maxBuffer: 64 * 1024 * 1024 });
          expect({ path: row.path, sha: ours.digest('hex') }).toEqual({ path: row.path, sha: createHash('sha256').update(theirs).digest('hex') });
          compared++;
        }
        expect(compared).toBeGreaterThan(3);
        // The layouts these comparisons exercised: LZNT1 (ramslack /1.txt) and a sparse run (testfs1 /sparse-file).
        if (c.name.endsWith('ntfs-ramslack')) expect(v.stat(v.lookup('/1.txt')!)!.data).toMatchObject({ compressed: true, resident: false, size: 6460 });
        if (c.name === 'ntfs-rs/testfs1') expect(v.stat(v.lookup('/sparse-file')!)!.data).toMatchObject({ sparse: true, size: 500005 });
      }, 120_000);
    });
  }
});
