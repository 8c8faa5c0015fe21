/**
 * The trace detectors on damaged input (the MFT and USN parsers they stream are fuzzed with every
 * other parser in test/fuzz/): mutated journals and $MFT files give candidates or warnings, never a
 * throw, within a time bound; hostile references (parent loops through the journal's folder names,
 * entries beyond 2^36) are bounded.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { ATTR, fileLife, REASON, usnJournal, type UsnSpec } from '../../fixtures/lib/usn-writer.mjs';
import { mutate, MUTATIONS } from '../../bench/lib/mutate.mjs';
import { ntfsTraceCandidates } from '../../src/artifacts/ntfs/traces.js';
import { ntfsHotspots } from '../../src/pipeline/ntfs-traces.js';
import { bufferSource } from '../../src/util/byte-source.js';
import { CORPUS_MISSING, corpusAvailable, corpusPath, testIf } from '../helpers/corpus.js';
import { cpuClock } from '../helpers/cpu.js';

const hotspots = ntfsHotspots();
const run = (mft: Buffer | null, usn: Buffer | null) =>
  ntfsTraceCandidates({ mft: mft ? bufferSource(mft) : null, mftRel: '$MFT', usn: usn ? bufferSource(usn) : null, usnRel: '$J', volumeRel: '', drive: 'C', hotspots });

function journal(): Buffer {
  const specs: UsnSpec[] = [{ entry: 64, sequence: 1, parentEntry: 5, parentSequence: 5, time: '2024-05-01T02:00:00Z', reason: REASON.FILE_CREATE, name: 'PerfLogs', attributes: ATTR.DIRECTORY }];
  for (let i = 0; i < 30; i++) specs.push(...fileLife({ entry: 100 + i, sequence: 1, parentEntry: 64, parentSequence: 1, name: `f${i}.zip` }, [{ t: '2024-05-01T02:01:00Z', op: 'create' }, { t: '2024-05-01T02:02:00Z', op: 'write' }, { t: '2024-05-01T02:03:00Z', op: 'rename', name: `f${i}.txt` }, { t: '2024-05-01T02:04:00Z', op: 'delete' }]));
  return usnJournal(specs, { leadingZeros: 4096 }).bytes;
}

describe('hostile journals', () => {
  test.each(MUTATIONS)('%s mutations of a staged journal: no throw, bounded time', async (kind) => {
    const base = journal();
    for (let seed = 1; seed <= 8; seed++) {
      const t0 = cpuClock();
      const r = await run(null, mutate(base, kind, seed));
      expect(Array.isArray(r.candidates)).toBe(true);
      expect(t0()).toBeLessThan(5000);
    }
  });

  test('folder names that loop through each other, and impossible entries, end in an orphan path', async () => {
    const specs: UsnSpec[] = [
      { entry: 10, sequence: 1, parentEntry: 11, parentSequence: 1, time: '2024-05-01T02:00:00Z', reason: REASON.FILE_CREATE, name: 'a', attributes: ATTR.DIRECTORY },
      { entry: 11, sequence: 1, parentEntry: 10, parentSequence: 1, time: '2024-05-01T02:00:00Z', reason: REASON.FILE_CREATE, name: 'b', attributes: ATTR.DIRECTORY },
      ...fileLife({ entry: 12, sequence: 1, parentEntry: 10, parentSequence: 1, name: 'x.7z' }, [{ t: '2024-05-01T02:01:00Z', op: 'create' }, { t: '2024-05-01T02:02:00Z', op: 'delete' }]),
      ...fileLife({ entry: 2 ** 40, sequence: 1, parentEntry: 10, parentSequence: 1, name: 'y.7z' }, [{ t: '2024-05-01T02:01:00Z', op: 'create' }, { t: '2024-05-01T02:02:00Z', op: 'delete' }]),
    ];
    const r = await run(null, usnJournal(specs).bytes);
    expect(r.candidates.map((c) => c.path)).toEqual(['$OrphanFiles/folder-10/b/a/x.7z']);
  });
});

describe('hostile $MFT files', () => {
  testIf(corpusAvailable(), CORPUS_MISSING)('mutations of a real $MFT beside a staged journal: no throw, bounded time', async () => {
    const mft = readFileSync(corpusPath('ntfs/ntfs-samples/extracted/ntfs.raw.$MFT'));
    const usn = journal();
    for (const kind of MUTATIONS) {
      for (let seed = 1; seed <= 4; seed++) {
        const t0 = cpuClock();
        const r = await run(mutate(mft, kind, seed), usn);
        expect(Array.isArray(r.candidates)).toBe(true);
        expect(t0()).toBeLessThan(10_000);
      }
    }
  }, 120_000);
});
