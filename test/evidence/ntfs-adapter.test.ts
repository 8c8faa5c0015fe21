/**
 * The NTFS reader behind EvidenceFs: an NTFS volume inside a QCOW2 container (plaso vsstest.qcow2,
 * Windows 7 with a VSS store) lists the same files with the same sizes and $STANDARD_INFORMATION
 * times as `fls -r -p -m` (its $DATA lines), named streams appear as streams, $FILE_NAME times are kept.
 */
import { expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { walkFs } from '../../src/evidence/image/bodyfile.js';
import { openDiskImage } from '../../src/evidence/image/index.js';
import { corpusAvailable, corpusPath, describeIf, CORPUS_MISSING } from '../helpers/corpus.js';

const HAVE = corpusAvailable();
const sec = (t?: { sec: number }): number => (t ? t.sec : 0);

describeIf(HAVE, CORPUS_MISSING)('NTFS through EvidenceFs', () => {
  test.each(['images/plaso/vsstest.qcow2', 'ntfs/ntfs-rs/testfs1'])('%s: files, sizes and SI times = fls $DATA lines', (file) => {
    const img = openDiskImage(corpusPath(file));
    try {
      const fs = img.volumes[0]!.fs!;
      expect(fs.kind).toBe('ntfs');
      const ours = [...walkFs(fs)]
        .filter((e) => !e.deleted && !e.path.startsWith('/$'))
        .map((e) => `${e.path}|${e.type === 'directory' ? 'd' : 'r'}|${e.type === 'file' ? e.size : ''}|${sec(e.times.atime)}|${sec(e.times.mtime)}|${sec(e.times.ctime)}|${sec(e.times.crtime)}`)
        .sort();
      const theirs = readFileSync(corpusPath(`${file}.expected.fls.body`), 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split('|'))
        .filter((c) => !c[1]!.startsWith('/$') && !c[1]!.includes('($FILE_NAME)') && !c[1]!.includes('(deleted') && !/:[^/]*$/.test(c[1]!))
        .map((c) => `${c[1]}|${c[3]![0]}|${c[3]![0] === 'd' ? '' : c[6]}|${c[7]}|${c[8]}|${c[9]}|${c[10]}`)
        .sort();
      expect(ours).toEqual(theirs);
      if (file.includes('vsstest')) {
        const pw = fs.lookup('/PASSWORD.TXT')!;
        expect(pw.size).toBe(116);
        expect(fs.open(pw).read(0, 200).length).toBe(116);
        expect(pw.fnTimes?.crtime).toBeDefined();
      }
    } finally {
      img.close();
    }
  }, 60_000);

  test.each(['images/plaso/vsstest.qcow2', 'ntfs/ntfs-rs/testfs1'])('%s: $FILE_NAME times = fls ($FILE_NAME) lines; times as JSON = the times read', (file) => {
    const img = openDiskImage(corpusPath(file));
    try {
      const fs = img.volumes[0]!.fs!;
      const theirs = new Map(
        readFileSync(corpusPath(`${file}.expected.fls.body`), 'utf8')
          .trim()
          .split('\n')
          .map((l) => l.split('|'))
          .filter((c) => c[1]!.endsWith(' ($FILE_NAME)') && !c[1]!.startsWith('/$'))
          .map((c) => [c[1]!.slice(0, -' ($FILE_NAME)'.length), `${c[7]}|${c[8]}|${c[9]}|${c[10]}`]),
      );
      let compared = 0;
      for (const e of walkFs(fs)) {
        if (e.deleted || e.path.startsWith('/$')) continue;
        // Both ways the same: the getters, and JSON as a report writes an entry's times.
        const t = e.times;
        expect(JSON.parse(JSON.stringify(t))).toEqual(JSON.parse(JSON.stringify({ crtime: t.crtime, mtime: t.mtime, ctime: t.ctime, atime: t.atime })));
        const fls = theirs.get(e.path);
        if (fls === undefined) continue;
        const fn = e.fnTimes!;
        expect([e.path, `${sec(fn.atime)}|${sec(fn.mtime)}|${sec(fn.ctime)}|${sec(fn.crtime)}`]).toEqual([e.path, fls]);
        compared++;
      }
      expect(compared).toBeGreaterThanOrEqual(file.includes('vsstest') ? 5 : 3);
    } finally {
      img.close();
    }
  }, 60_000);

  test.each(['images/plaso/vsstest.qcow2', 'ntfs/ntfs-rs/testfs1'])('%s: every live file opens; $Secure and the $Extend files, which have no unnamed $DATA, are the 0-byte files they are listed as', (file) => {
    const img = openDiskImage(corpusPath(file));
    try {
      const fs = img.volumes[0]!.fs!;
      const failed: string[] = [];
      for (const e of walkFs(fs)) {
        if (e.deleted || e.type !== 'file') continue;
        try {
          expect(fs.open(e).size).toBe(e.size);
        } catch (err) {
          failed.push(`${e.path}: ${(err as Error).message}`);
        }
      }
      expect(failed).toEqual([]);
      for (const meta of ['/$Secure', '/$Extend/$ObjId', '/$Extend/$Quota', '/$Extend/$Reparse']) {
        const e = fs.lookup(meta)!;
        expect({ meta, size: e.size, read: fs.open(e).read(0, 4096).length }).toEqual({ meta, size: 0, read: 0 });
      }
      // Their named streams are still theirs, and a stream that does not exist is still an error.
      const secure = fs.lookup('/$Secure')!;
      expect(fs.open(secure, '$SDS').size).toBeGreaterThan(0);
      expect(() => fs.open(secure, 'no-such-stream')).toThrow(/no such stream/);
    } finally {
      img.close();
    }
  }, 60_000);

  test('an entry id is entry-sequence in digits (1-10 and 1-5 of them), anything else names no record', () => {
    const img = openDiskImage(corpusPath('images/plaso/vsstest.qcow2'));
    try {
      const fs = img.volumes[0]!.fs!;
      const pw = fs.lookup('/PASSWORD.TXT')!;
      expect(pw.id).toMatch(/^\d+-\d+$/);
      const [entry, sequence] = pw.id.split('-');
      expect(fs.open({ ...pw, id: `${entry}-${sequence}` }).read(0, 200).length).toBe(116);
      expect(fs.open({ ...pw, id: `000${entry}-0${sequence}` }).read(0, 200).length).toBe(116);
      for (const id of [`${entry}`, `-${sequence}`, `${entry}-`, `${entry}--${sequence}`, `${entry}-${sequence}-1`, `${entry}-${sequence}x`, ` ${entry}-${sequence}`, `\uff11-${sequence}`, `12345678901-${sequence}`, `${entry}-123456`, `${entry}.0-${sequence}`, '']) {
        let got = 'opened';
        try {
          fs.open({ ...pw, id });
        } catch (err) {
          got = (err as Error).message;
        }
        expect([id, got]).toEqual([id, expect.stringMatching(/not a regular file of this volume/)]);
      }
    } finally {
      img.close();
    }
  });
});
