/**
 * The NTFS $LogFile walker (docs/ntfs.md "$LogFile") on the real Windows logs of the corpus's NTFS
 * images, read through stagehunt's own volume reader: every index entry the log adds or removes
 * names a (file reference, parent reference, name) that The Sleuth Kit's usnjls prints from the
 * same volume's USN journal (Windows 20H1, ntfs.tgz); every name a log adds last names a live file
 * of the volume's MFT; each logged MFT record image carries the entry its target (VCN and block)
 * points at. The test writer (fixtures/lib/logfile-writer.mjs) is read back, records running over
 * page ends included; damaged logs give warnings, never a throw or a hang. Then the trace stage:
 * a staged archive's life in the log alone (the journal cleared) is a `logfile-record` finding,
 * merged with its deleted MFT record; with the journal it adds to the journal's finding.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { openNtfs, type NtfsVolume } from '../../src/evidence/image/ntfs/index.js';
import { walkLogFile, LOGFILE_LIMITS, type LogFileRecord } from '../../src/artifacts/ntfs/logfile.js';
import { logFileParser } from '../../src/artifacts/ntfs/index.js';
import { ntfsTraceCandidates } from '../../src/artifacts/ntfs/traces.js';
import { ntfsHotspots } from '../../src/pipeline/ntfs-traces.js';
import { bufferSource } from '../../src/util/byte-source.js';
import { CORPUS_MISSING, corpusAvailable, corpusPath, describeIf, testIf, toolAvailable } from '../helpers/corpus.js';
import { xorshiftBytes } from '../helpers/random.js';
import { fileSource, gunzipSparse, scanTraces, workDir, WORK } from './helpers.js';
import { fileLifeRecords, logFile, OP, type LogName } from '../../fixtures/lib/logfile-writer.mjs';
import { buildStagedImage, dataClusters, HISTORY, HISTORY_REL, STAGED_TOOLS, type StagedImage } from './staged-image.js';
import { BIN, runCli } from '../helpers/cli.js';
import { parseFile } from '../../src/pipeline/parse.js';

const haveCorpus = corpusAvailable();
const SAMPLES = 'ntfs/ntfs-samples';

afterAll(() => rmSync(WORK, { recursive: true, force: true }));

function walk(bytes: Buffer): { records: LogFileRecord[]; warnings: string[] } {
  const warnings: string[] = [];
  return { records: [...walkLogFile(bufferSource(bytes, '$LogFile'), warnings)], warnings };
}

function logOf(v: NtfsVolume): Buffer {
  const ref = v.lookup('/$LogFile');
  const src = ref ? v.open(ref) : null;
  if (!src) throw new Error('no $LogFile on the volume');
  return src.read(0, src.size);
}

/** (file reference, parent reference, name) of every record usnjls -l prints. */
function usnjlsTriples(text: string): Set<string> {
  const out = new Set<string>();
  for (const block of text.split(/\n(?=Version:)/)) {
    const file = /Reference Number: (\d+-\d+)/.exec(block)?.[1];
    const parent = /Parent Reference Number: (\d+-\d+)/.exec(block)?.[1];
    const name = /Name: (.*)/.exec(block)?.[1];
    if (file && parent && name) out.add(`${file} ${parent} ${name}`);
  }
  return out;
}

const triple = (e: NonNullable<LogFileRecord['index']>): string => `${e.entry}-${e.sequence} ${e.parentEntry}-${e.parentSequence} ${e.name}`;

/** The names each file reference's last index operation in the log leaves added. */
function lastAdded(records: readonly LogFileRecord[]): Map<string, NonNullable<LogFileRecord['index']>> {
  const last = new Map<string, NonNullable<LogFileRecord['index']>>();
  for (const r of records) if (r.index && r.index.namespace !== 2) last.set(`${r.index.entry}-${r.index.sequence}`, r.index);
  for (const [k, e] of last) if (e.change !== 'added') last.delete(k);
  return last;
}

describeIf(haveCorpus, CORPUS_MISSING)('$LogFile of real Windows volumes', () => {
  describe('ntfs.tgz (Windows 20H1) against usnjls of the same volume', () => {
    let v: NtfsVolume;
    let bytes: Buffer;
    let result: ReturnType<typeof walk>;
    beforeAll(() => {
      const dir = workDir();
      execFileSync('tar', ['-xzSf', corpusPath(`${SAMPLES}/ntfs.tgz`), '-C', dir]);
      v = openNtfs(fileSource(path.join(dir, 'ntfs.raw'), 2048 * 512));
      bytes = logOf(v);
      result = walk(bytes);
    }, 120_000);

    test('records oldest first up to the restart area\'s current LSN, no warnings', () => {
      expect(result.warnings).toEqual([]);
      expect(result.records.length).toBeGreaterThan(1000);
      const lsns = result.records.map((r) => r.lsn);
      for (let i = 1; i < lsns.length; i++) expect(lsns[i]!).toBeGreaterThan(lsns[i - 1]!);
      // The restart area (first page, at its offset) names the newest record.
      const ra = bytes.readUInt16LE(0x18);
      expect(lsns[lsns.length - 1]).toBe(Number(bytes.readBigUInt64LE(ra)));
    });

    test('the files\' own $STANDARD_INFORMATION modification times the log holds are times usnjls gives those files', () => {
      const journalTimes = new Map<number, Set<string>>();
      for (const block of readFileSync(corpusPath(`${SAMPLES}/ntfs.tgz.expected.usnjls-l-o2048.txt`), 'utf8').split(/\n(?=Version:)/)) {
        const entry = /Reference Number: (\d+)-\d+/.exec(block)?.[1];
        const time = /Time: (\S+) (\S+)/.exec(block);
        if (entry && time) journalTimes.set(Number(entry), (journalTimes.get(Number(entry)) ?? new Set()).add(`${time[1]}T${time[2]!.slice(0, 16)}Z`));
      }
      const files = new Set([...v.records()].filter((r) => r.inUse && !r.isDirectory).map((r) => r.entry));
      const written = result.records.flatMap((r) => (r.siTimes?.modified && files.has(r.siTimes.entry) ? [r.siTimes] : []));
      expect(written.length).toBe(14);
      const agreeing = written.filter((t) => journalTimes.get(t.entry)?.has(t.modified!));
      // the other two: the tracking log of System Volume Information and the TxF log container, which the journal does not show at that time
      expect(agreeing.length).toBe(12);
    });

    test('every index entry added or removed names a (file, parent, name) the USN journal shows (usnjls)', () => {
      const usn = usnjlsTriples(readFileSync(corpusPath(`${SAMPLES}/ntfs.tgz.expected.usnjls-l-o2048.txt`), 'utf8'));
      const ops = result.records.filter((r) => r.index && r.index.namespace !== 2).map((r) => r.index!);
      expect(ops.length).toBeGreaterThanOrEqual(50);
      expect(ops.filter((e) => e.change === 'removed').length).toBeGreaterThan(5);
      expect(ops.map(triple).filter((t) => !usn.has(t))).toEqual([]);
      // Explorer's "New Text Document.txt" renamed: the removed name, then the new one, for one file.
      const renames = result.records.filter((r, i) => r.index?.change === 'removed' && result.records.slice(i + 1).find((n) => n.index)?.index?.entry === r.index.entry);
      expect(renames.length).toBeGreaterThan(5);
    });

    test('a name removed from a folder: the folder\'s $STANDARD_INFORMATION update after it is a time usnjls shows for that file', () => {
      // file reference -> the times of its journal records (usnjls prints 100 ns: the ISO form's 7 digits)
      const times = new Map<string, Set<string>>();
      for (const block of readFileSync(corpusPath(`${SAMPLES}/ntfs.tgz.expected.usnjls-l-o2048.txt`), 'utf8').split(/\n(?=Version:)/)) {
        const file = /Reference Number: (\d+-\d+)/.exec(block)?.[1];
        const time = /Time: (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{7})/.exec(block);
        if (file && time) times.set(file, (times.get(file) ?? new Set()).add(`${time[1]}T${time[2]}Z`));
      }
      const recs = result.records;
      const removals = recs.flatMap((r, i) => (r.index?.change === 'removed' && r.index.namespace !== 2 ? [{ e: r.index, i }] : []));
      // within the 64 records the trace stage looks at (FOLDER_TIME_WITHIN)
      const timed = removals.flatMap(({ e, i }) => {
        const si = recs.slice(i + 1, i + 65).find((n) => n.siTimes?.entry === e.parentEntry && n.siTimes.modified);
        return si ? [{ file: `${e.entry}-${e.sequence}`, time: si.siTimes!.modified! }] : [];
      });
      expect(removals.length).toBe(23);
      // two removals by the volume shadow copy service in System Volume Information have their folder's update thousands of records later
      expect(timed.length).toBe(21);
      expect(timed.filter((t) => !times.get(t.file)?.has(t.time))).toEqual([]);
    });

    test('each logged MFT record image is the entry its target points at; the last names added name live files', () => {
      const inits = result.records.filter((r) => r.fileRecord);
      expect(inits.length).toBeGreaterThan(5);
      for (const r of inits) expect(r.fileRecord!.entry).toBe((r.targetVcn * v.clusterSize + r.clusterBlockOffset * 512) / v.recordSize);
      const live = new Map([...v.records()].filter((r) => r.inUse).map((r) => [`${r.entry}-${r.sequence}`, r.fileNames.map((f) => `${f.parent.entry}-${f.parent.sequence} ${f.name}`)]));
      const added = [...lastAdded(result.records).values()];
      expect(added.length).toBeGreaterThan(10);
      for (const e of added) expect(live.get(`${e.entry}-${e.sequence}`) ?? []).toContain(`${e.parentEntry}-${e.parentSequence} ${e.name}`);
    });

    test('stagehunt parse reads it as the logfile parser, in the same records', async () => {
      const parsed = await logFileParser.parse(bufferSource(bytes, '$LogFile'), { relPath: '$LogFile', name: '$LogFile', head: bytes.subarray(0, 4096), size: bytes.length, format: null });
      expect(logFileParser.matches({ relPath: '$LogFile', name: '$LogFile', head: bytes.subarray(0, 4096), size: bytes.length, format: null })).toBe(true);
      expect(parsed?.records.length).toBe(result.records.length);
    });

    test('damaged copies: warnings and what could be read, never a throw or a hang', () => {
      const started = Date.now();
      for (let i = 0; i < 40; i++) {
        const copy = Buffer.from(bytes);
        const noise = xorshiftBytes(64, i + 1);
        for (let k = 0; k < 32; k++) {
          const at = (noise.readUInt16LE(k * 2) * 1031 + i * 4099) % copy.length;
          copy[at] = noise[k]! ^ 0x5a;
        }
        const cut = i % 4 === 0 ? copy.subarray(0, (copy.length * (i + 1)) / 41) : copy;
        const r = walk(cut);
        expect(r.warnings.length).toBeLessThanOrEqual(LOGFILE_LIMITS.maxWarnings);
      }
      // restart pages lost: no record, one warning
      const noRestart = Buffer.from(bytes);
      noRestart.fill(0, 0, 8192);
      // both restart pages wiped: the pages still read, with a warning (from the start of the file, not the oldest page)
      const wiped = walk(noRestart);
      expect(wiped.warnings).toEqual([expect.stringContaining('no readable restart page (RSTR): the log pages read')]);
      expect(new Set(wiped.records.map((r) => r.lsn))).toEqual(new Set(result.records.map((r) => r.lsn)));
      // as mkntfs and ntfs-3g leave it: 0xff throughout
      expect(walk(Buffer.alloc(1 << 20, 0xff))).toEqual({ records: [], warnings: [] });
      expect(walk(xorshiftBytes(1 << 20, 7)).records).toEqual([]);
      expect(Date.now() - started).toBeLessThan(60_000);
    }, 90_000);
  });

  // The 256 MiB one only: the two 1 GiB volumes of the same kind cost 17 s of gunzip in CI for no other kind of log.
  describe.each(['ntfs-lastaccess'])('%s (Windows 10)', (n) => {
    test('read without warnings; the names the log adds last are live files of the MFT', async () => {
      const image = await gunzipSparse(corpusPath(`${SAMPLES}/${n}.raw.gz`), path.join(workDir(), `${n}.raw`));
      const v = openNtfs(fileSource(image, 128 * 512));
      const { records, warnings } = walk(logOf(v));
      expect(warnings).toEqual([]);
      expect(records.length).toBeGreaterThan(100);
      const live = new Map([...v.records()].filter((r) => r.inUse).map((r) => [`${r.entry}-${r.sequence}`, r.fileNames.map((f) => `${f.parent.entry}-${f.parent.sequence} ${f.name}`)]));
      const added = [...lastAdded(records).values()];
      expect(added.length).toBeGreaterThan(0);
      for (const e of added) expect(live.get(`${e.entry}-${e.sequence}`) ?? []).toContain(`${e.parentEntry}-${e.parentSequence} ${e.name}`);
    }, 120_000);
  });
});

const PERFLOGS = { entry: 64, sequence: 1 };
const stage: LogName = { entry: 70, sequence: 3, parentEntry: PERFLOGS.entry, parentSequence: PERFLOGS.sequence, name: 'stage.7z', time: '2024-05-01T02:14:05Z', size: 300000 };

describe('the test writer, read back', () => {
  test('a life of create, rename and delete among 300 other files: every index operation in order, records over page ends intact', () => {
    const records = [];
    for (let i = 0; i < 150; i++) records.push(...fileLifeRecords({ ...stage, entry: 100 + i, sequence: 1, name: `document_with_a_rather_long_name_${i}.docx` }, [{ op: 'create' }]));
    records.push(...fileLifeRecords(stage, [{ op: 'create' }, { op: 'rename', name: 'stage.log' }, { op: 'delete' }]));
    for (let i = 150; i < 300; i++) records.push(...fileLifeRecords({ ...stage, entry: 100 + i, sequence: 1, name: `document_with_a_rather_long_name_${i}.docx` }, [{ op: 'create' }], { root: true }));
    const { bytes, lsns } = logFile(records);
    const { records: read, warnings } = walk(bytes);
    expect(warnings).toEqual([]);
    expect(read.map((r) => BigInt(r.lsn))).toEqual(lsns);
    // some records run over a page end (their data continues on the next page)
    expect(read.filter((r) => Math.floor(r.offset / 4096) !== Math.floor((r.offset + 0x30 + 0x28 + r.redoLength + r.undoLength) / 4096)).length).toBeGreaterThan(10);
    const life = read.filter((r) => r.index?.entry === stage.entry).map((r) => `${r.index!.change} ${r.index!.name}`);
    expect(life).toEqual(['added stage.7z', 'removed stage.7z', 'added stage.log', 'removed stage.log']);
    expect(read.find((r) => r.fileRecord?.entry === stage.entry)?.fileRecord).toMatchObject({ sequence: 3, inUse: true, name: { name: 'stage.7z', parentEntry: 64 } });
    expect(read.filter((r) => r.freedRecord).map((r) => r.freedRecord!.entry)).toEqual([stage.entry]);
    expect(read.filter((r) => r.fileRecord).length).toBe(301);
    expect(read.filter((r) => r.redoOp === 'AddIndexEntryRoot').length).toBe(150);
  });

  test('a record claiming more data than any NTFS record holds is skipped with a warning', () => {
    const { bytes, lsns } = logFile(fileLifeRecords(stage, [{ op: 'create' }]));
    bytes.writeUInt32LE(LOGFILE_LIMITS.maxClientData + 8, 4 * 4096 + 0x40 + 0x18);
    const { records, warnings } = walk(bytes);
    expect(records.map((r) => BigInt(r.lsn))).toEqual(lsns.slice(1));
    expect(warnings).toEqual([expect.stringContaining('skipped')]);
  });

  test('parse of a collected $LogFile that mkntfs or ntfs-3g left all 0xff: the logfile parser by its name, no records, no warning', async () => {
    const dir = path.join(workDir(), 'empty-log');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, '$LogFile');
    writeFileSync(file, Buffer.alloc(1 << 20, 0xff));
    const outcome = await parseFile({ file, streaming: false }, async (o) => o);
    expect(outcome).toMatchObject({ kind: 'result', result: { parser: 'logfile', records: [], warnings: [] } });
    // the same bytes under another name are not a log
    const other = path.join(dir, 'blob.bin');
    writeFileSync(other, Buffer.alloc(1 << 20, 0xff));
    expect((await parseFile({ file: other, streaming: false }, async (o) => o)).kind).toBe('none');
  });
});

const staged = STAGED_TOOLS.every((t) => toolAvailable(t));
describe('the trace stage', () => {
  let img: StagedImage;
  let dir: string;
  const ready = staged;
  beforeAll(() => {
    if (!ready) return;
    dir = path.join(workDir(), 'logfile-staged');
    rmSync(dir, { recursive: true, force: true });
    img = buildStagedImage(dir);
  }, 120_000);

  /** The staged image's story in the log: stage.7z made in PerfLogs, renamed stage.log, deleted; a document beside it left alone. */
  const storyLog = (): Buffer => {
    const perflogs = { entry: img.perflogs.entry, sequence: img.perflogs.sequence };
    const file = { ...stage, entry: img.stage.entry, sequence: img.stage.sequence, parentEntry: perflogs.entry, parentSequence: perflogs.sequence };
    // Files created around its steps bracket their times (the log keeps none of its own).
    const other = (entry: number, name: string, time: string) => fileLifeRecords({ ...file, entry, sequence: 1, name, time }, [{ op: 'create' }]);
    return logFile([
      ...other(200, 'notes.docx', '2024-05-01T02:00:00Z'),
      ...fileLifeRecords(file, [{ op: 'create' }, { op: 'rename', name: 'stage.log' }]),
      ...other(201, 'minutes.docx', '2024-05-01T02:39:00Z'),
      ...fileLifeRecords({ ...file, name: 'stage.log' }, [{ op: 'delete' }]),
      ...other(202, 'later.txt', '2024-05-01T02:45:00Z'),
      { redoOp: OP.UpdateResidentValue, undoOp: OP.UpdateResidentValue, redo: Buffer.alloc(8), undo: Buffer.alloc(8) },
    ]).bytes;
  };

  testIf(ready, `tools ${STAGED_TOOLS.join(', ')} not all installed`)('the journal cleared: a logfile-record finding from the log alone, merged with the deleted MFT record', async () => {
    const r = await ntfsTraceCandidates({ mft: bufferSource(img.mftBytes, '$MFT'), mftRel: 'C/$MFT', usn: null, usnRel: null, logFile: bufferSource(storyLog(), '$LogFile'), logFileRel: 'C/$LogFile', volumeRel: 'C', drive: 'C', hotspots: ntfsHotspots() });
    expect(r.warnings).toEqual([]);
    const ofStage = r.candidates.filter((c) => c.mftEntry === img.stage.entry || c.details?.entry === img.stage.entry);
    expect(ofStage.map((c) => c.kind)).toEqual(['logfile-record']);
    const c = ofStage[0]!;
    expect(c.path).toBe('C/PerfLogs/stage.log');
    expect(c.originalPath).toBe('C:\\PerfLogs\\stage.7z');
    expect(c.hits.map((h) => h.rule).sort()).toEqual(['ntfs-archive-deleted', 'ntfs-archive-deleted-from-staging-place', 'ntfs-archive-extension-hidden', 'ntfs-archive-short-life']);
    // made at 02:14:05, deleted before later.txt was made at 02:45:00: at most 31 minutes
    expect(c.hits.find((h) => h.rule === 'ntfs-archive-short-life')?.message).toBe('created (300000 bytes) and deleted within 31 minutes (deleted before 2024-05-01 02:45:00 UTC, by the $LogFile\'s order)');
    expect(c.details).toMatchObject({ source: 'C/$LogFile', deleted: true, names: ['stage.7z', 'stage.log'], mft: { entry: img.stage.entry, inUse: false, size: 300000 } });
    expect(c.details?.life).toMatch(
      /^stage\.7z was created in \/PerfLogs at 2024-05-01 02:14:05 UTC, renamed stage\.7z -> stage\.log between 2024-05-01 02:14:05 UTC and 2024-05-01 02:39:00 UTC, deleted between 2024-05-01 02:39:00 UTC and 2024-05-01 02:45:00 UTC \(its MFT record freed\)/,
    );
    expect(c.details?.deletedBetween).toEqual({ after: '2024-05-01T02:39:00.0000000Z', before: '2024-05-01T02:45:00.0000000Z', at: null });
    expect(c.times?.born).toBe('2024-05-01T02:14:05.0000000Z');
    expect(c.events).toEqual([{ time: '2024-05-01T02:14:05.0000000Z', type: 'created', description: 'stage.7z created in /PerfLogs ($LogFile)' }]);
    // the document beside it is no finding
    expect(r.candidates.some((x) => x.path.endsWith('notes.docx'))).toBe(false);
    expect(r.stats.logFileRecords).toBe(19);
  });

  testIf(ready, `tools ${STAGED_TOOLS.join(', ')} not all installed`)('the folder\'s times in the log: the rename and the deletion at their times, on the timeline; the file\'s own: its last write', async () => {
    const file = { ...stage, entry: img.stage.entry, sequence: img.stage.sequence, parentEntry: img.perflogs.entry, parentSequence: img.perflogs.sequence };
    const log = logFile(
      fileLifeRecords(file, [
        { op: 'create' },
        { op: 'write', time: '2024-05-01T02:20:00Z' },
        { op: 'write', time: '2024-05-01T02:31:10Z' },
        { op: 'rename', name: 'stage.log', time: '2024-05-01T02:38:00Z' },
        { op: 'delete', time: '2024-05-01T02:40:00Z' },
      ]),
    ).bytes;
    const r = await ntfsTraceCandidates({ mft: bufferSource(img.mftBytes, '$MFT'), mftRel: 'C/$MFT', usn: null, usnRel: null, logFile: bufferSource(log, '$LogFile'), logFileRel: 'C/$LogFile', volumeRel: 'C', drive: 'C', hotspots: ntfsHotspots() });
    const c = r.candidates.find((x) => x.kind === 'logfile-record' && x.mftEntry === img.stage.entry)!;
    expect(c.deletedAt).toBe('2024-05-01T02:40:00.0000000Z');
    expect(c.details?.life).toMatch(/written until 2024-05-01 02:31:10 UTC, renamed stage\.7z -> stage\.log at 2024-05-01 02:38:00 UTC, deleted at 2024-05-01 02:40:00 UTC \(its MFT record freed\)/);
    expect([c.times?.modified, c.details?.lastWritten]).toEqual(['2024-05-01T02:31:10.0000000Z', '2024-05-01T02:31:10.0000000Z']);
    expect(c.hits.find((h) => h.rule === 'ntfs-archive-short-life')?.message).toBe('created (300000 bytes) and deleted within 26 minutes ($LogFile)');
    expect(c.events?.map((e) => `${e.type} ${e.time}`)).toEqual(['created 2024-05-01T02:14:05.0000000Z', 'renamed 2024-05-01T02:38:00.0000000Z', 'deleted 2024-05-01T02:40:00.0000000Z']);
  });

  testIf(ready, `tools ${STAGED_TOOLS.join(', ')} not all installed`)('a file made before the log\'s oldest record: its deletion alone is the finding', async () => {
    const file = { ...stage, name: 'loot.7z', entry: img.stage.entry, sequence: img.stage.sequence, parentEntry: img.perflogs.entry, parentSequence: img.perflogs.sequence };
    const log = logFile(fileLifeRecords(file, [{ op: 'delete', time: '2024-05-01T02:40:00Z' }])).bytes;
    const r = await ntfsTraceCandidates({ mft: bufferSource(img.mftBytes, '$MFT'), mftRel: 'C/$MFT', usn: null, usnRel: null, logFile: bufferSource(log, '$LogFile'), logFileRel: 'C/$LogFile', volumeRel: 'C', drive: 'C', hotspots: ntfsHotspots() });
    const c = r.candidates.find((x) => x.mftEntry === img.stage.entry)!;
    expect(c.kind).toBe('logfile-record');
    expect(c.hits.map((h) => h.rule).sort()).toEqual(['ntfs-archive-deleted', 'ntfs-archive-deleted-from-staging-place']);
    expect(c.details).toMatchObject({ names: ['loot.7z'], deleted: true, deletedBetween: { at: '2024-05-01T02:40:00.0000000Z' } });
    expect(c.times?.born).toBeNull();
  });

  testIf(ready, `tools ${STAGED_TOOLS.join(', ')} not all installed`)('with the journal: the journal\'s finding says the log confirms it, no second finding', async () => {
    const r = await ntfsTraceCandidates({ mft: bufferSource(img.mftBytes, '$MFT'), mftRel: 'C/$MFT', usn: bufferSource(img.usnBytes, '$J'), usnRel: 'C/$J', logFile: bufferSource(storyLog(), '$LogFile'), logFileRel: 'C/$LogFile', volumeRel: 'C', drive: 'C', hotspots: ntfsHotspots() });
    const ofStage = r.candidates.filter((c) => c.mftEntry === img.stage.entry || c.details?.entry === img.stage.entry);
    expect(ofStage.map((c) => c.kind)).toEqual(['usn-record']);
    expect(ofStage[0]!.details?.logFile).toMatchObject({ source: 'C/$LogFile', records: 5, deleted: true });
    expect(ofStage[0]!.details?.remains).toEqual(expect.arrayContaining(['5 $LogFile records']));
  });
});


const built = existsSync(BIN) && existsSync(path.join(process.cwd(), 'dist', 'artifacts', 'ntfs', 'logfile.js'));
describeIf(staged && built, built ? `tools ${STAGED_TOOLS.join(', ')} not all installed` : 'dist/ not built (npm run build)')('the CLI on a $LogFile story', () => {
  let img: StagedImage;
  let dir: string;
  let log: Buffer;
  beforeAll(() => {
    dir = path.join(workDir(), 'logfile-cli');
    rmSync(dir, { recursive: true, force: true });
    img = buildStagedImage(dir);
    const file = { ...stage, entry: img.stage.entry, sequence: img.stage.sequence, parentEntry: img.perflogs.entry, parentSequence: img.perflogs.sequence };
    log = logFile(fileLifeRecords(file, [{ op: 'create' }, { op: 'rename', name: 'stage.log', time: '2024-05-01T02:38:00Z' }, { op: 'delete', time: '2024-05-01T02:40:00Z' }])).bytes;
  }, 120_000);

  test('a KAPE collection with C/$MFT and C/$LogFile (no journal): a high or critical logfile-record finding, in one episode with the command', () => {
    const c = path.join(dir, 'kape', 'C');
    mkdirSync(path.join(c, path.dirname(HISTORY_REL)), { recursive: true });
    writeFileSync(path.join(c, '$MFT'), img.mftBytes);
    writeFileSync(path.join(c, '$LogFile'), log);
    writeFileSync(path.join(c, HISTORY_REL), HISTORY);
    const report = scanTraces([path.join(dir, 'kape'), '--scope', 'all']);
    const ofStage = report.findings.filter((x) => x.mftEntry === img.stage.entry);
    expect(ofStage.map((x) => x.kind)).toEqual(['logfile-record']);
    const f = ofStage[0]!;
    expect(f.path).toBe('C/PerfLogs/stage.log');
    expect(['high', 'critical']).toContain(f.level);
    expect(f.reasons.map((r) => r.rule)).toEqual(expect.arrayContaining(['ntfs-archive-deleted', 'ntfs-archive-deleted-from-staging-place', 'ntfs-archive-extension-hidden', 'named-in-history']));
    expect(report.episodes?.find((e) => e.findingIds.includes(f.id))?.evidenceKinds).toEqual(expect.arrayContaining(['history', 'ntfs']));
    // the folder's times in the log date the rename and the deletion on the timeline
    const rows = (report.timeline ?? []).filter((t) => t.findingId === f.id).map((t) => `${t.type} ${t.time}`);
    expect(rows).toEqual(expect.arrayContaining(['created 2024-05-01T02:14:05.0000000Z', 'renamed 2024-05-01T02:38:00.0000000Z', 'deleted 2024-05-01T02:40:00.0000000Z']));
    // parse shows the records
    const parsed = runCli(['parse', path.join(c, '$LogFile'), '--format', 'jsonl']);
    expect(parsed.status).toBe(0);
    expect(parsed.stdout.split('\n').filter((l) => l.includes('"change":"removed"')).length).toBe(2);
    // with the collected $MFT beside it (MFTECmd -m): each index entry names its folder's path
    const withMft = runCli(['parse', path.join(c, '$LogFile'), '--mft', path.join(c, '$MFT')]);
    expect(withMft.status).toBe(0);
    const indexed = withMft.stdout.trim().split('\n').map((l) => JSON.parse(l) as LogFileRecord & { index?: { parentPath?: string | null } }).filter((r) => r.index);
    expect(indexed.map((r) => `${r.index!.change} ${r.index!.name} ${r.index!.parentPath}`)).toEqual(['added stage.7z /PerfLogs', 'removed stage.7z /PerfLogs', 'added stage.log /PerfLogs', 'removed stage.log /PerfLogs']);
  }, 120_000);

  test('the image with the story in its own $LogFile: the journal\'s finding carries it', () => {
    const image = path.join(dir, 'with-log.img');
    copyFileSync(img.image, image);
    const clusters = dataClusters(img.mftBytes.subarray(2 * 1024, 3 * 1024), 2);
    expect(clusters.length * 4096).toBeGreaterThanOrEqual(64 * 1024);
    const bytes = logFile(fileLifeRecords({ ...stage, entry: img.stage.entry, sequence: img.stage.sequence, parentEntry: img.perflogs.entry, parentSequence: img.perflogs.sequence }, [{ op: 'create' }, { op: 'rename', name: 'stage.log' }, { op: 'delete' }]), {
      size: clusters.length * 4096,
    }).bytes;
    const fd = openSync(image, 'r+');
    clusters.forEach((lcn, i) => writeSync(fd, bytes, i * 4096, 4096, lcn * 4096));
    closeSync(fd);
    const report = scanTraces([image]);
    const ofStage = report.findings.filter((x) => x.kind === 'usn-record' && x.path === 'PerfLogs/stage.log');
    expect(ofStage).toHaveLength(1);
    expect(ofStage[0]!.details?.logFile).toMatchObject({ source: '$LogFile', records: 5, deleted: true });
    expect(report.findings.some((x) => x.kind === 'logfile-record')).toBe(false);
    // parse of the image's own log, its folders' paths from the volume's own $MFT
    const parsed = runCli(['parse', '--root', image, '$LogFile']);
    expect(parsed.status).toBe(0);
    const paths = parsed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { index?: { name: string; parentPath?: string | null } }).flatMap((r) => (r.index ? [`${r.index.name} ${r.index.parentPath}`] : []));
    expect(new Set(paths)).toEqual(new Set(['stage.7z /PerfLogs', 'stage.log /PerfLogs']));
  }, 120_000);
});
