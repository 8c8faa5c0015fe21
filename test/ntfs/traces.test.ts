/**
 * The NTFS staging detectors over a hand-written journal (fixtures/lib/usn-writer.mjs): one life
 * per staged archive (create -> write -> rename -> delete) summarised into one candidate, paths
 * from the journal's own folder names when no $MFT is given, create bursts, a deleted staging
 * folder, and bounded state over a long journal.
 */
import { describe, expect, test } from '@jest/globals';
import { ATTR, fileLife, REASON, usnJournal, type UsnSpec } from '../../fixtures/lib/usn-writer.mjs';
import { ntfsTraceCandidates, TRACE_LIMITS } from '../../src/artifacts/ntfs/traces.js';
import { stagedNameKind, renameHidesArchive } from '../../src/artifacts/ntfs/names-staged.js';
import { bufferSource } from '../../src/util/byte-source.js';
import { ntfsHotspots } from '../../src/pipeline/ntfs-traces.js';
import { loadRuleCatalog } from '../../src/rules/catalog.js';
import { scoreHits } from '../../src/rules/engine.js';

const ROOT = { entry: 5, sequence: 5 };
const PERFLOGS = { entry: 64, sequence: 1 };
const COLLECT = { entry: 65, sequence: 3 };

function dir(name: string, at: string, ref: { entry: number; sequence: number }, parent = ROOT): UsnSpec[] {
  return [{ entry: ref.entry, sequence: ref.sequence, parentEntry: parent.entry, parentSequence: parent.sequence, time: at, reason: REASON.FILE_CREATE | REASON.CLOSE, name, attributes: ATTR.DIRECTORY }];
}

function stagedJournal(): UsnSpec[] {
  const specs: UsnSpec[] = [...dir('PerfLogs', '2024-05-01T02:00:00Z', PERFLOGS), ...dir('collect', '2024-05-01T02:01:00Z', COLLECT)];
  // 25 documents copied into \collect within four minutes.
  for (let i = 0; i < 25; i++) specs.push(...fileLife({ entry: 100 + i, sequence: 1, parentEntry: COLLECT.entry, parentSequence: COLLECT.sequence, name: `doc${i}.docx` }, [{ t: new Date(Date.parse('2024-05-01T02:05:00Z') + i * 9000), op: 'create' }, { t: new Date(Date.parse('2024-05-01T02:05:01Z') + i * 9000), op: 'write' }]));
  specs.push(
    ...fileLife({ entry: 70, sequence: 2, parentEntry: PERFLOGS.entry, parentSequence: PERFLOGS.sequence, name: 'stage.7z' }, [
      { t: '2024-05-01T02:14:05Z', op: 'create' },
      { t: '2024-05-01T02:14:06Z', op: 'write' },
      { t: '2024-05-01T02:20:00Z', op: 'write' },
      { t: '2024-05-01T02:31:00Z', op: 'write' },
      { t: '2024-05-01T02:38:00Z', op: 'rename', name: 'stage.log' },
      { t: '2024-05-01T02:40:00Z', op: 'delete' },
    ]),
  );
  // The collection folder's files and the folder itself are deleted.
  for (let i = 0; i < 25; i++) specs.push(...fileLife({ entry: 100 + i, sequence: 1, parentEntry: COLLECT.entry, parentSequence: COLLECT.sequence, name: `doc${i}.docx` }, [{ t: '2024-05-01T02:41:00Z', op: 'delete' }]));
  specs.push({ entry: COLLECT.entry, sequence: COLLECT.sequence, parentEntry: 5, parentSequence: 5, time: '2024-05-01T02:41:30Z', reason: REASON.FILE_DELETE | REASON.CLOSE, name: 'collect', attributes: ATTR.DIRECTORY });
  // Ordinary noise: a zip downloaded and deleted in Downloads (no staging place), a cab in Temp.
  specs.push(...fileLife({ entry: 200, sequence: 4, parentEntry: 300, parentSequence: 1, name: 'setup.cab' }, [{ t: '2024-05-01T03:00:00Z', op: 'create' }, { t: '2024-05-01T03:00:01Z', op: 'write' }, { t: '2024-05-01T03:01:00Z', op: 'delete' }]));
  return specs;
}

async function traces(specs: UsnSpec[], leadingZeros = 0) {
  const { bytes } = usnJournal(specs, { leadingZeros });
  return ntfsTraceCandidates({ mft: null, mftRel: null, usn: bufferSource(bytes), usnRel: 'C/$Extend/$UsnJrnl%3A$J', volumeRel: 'C', drive: 'C', hotspots: ntfsHotspots() });
}

describe('staged names', () => {
  test.each([
    ['stage.7z', 'archive'],
    ['loot.zip', 'archive'],
    ['x.tar.gz', 'archive'],
    ['bk.part2.rar', 'volume'],
    ['data.7z.001', 'volume'],
    ['vault.hc', 'encrypted'],
    ['notes.txt.gpg', 'encrypted'],
    ['setup.cab', null],
    ['update.msi', null],
    ['report.docx', null],
    ['noext', null],
  ])('%s -> %s', (name, kind) => expect(stagedNameKind(name)).toBe(kind));
  test('renames that hide an archive extension', () => {
    expect(renameHidesArchive('stage.7z', 'stage.log')).toBe(true);
    expect(renameHidesArchive('stage.7z', 'stage')).toBe(true);
    expect(renameHidesArchive('stage.7z', 'stage.7z.tmp')).toBe(false);
    expect(renameHidesArchive('x.crdownload', 'x.zip')).toBe(false);
    expect(renameHidesArchive('a.zip', 'b.zip')).toBe(false);
  });
});

describe('journal lifecycle', () => {
  test('one finding per staged archive: created, written, renamed and deleted, with the life in its reasons', async () => {
    const r = await traces(stagedJournal(), 3 * 1024 * 1024);
    const lives = r.candidates.filter((c) => c.details?.entry === 70);
    expect(lives).toHaveLength(1);
    const c = lives[0]!;
    expect(c.kind).toBe('usn-record');
    expect(c.path).toBe('C/PerfLogs/stage.log');
    expect(c.originalPath).toBe('C:\\PerfLogs\\stage.7z');
    expect(c.deletedAt).toBe('2024-05-01T02:40:00.0000000Z');
    expect(c.times?.born).toBe('2024-05-01T02:14:05.0000000Z');
    expect(c.usn).toBe(3 * 1024 * 1024 + usnJournal(stagedJournal()).usns[stagedJournal().findIndex((s) => s.entry === 70)]!);
    expect(c.hits.map((h) => h.rule).sort()).toEqual(['ntfs-archive-deleted', 'ntfs-archive-deleted-from-staging-place', 'ntfs-archive-extension-hidden', 'ntfs-archive-short-life']);
    expect(String(c.details?.life)).toBe('stage.7z was created in /PerfLogs at 2024-05-01 02:14:05 UTC, written 3 times until 2024-05-01 02:31:00 UTC, renamed stage.7z -> stage.log at 2024-05-01 02:38:00 UTC, deleted at 2024-05-01 02:40:00 UTC');
    expect(c.events?.map((e) => e.type)).toEqual(['created', 'renamed', 'deleted']);
    const scored = scoreHits(c.hits, loadRuleCatalog());
    expect(scored.level).toBe('critical');
  });

  test('a create burst into an odd folder, and the folder deleted afterwards', async () => {
    const r = await traces(stagedJournal());
    const folder = r.candidates.find((c) => c.details?.folder === true);
    expect(folder?.path).toBe('C/collect');
    expect(folder?.hits.map((h) => h.rule)).toEqual(['ntfs-journal-create-burst', 'ntfs-staging-folder-deleted']);
    expect(folder?.hits[0]!.message).toMatch(/^25 files created in \/collect within 4 minutes/);
  });

  test('no finding for an installer cabinet or for the journal of ordinary files', async () => {
    const r = await traces(stagedJournal());
    expect(r.candidates.some((c) => String(c.path).includes('setup.cab'))).toBe(false);
    expect(r.candidates.filter((c) => c.kind === 'usn-record')).toHaveLength(2);
  });

  test('a folder the journal never named: the path is an orphan, the finding remains', async () => {
    const specs = fileLife({ entry: 71, sequence: 1, parentEntry: 999, parentSequence: 2, name: 'x.zip' }, [{ t: '2024-05-01T02:00:00Z', op: 'create' }, { t: '2024-05-01T02:10:00Z', op: 'delete' }]);
    const r = await traces(specs);
    expect(r.candidates.map((c) => [c.path, c.hits.map((h) => h.rule)])).toEqual([['C/$OrphanFiles/folder-999/x.zip', ['ntfs-archive-deleted']]]);
  });

  test('memory stays bounded: 205,000 unremarkable files and one staged archive in a long journal', async () => {
    const specs: UsnSpec[] = [];
    for (let i = 0; i < 205_000; i++) specs.push({ entry: 1000 + i, sequence: 1, parentEntry: 400 + (i % 5000), parentSequence: 1, time: new Date(Date.parse('2024-01-01T00:00:00Z') + i * 60_000), reason: REASON.FILE_CREATE | REASON.CLOSE, name: `f${i}.txt` });
    specs.push(...dir('PerfLogs', '2024-06-01T00:00:00Z', PERFLOGS));
    specs.push(...fileLife({ entry: 70, sequence: 2, parentEntry: 64, parentSequence: 1, name: 'late.rar' }, [{ t: '2024-06-01T01:00:00Z', op: 'create' }, { t: '2024-06-01T01:00:01Z', op: 'write' }, { t: '2024-06-01T01:30:00Z', op: 'delete' }]));
    const r = await traces(specs);
    expect(r.stats.trackedFiles).toBeLessThanOrEqual(TRACE_LIMITS.trackedLives);
    expect(r.stats.usnRecords).toBe(specs.length);
    expect(r.candidates.map((c) => c.path)).toEqual(['C/PerfLogs/late.rar']);
  }, 60_000);
});
