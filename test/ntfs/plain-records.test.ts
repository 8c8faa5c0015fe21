/**
 * Plain MFT records (`isPlainRecord`, `MftIndex.plain`): the index pass marks the records whose
 * summary holds nothing but names, sizes and times, and the trace stage does not read those a second
 * time unless their name is a staged one (`TraceState.passesOver`). Held to two references:
 *   - every record marked plain, summarised in full, holds nothing the trace detectors read (no
 *     warnings, attribute list, extension record or named stream; in use; its first name the one the
 *     index kept; no $STANDARD_INFORMATION creation before a $FILE_NAME's), on the corpus $MFTs and
 *     volumes;
 *   - the trace stage gives the same candidates, warnings and counts as when it reads every record
 *     (`readEveryRecord`), on the corpus, on the staged image and on a generated volume whose live,
 *     plain `loot.7z` only the journal makes a finding of (its MFT facts must still be read).
 */
import { afterAll, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileLife, usnJournal, ATTR, REASON } from '../../fixtures/lib/usn-writer.mjs';
import { mftSummaries, type MftIndex } from '../../src/artifacts/ntfs/mft.js';
import { timestompSigns } from '../../src/artifacts/ntfs/timestomp.js';
import { ntfsTraceCandidates, type TraceSources } from '../../src/artifacts/ntfs/traces.js';
import { openNtfs } from '../../src/evidence/image/ntfs/index.js';
import { ntfsHotspots } from '../../src/pipeline/ntfs-traces.js';
import { bufferSource, type ByteSource } from '../../src/util/byte-source.js';
import { CORPUS_MISSING, corpusAvailable, corpusPath, describeIf, toolAvailable } from '../helpers/corpus.js';
import { fileSource, gunzipSparse, workDir, WORK } from './helpers.js';
import { buildStagedImage, STAGED_TOOLS } from './staged-image.js';

const HAVE = corpusAvailable();
const HAVE_TOOLS = STAGED_TOOLS.every((t) => toolAvailable(t));

afterAll(() => rmSync(WORK, { recursive: true, force: true }));

/** The volume's own $MFT stream (indexed by the volume's listing pass), or a standalone file's bytes. */
function ownMft(image: string, offset = 0): ByteSource {
  const v = openNtfs(fileSource(image, offset));
  const mft = v.open({ entry: 0, sequence: 0 });
  if (!mft) throw new Error(`${image}: no $MFT`);
  return mft;
}

/** Every plain record's full summary against what a plain record may hold; the counts of both kinds. */
function checkPlain(src: ByteSource): { plain: number; other: number } {
  let index: MftIndex | null = null;
  const counts = { plain: 0, other: 0 };
  for (const s of mftSummaries(src, [], (i) => (index = i))) {
    const idx = index as MftIndex | null;
    if (!idx) throw new Error('no index');
    if (idx.plain[s.entry] !== 1) {
      counts.other++;
      continue;
    }
    counts.plain++;
    const seen = {
      entry: s.entry,
      inUse: s.inUse,
      base: s.base,
      warnings: s.warnings,
      attributeList: s.attributeList,
      attributeListNonResident: s.attributeListNonResident,
      extensions: idx.extensions.has(s.entry),
      namedStreams: s.streams.filter((x) => x.name !== '').map((x) => x.name),
      firstName: s.fileNames[0]?.name ?? null,
      siCreatedBeforeAName: s.fileNames.some((fn) => timestompSigns(s.si, fn).includes('siCreatedBeforeFn')),
    };
    expect(seen).toEqual({ ...seen, inUse: true, base: null, warnings: [], attributeList: null, attributeListNonResident: false, extensions: false, namedStreams: [], firstName: idx.names.nameOf(s.entry), siCreatedBeforeAName: false });
  }
  return counts;
}

/** The trace stage as it runs, and reading every record: the same result but for the records read. */
async function checkTraces(sources: Omit<TraceSources, 'volumeRel' | 'drive' | 'hotspots'>): Promise<{ read: number; records: number; candidates: number }> {
  const base: TraceSources = { volumeRel: '', drive: 'C', hotspots: ntfsHotspots(), ...sources };
  const every = await ntfsTraceCandidates({ ...base, readEveryRecord: true });
  const skipping = await ntfsTraceCandidates(base);
  expect(skipping.candidates).toEqual(every.candidates);
  expect(skipping.warnings).toEqual(every.warnings);
  expect({ ...skipping.stats, mftRecordsRead: 0 }).toEqual({ ...every.stats, mftRecordsRead: 0 });
  expect(every.stats.mftRecordsRead).toBe(every.stats.mftRecords);
  return { read: skipping.stats.mftRecordsRead, records: skipping.stats.mftRecords, candidates: skipping.candidates.length };
}

const STANDALONE = ['ntfs/ez-mft/xw/$MFT', 'ntfs/ez-mft/NIST/DFR-16/$MFT', 'ntfs/ntfs-samples/extracted/ntfs.raw.$MFT'];

describeIf(HAVE, CORPUS_MISSING)('plain MFT records, corpus', () => {
  test.each(STANDALONE)('%s (standalone): plain records hold nothing more; the trace stage reads only the others, same result', async (rel) => {
    const src = (): ByteSource => bufferSource(readFileSync(corpusPath(rel)), '$MFT');
    const counts = checkPlain(src());
    expect(counts.plain).toBeGreaterThan(10);
    expect(counts.other).toBeGreaterThan(0);
    const r = await checkTraces({ mft: src(), mftRel: '$MFT', usn: null, usnRel: null });
    expect(r.read).toBeLessThan(r.records);
  });

  test('ntfs-rs/testfs1 and two Windows 10 volumes (own $MFT, indexed by the listing pass)', async () => {
    const volumes: Array<[string, number]> = [[corpusPath('ntfs/ntfs-rs/testfs1'), 0]];
    for (const name of ['ntfs-si-vs-fn', 'ntfs-lastaccess']) volumes.push([await gunzipSparse(corpusPath(`ntfs/ntfs-samples/${name}.raw.gz`), path.join(workDir(), `${name}.raw`)), 128 * 512]);
    for (const [image, offset] of volumes) {
      const counts = checkPlain(ownMft(image, offset));
      expect(counts.plain).toBeGreaterThan(10);
      const r = await checkTraces({ mft: ownMft(image, offset), mftRel: '$MFT', usn: null, usnRel: null });
      expect(r.read).toBeLessThan(r.records);
    }
  });
});

describeIf(HAVE_TOOLS, `tools ${STAGED_TOOLS.join(', ')} not all installed`)('plain MFT records, generated volumes', () => {
  test('the staged image: deleted archive, ADS, Zone.Identifier, timestomping; same trace findings', async () => {
    const dir = path.join(workDir(), 'plain-staged');
    rmSync(dir, { recursive: true, force: true });
    const img = buildStagedImage(dir);
    checkPlain(ownMft(img.image));
    const r = await checkTraces({ mft: ownMft(img.image), mftRel: '$MFT', usn: bufferSource(img.usnBytes), usnRel: '$J' });
    expect(r.candidates).toBeGreaterThanOrEqual(3);
  }, 180_000);

  test('a live, plain loot.7z that only the journal names: its MFT facts are still read (size, entry)', async () => {
    const dir = path.join(workDir(), 'plain-loot');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const image = path.join(dir, 'loot.img');
    const env = { ...process.env, TZ: 'UTC' };
    const run = (cmd: string, args: string[]): void => void execFileSync(cmd, args, { env, stdio: 'ignore' });
    run('truncate', ['-s', '16M', image]);
    run('mkntfs', ['-F', '-Q', '-T', '-s', '512', '-c', '4096', '-L', 'LOOT', '-q', image]);
    const put = (name: string, data: Buffer): void => {
      writeFileSync(path.join(dir, name), data);
      run('faketime', ['-f', '2024-05-01 02:00:00', 'ntfscp', '-f', image, path.join(dir, name), `/${name}`]);
    };
    put('plain.txt', Buffer.from('nothing to see\r\n'));
    put('loot.7z', Buffer.concat([Buffer.from('377abcaf271c0004', 'hex'), Buffer.alloc(20_000, 0x5a)]));
    const loot = openNtfs(fileSource(image)).lookup('/loot.7z')!;
    // The journal puts loot.7z in a PerfLogs folder it created (entry 200, not on the volume): a hotspot.
    const t = (s: string): string => `2024-05-01T02:${s}Z`;
    const { bytes } = usnJournal([
      { entry: 200, sequence: 1, parentEntry: 5, parentSequence: 5, time: t('00:00'), reason: REASON.FILE_CREATE | REASON.CLOSE, name: 'PerfLogs', attributes: ATTR.DIRECTORY },
      ...fileLife({ entry: loot.entry, sequence: loot.sequence, parentEntry: 200, parentSequence: 1, name: 'loot.7z' }, [
        { t: t('01:00'), op: 'create' },
        { t: t('02:00'), op: 'write' },
      ]),
    ]);
    const mft = ownMft(image);
    let index: MftIndex | null = null;
    for (const s of mftSummaries(mft, [], (i) => (index = i))) void s;
    expect((index as MftIndex | null)!.plain[loot.entry]).toBe(1);
    const r = await checkTraces({ mft: ownMft(image), mftRel: '$MFT', usn: bufferSource(bytes), usnRel: '$J' });
    expect(r.read).toBeLessThan(r.records);
    const found = await ntfsTraceCandidates({ mft: ownMft(image), mftRel: '$MFT', usn: bufferSource(bytes), usnRel: '$J', volumeRel: '', drive: 'C', hotspots: ntfsHotspots() });
    const c = found.candidates.find((x) => x.path === 'PerfLogs/loot.7z');
    expect(c?.size).toBe(20_008);
    expect((c?.details as { remains: string[] }).remains).toContain(`the file itself (MFT entry ${loot.entry}-${loot.sequence})`);
  }, 120_000);
});
