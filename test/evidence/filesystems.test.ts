/**
 * File-system conformance against The Sleuth Kit: for every corpus image with an ext or FAT file
 * system, our listing as bodyfile lines equals `fls -r -p -m /` (*.expected.fls*.body) except TSK's
 * virtual entries ($OrphanFiles, $MBR, $FAT1/2, the volume label entry; docs/images.md), and the
 * content of every regular file equals `icat`.
 */
import { afterAll, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { removeTree, tempDir } from '../hazards/helpers.js';
import { bodyfile, walkFs } from '../../src/evidence/image/bodyfile.js';
import { openDiskImage } from '../../src/evidence/image/index.js';
import { corpusAvailable, corpusPath, toolAvailable, describeIf, CORPUS_MISSING, toolMissing } from '../helpers/corpus.js';
import { tskComparable } from './tsk.js';

const HAVE = corpusAvailable();
const HAVE_ICAT = HAVE && toolAvailable('icat') && toolAvailable('ewfexport');

interface FsCase {
  file: string;
  offsetSectors: number;
  kind: string;
  body: string;
}

/** Rows of IMAGES_SUMMARY with Ext/FAT file systems, and where their fls bodyfile is. */
function cases(): FsCase[] {
  const out: FsCase[] = [];
  for (const line of readFileSync(corpusPath('images', 'IMAGES_SUMMARY.expected.tsv'), 'utf8').trim().split('\n').slice(1)) {
    const c = line.split('\t');
    if (!c[0]!.startsWith('images/')) continue;
    for (const m of (c[10] ?? '').matchAll(/(Ext[234]|FAT1[26]|FAT32)@(\d+)/g)) {
      const off = Number(m[2]);
      const body = corpusPath(`${c[0]}.expected.fls${off || c[9] ? `-o${off}` : ''}.body`);
      out.push({ file: c[0]!, offsetSectors: off, kind: m[1]!, body: existsSync(body) ? body : corpusPath(`${c[0]}.expected.fls.body`) });
    }
  }
  return out;
}


function volumeOf(file: string, offsetSectors: number) {
  const img = openDiskImage(corpusPath(file));
  const v = img.volumes.find((x) => x.offset === offsetSectors * 512);
  return { img, v };
}

describeIf(HAVE, CORPUS_MISSING)('corpus file systems agree with fls', () => {
  const list = HAVE ? cases() : [];
  test('the summary lists ext and FAT file systems', () => {
    expect(list.filter((c) => c.kind.startsWith('Ext')).length).toBeGreaterThanOrEqual(12);
    expect(list.filter((c) => c.kind.startsWith('FAT')).length).toBeGreaterThanOrEqual(4);
  });
  for (const c of list) {
    test(`${c.file} @${c.offsetSectors} (${c.kind}): bodyfile = fls -r -p -m`, () => {
      const { img, v } = volumeOf(c.file, c.offsetSectors);
      try {
        expect(v?.fs).toBeTruthy();
        const ours = tskComparable(bodyfile(v!.fs!));
        const theirs = tskComparable(readFileSync(c.body, 'utf8').trim().split('\n'));
        expect(ours).toEqual(theirs);
      } finally {
        img.close();
      }
    });
  }
});

describeIf(HAVE_ICAT, HAVE ? toolMissing('icat or ewfexport') : CORPUS_MISSING)('corpus file content agrees with icat', () => {
  const list = HAVE_ICAT ? cases() : [];
  const cleanups: Array<() => void> = [];
  afterAll(() => cleanups.forEach((f) => f()));
  for (const c of list) {
    test(`${c.file} @${c.offsetSectors}: every live regular file = icat`, () => {
      const { img, v } = volumeOf(c.file, c.offsetSectors);
      try {
        const media = img.image.media;
        // icat reads raw media; containers are decoded by us and checked against the reference hashes elsewhere
        const raw = Buffer.alloc(media.size);
        for (let p = 0; p < media.size; p += 4 << 20) media.read(p, 4 << 20).copy(raw, p);
        const tmp = tempDir('icat');
        const rawFile = path.join(tmp, 'media.raw');
        writeFileSync(rawFile, raw);
        cleanups.push(() => removeTree(tmp));
        let compared = 0;
        for (const e of walkFs(v!.fs!)) {
          if (e.type !== 'file' || e.deleted) continue;
          const ours = v!.fs!.open(e).read(0, e.size);
          const theirs = execFileSync('icat', ['-o', String(c.offsetSectors), '-f', c.kind.startsWith('FAT') ? 'fat' : 'ext', rawFile, e.id], { maxBuffer: 64 << 20 });
          expect(ours.equals(theirs)).toBe(true);
          compared++;
        }
        const expectedFiles = readFileSync(c.body, 'utf8').split('\n').filter((l) => /\|r\/r/.test(l) && !l.includes('(deleted') && !l.includes('(Volume Label Entry)')).length;
        expect(compared).toBe(expectedFiles);
      } finally {
        img.close();
      }
    }, 60_000);
  }
});
