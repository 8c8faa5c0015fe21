/**
 * One MFT index per volume (docs/ntfs.md): the volume's own $MFT, opened through the volume, is
 * summarised with the index of the volume's listing pass, and gives exactly what a standalone copy of
 * the same bytes gives with its own first pass. And `factsOnly` (what a scan asks of $MFT and $J)
 * gives `parse`'s facts, warnings and verdict without records.
 */
import { expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { bufferSource } from '../../src/util/byte-source.js';
import { openNtfs } from '../../src/evidence/image/ntfs/index.js';
import { ownMftIndex } from '../../src/evidence/image/ntfs/volume.js';
import { mftRecordSize, mftSummaries, type MftIndex } from '../../src/artifacts/ntfs/mft.js';
import { mftParser, usnParser } from '../../src/artifacts/ntfs/index.js';
import type { ArtifactContext, ArtifactParser } from '../../src/artifacts/types.js';
import { CORPUS_MISSING, corpusAvailable, corpusPath, describeIf } from '../helpers/corpus.js';
import { fileSource } from './helpers.js';
import { NtfsFs } from '../../src/evidence/image/fs/ntfs.js';
import { listingFinder, lookupPath, type FsEntry } from '../../src/evidence/fs.js';

const haveCorpus = corpusAvailable();

function summariesWithPaths(src: ReturnType<typeof bufferSource>): { summaries: unknown[]; paths: string[]; warnings: string[] } {
  const warnings: string[] = [];
  let index: MftIndex | null = null;
  const summaries = [...mftSummaries(src, warnings, (i) => (index = i))];
  const names = (index as MftIndex | null)?.names;
  const paths = summaries.map((s) => (names ? names.resolve((s as { entry: number }).entry).path : ''));
  return { summaries, paths, warnings };
}

describeIf(haveCorpus, CORPUS_MISSING)('the volume index serves its own $MFT', () => {
  test('ntfs-rs/testfs1: same summaries, paths and warnings as a standalone copy; the copy is indexed on its own', () => {
    const v = openNtfs(fileSource(corpusPath('ntfs/ntfs-rs/testfs1')));
    const own = v.open({ entry: 0, sequence: 0 });
    expect(own).not.toBeNull();
    const copy = bufferSource(Buffer.from(own!.read(0, own!.size)), '$MFT');
    const size = mftRecordSize(own!)!;
    const count = Math.floor(own!.size / size);
    expect(ownMftIndex(own!, size, count)).not.toBeNull();
    expect(ownMftIndex(copy, size, count)).toBeNull();
    expect(ownMftIndex(own!, size, count + 1)).toBeNull(); // a different count: indexed on its own
    const a = summariesWithPaths(own!);
    const b = summariesWithPaths(copy);
    expect(a.summaries.length).toBeGreaterThan(20);
    expect(a.summaries).toEqual(b.summaries);
    expect(a.paths).toEqual(b.paths);
    expect(a.warnings).toEqual(b.warnings);
    expect(a.paths).toContain('/$MFT');
  });
});

describeIf(haveCorpus, CORPUS_MISSING)('NtfsFs.lookup from the index names', () => {
  test('ntfs-rs/testfs1: every listed path (as listed, upper-cased, and missing) finds what a fresh listing finds', () => {
    const fs = new NtfsFs(fileSource(corpusPath('ntfs/ntfs-rs/testfs1')), 'testfs1');
    const paths: string[] = [];
    const queue: FsEntry[] = [fs.root()];
    while (queue.length > 0 && paths.length < 5000) {
      for (const e of fs.list(queue.shift()!).entries) {
        if (e.deleted) continue;
        paths.push(e.path);
        if (e.type === 'directory') queue.push(e);
      }
    }
    expect(paths.length).toBeGreaterThan(20);
    const viaListing = listingFinder(fs);
    // a spread sample: the listing finder lists every directory on the way, for each path
    const step = Math.max(1, Math.floor(paths.length / 40));
    const sample = paths.filter((_, i) => i % step === 0);
    for (const p of sample.flatMap((x) => [x, x.toUpperCase(), `${x}-missing`])) {
      for (const ci of [false, true]) {
        const fast = fs.lookup(p, ci);
        const slow = lookupPath(fs, p, ci, viaListing);
        expect([p, ci, fast?.id ?? null, fast?.path ?? null]).toEqual([p, ci, slow?.id ?? null, slow?.path ?? null]);
      }
    }
  });
});

const ctxOf = (name: string, src: { read(p: number, n: number): Buffer; size: number }): ArtifactContext => ({ relPath: name, name, head: src.read(0, 4096), size: src.size, format: null });

async function sameAsParse(parser: ArtifactParser, file: string): Promise<void> {
  const src = bufferSource(readFileSync(corpusPath(file)), file);
  const ctx = ctxOf(file.slice(file.lastIndexOf('/') + 1), src);
  const full = await parser.parse(src, ctx);
  const facts = await parser.factsOnly!(src, ctx);
  if (full === null) {
    expect(facts).toBeNull();
    return;
  }
  expect(facts).not.toBeNull();
  expect(facts!.records).toEqual([]);
  expect({ facts: facts!.facts, warnings: facts!.warnings, corrupted: facts!.corrupted, parser: facts!.parser }).toEqual({ facts: full.facts, warnings: full.warnings, corrupted: full.corrupted, parser: full.parser });
}

describeIf(haveCorpus, CORPUS_MISSING)('factsOnly gives parse without the records', () => {
  for (const file of ['ntfs/ez-mft/xw/$MFT', 'ntfs/ntfs-samples/extracted/ntfs.raw.$MFT', 'ntfs/mft-rs/samples/entry_single_file', 'ntfs/mft-rs/samples/entry_102130_fixup_issue']) {
    test(`mft: ${file}`, () => sameAsParse(mftParser, file));
  }
  for (const file of ['usnjrnl/ntfs-samples/extracted/ntfs.raw.$UsnJrnl.$J', 'usnjrnl/plaso/UsnJrnl.raw', 'usnjrnl/ez-mft/Usn/record.usn']) {
    test(`usnjrnl: ${file}`, () => sameAsParse(usnParser, file));
  }
  test('mft: bytes that are no $MFT give null from both', async () => {
    const src = bufferSource(Buffer.alloc(4096, 0x41), 'x');
    const ctx = ctxOf('$MFT', src);
    expect(await mftParser.parse(src, ctx)).toBeNull();
    expect(await mftParser.factsOnly!(src, ctx)).toBeNull();
  });
});
